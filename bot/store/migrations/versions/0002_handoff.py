"""Coordinator handoff: handoff state, call-back consent, attachments, console.

Revision ID: 0002_handoff
Revises: 0001
Create Date: 2024-12-01

* conversations: handoff state (none / waiting / active) and when it changed,
  when the patient agreed to us keeping their contact details, and the time
  of their last message (WhatsApp's 24-hour window);
* tickets: how it ended, the newest patient message, the call-back offer and
  the urgent-alert webhook bookkeeping;
* attachments: reports and scans the patient sent (content and file name
  encrypted; the column is TEXT holding a Fernet token);
* staff_sessions and signin_failures: the console's server-side sessions and
  its sign-in throttle.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_handoff"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)

CONVERSATION_COLUMNS = (
    ("handoff_state", sa.String(16)),
    ("handoff_changed_at", TS),
    ("contact_consent_at", TS),
    ("last_inbound_at", TS),
)
TICKET_COLUMNS = (
    ("resolution", sa.String(32)),
    ("last_patient_message_at", TS),
    ("callback_offered_at", TS),
    ("alert_sent_at", TS),
    ("alert_last_attempt_at", TS),
)


def upgrade() -> None:
    """Add the handoff columns and the attachment and console tables."""
    for name, type_ in CONVERSATION_COLUMNS:
        op.add_column("conversations", sa.Column(name, type_, nullable=True))
    for name, type_ in TICKET_COLUMNS:
        op.add_column("tickets", sa.Column(name, type_, nullable=True))
    op.add_column(
        "tickets",
        sa.Column("alert_attempts", sa.Integer(), nullable=False, server_default="0"),
    )

    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(127), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("source_message_id", sa.String(255), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_attachments_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
        sa.UniqueConstraint(
            "conversation_id", "source_message_id", name="uq_attachments_source"
        ),
    )
    op.create_index(
        "ix_attachments_conversation_id", "attachments", ["conversation_id"]
    )

    op.create_table(
        "staff_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("last_seen_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"],
            ["staff.id"],
            name="fk_staff_sessions_staff_id_staff",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_staff_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_staff_sessions_token_hash"),
    )
    op.create_index("ix_staff_sessions_staff_id", "staff_sessions", ["staff_id"])

    op.create_table(
        "signin_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_signin_failures"),
    )
    op.create_index(
        "ix_signin_failures_key", "signin_failures", ["kind", "key_hash", "at"]
    )


def downgrade() -> None:
    """Drop what :func:`upgrade` added (attachments and sessions are lost)."""
    op.drop_index("ix_signin_failures_key", table_name="signin_failures")
    op.drop_table("signin_failures")
    op.drop_index("ix_staff_sessions_staff_id", table_name="staff_sessions")
    op.drop_table("staff_sessions")
    op.drop_index("ix_attachments_conversation_id", table_name="attachments")
    op.drop_table("attachments")
    op.drop_column("tickets", "alert_attempts")
    for name, _ in reversed(TICKET_COLUMNS):
        op.drop_column("tickets", name)
    for name, _ in reversed(CONVERSATION_COLUMNS):
        op.drop_column("conversations", name)
