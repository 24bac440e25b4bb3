"""WhatsApp: the inbound queue and the outbox sender's bookkeeping.

Revision ID: 0003_whatsapp
Revises: 0002_handoff
Create Date: 2024-12-01

``channel_media`` holds the files patients send, encrypted, until they agree
to their storage (then they move to issue 10's ``attachments``).
``processed_inbound`` keeps a claimed message (encrypted) until it has been
processed, with a lease so that another process takes over a message whose
process died; ``outbox`` gets a status, a retry time, a lease, who it is from,
and the provider's delivery receipts.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_whatsapp"
down_revision = "0002_handoff"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the columns, constraints and indexes."""
    with op.batch_alter_table("processed_inbound") as batch:
        batch.add_column(sa.Column("conversation_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="done")
        )
        batch.add_column(sa.Column("payload", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("lease_until", TS, nullable=True))
        batch.add_column(sa.Column("last_error", sa.String(255), nullable=True))
        batch.create_foreign_key(
            "fk_processed_inbound_conversation_id_conversations",
            "conversations",
            ["conversation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch.create_check_constraint(
            "ck_processed_inbound_status",
            "status IN ('received', 'done', 'failed')",
        )
        batch.create_index("ix_processed_inbound_conversation_id", ["conversation_id"])
        batch.create_index(
            "ix_processed_inbound_status_lease", ["status", "lease_until"]
        )

    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("status", sa.String(16), nullable=False, server_default="queued")
        )
        batch.add_column(
            sa.Column("origin", sa.String(16), nullable=False, server_default="bot")
        )
        batch.add_column(sa.Column("next_attempt_at", TS, nullable=True))
        batch.add_column(sa.Column("lease_until", TS, nullable=True))
        batch.add_column(sa.Column("receipt_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("receipt_at", TS, nullable=True))
        batch.add_column(sa.Column("receipt_error", sa.String(32), nullable=True))
        batch.create_check_constraint(
            "ck_outbox_status",
            "status IN ('queued', 'sending', 'sent', 'held', 'failed', 'refused')",
        )
        batch.create_check_constraint(
            "ck_outbox_origin",
            "origin IN ('bot', 'coordinator', 'notice', 'template')",
        )
        batch.create_index(
            "ix_outbox_status_next_attempt_at", ["status", "next_attempt_at"]
        )
        batch.create_index("ix_outbox_provider_message_id", ["provider_message_id"])
    op.create_table(
        "channel_media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("source_message_id", sa.String(255), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name="fk_channel_media_conversation_id_conversations",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_channel_media"),
    )
    op.create_index(
        "ix_channel_media_conversation_id", "channel_media", ["conversation_id"]
    )
    op.create_index("ix_channel_media_created_at", "channel_media", ["created_at"])
    # Messages delivered before this revision are "sent".
    op.execute("UPDATE outbox SET status = 'sent' WHERE delivered_at IS NOT NULL")


def downgrade() -> None:
    """Remove what :func:`upgrade` added."""
    op.drop_table("channel_media")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_provider_message_id")
        batch.drop_index("ix_outbox_status_next_attempt_at")
        batch.drop_constraint("ck_outbox_origin", type_="check")
        batch.drop_constraint("ck_outbox_status", type_="check")
        for column in (
            "receipt_error",
            "receipt_at",
            "receipt_status",
            "lease_until",
            "next_attempt_at",
            "origin",
            "status",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("processed_inbound") as batch:
        batch.drop_index("ix_processed_inbound_status_lease")
        batch.drop_index("ix_processed_inbound_conversation_id")
        batch.drop_constraint("ck_processed_inbound_status", type_="check")
        batch.drop_constraint(
            "fk_processed_inbound_conversation_id_conversations", type_="foreignkey"
        )
        for column in (
            "last_error",
            "lease_until",
            "attempts",
            "payload",
            "status",
            "conversation_id",
        ):
            batch.drop_column(column)
