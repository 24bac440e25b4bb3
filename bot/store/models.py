"""The product's tables, designed together (see ``bot/store/README.md``).

What is health or contact data is stored with :class:`EncryptedText` /
:class:`EncryptedJSON`; what staff filter or sort on (channel, status, priority,
timestamps) stays in clear. The schema itself is created by the Alembic
migrations in ``bot/store/migrations``; these classes must match them (a test
compares the two).
"""

from __future__ import annotations

from typing import Any, Dict, List

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import declarative_base, relationship

from bot.store.types import (
    EncryptedBytes,
    EncryptedJSON,
    EncryptedText,
    UTCDateTime,
    utcnow,
)

#: Deterministic constraint names, so migrations can drop what they created.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
Base: Any = declarative_base(metadata=metadata)

CONSENT_STATES = ("unknown", "given", "withdrawn")
TICKET_STATES = ("waiting", "assigned", "resolved")
#: Highest first; the queue is ordered by this.
PRIORITIES = ("urgent", "high", "normal")
STAFF_ROLES = ("coordinator", "admin")
#: An inbound message: ``received`` (claimed, being or to be processed),
#: ``done``, or ``failed`` (given up after retries; a ticket tells staff).
INBOUND_STATES = ("received", "done", "failed")
#: An outbound message: ``queued`` → ``sending`` → ``sent``; ``held`` while the
#: 24-hour window is closed (released when the patient writes); ``failed``
#: (gave up; staff are told); ``refused`` (the window was closed for it).
OUTBOX_STATES = ("queued", "sending", "sent", "held", "failed", "refused")
#: Who an outbound message is from (the window's rules differ).
OUTBOX_ORIGINS = ("bot", "coordinator", "notice", "template")
#: A conversation's handoff: None (the bot has it), waiting (a ticket is open,
#: no coordinator yet; the bot still answers), active (a coordinator has it;
#: the bot stays quiet except for emergencies).
HANDOFF_STATES = ("waiting", "active")


def _in(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Conversation(Base):
    """One patient on one channel: the anchor of everything stored about them.

    ``sender_id`` is the channel's id for the patient (a socket.io session id,
    a WhatsApp phone number); Rasa keys its tracker by the same value, so it is
    kept in clear to find the conversation. What the patient tells us goes in
    the encrypted columns of this table and its children.
    """

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel", "sender_id", name="uq_conversations_channel"),
        CheckConstraint(_in("consent_status", CONSENT_STATES), name="consent_status"),
    )

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    sender_id = Column(String(255), nullable=False)
    language = Column(String(16))
    consent_status = Column(String(16), nullable=False, default="unknown")
    consent_given_at = Column(UTCDateTime)
    consent_withdrawn_at = Column(UTCDateTime)
    #: What the patient chose to give: {"name": …, "phone": …, "email": …}.
    contact_details = Column(EncryptedJSON)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_activity_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    #: None, ``waiting`` or ``active`` (see ``HANDOFF_STATES``).
    handoff_state = Column(String(16))
    handoff_changed_at = Column(UTCDateTime)
    #: When the patient agreed to us keeping their contact details (call back).
    contact_consent_at = Column(UTCDateTime)
    #: The patient's last message (WhatsApp allows free replies for 24 h after it).
    last_inbound_at = Column(UTCDateTime)

    consents: List[ConsentRecord] = relationship(
        "ConsentRecord",
        back_populates="conversation",
        passive_deletes=True,
        order_by="ConsentRecord.id",
    )
    screenings: List[Screening] = relationship(
        "Screening",
        back_populates="conversation",
        passive_deletes=True,
        order_by="Screening.id",
    )
    tickets: List[Ticket] = relationship(
        "Ticket",
        back_populates="conversation",
        passive_deletes=True,
        order_by="Ticket.id",
    )

    @property
    def has_consent(self) -> bool:
        """True while the patient's consent is given and not withdrawn."""
        return self.consent_status == "given"


class ConsentRecord(Base):
    """Every change of consent, as proof of what was agreed and when."""

    __tablename__ = "consent_records"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    given = Column(Boolean, nullable=False)
    #: Which wording of the consent question the patient answered.
    wording_version = Column(String(64))
    #: Who recorded it: "patient" (in the chat) or "staff:<id>".
    source = Column(String(64), nullable=False, default="patient")
    recorded_at = Column(UTCDateTime, nullable=False, default=utcnow)

    conversation: Conversation = relationship("Conversation", back_populates="consents")


class Screening(Base):
    """One eligibility screening: the facts given and the rules' answer.

    ``facts`` maps a canonical field (``bilirubin_mg_dl`` …) to ``{"text": what
    the patient typed, "unit": the unit they used, "value": the normalised
    value}``. Outcome, flags and reasons are health data too, so all four are
    encrypted; only the rules version and the time are clear.
    """

    __tablename__ = "screenings"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    facts: Dict[str, Any] = Column(EncryptedJSON, nullable=False)
    outcome = Column(EncryptedText, nullable=False)
    flags: List[str] = Column(EncryptedJSON, nullable=False)
    reasons: List[str] = Column(EncryptedJSON, nullable=False)
    rules_version = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    conversation: Conversation = relationship(
        "Conversation", back_populates="screenings"
    )


class Staff(Base):
    """A coordinator or administrator of the console."""

    __tablename__ = "staff"
    __table_args__ = (CheckConstraint(_in("role", STAFF_ROLES), name="role"),)

    id = Column(Integer, primary_key=True)
    #: Stored lower-cased; unique.
    email = Column(String(320), nullable=False, unique=True)
    display_name = Column(String(120))
    #: ``scrypt$n$r$p$salt$hash`` (see bot.store.staff).
    password_hash = Column(String(255), nullable=False)
    role = Column(String(16), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at = Column(UTCDateTime)


class Ticket(Base):
    """An escalation to the coordinators: waiting → assigned → resolved.

    ``reason`` is a short code from the product (``urgent_symptoms``,
    ``patient_request`` …) that staff filter on, never the patient's words;
    those go in the encrypted ``summary``. A conversation has at most one
    unresolved ticket (a partial unique index), so two replicas escalating the
    same message cannot open two.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint(_in("priority", PRIORITIES), name="priority"),
        CheckConstraint(_in("status", TICKET_STATES), name="status"),
        Index(
            "uq_tickets_one_open_per_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("status != 'resolved'"),
            postgresql_where=text("status != 'resolved'"),
        ),
        Index("ix_tickets_status_priority", "status", "priority"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    reason = Column(String(64), nullable=False)
    priority = Column(String(8), nullable=False, default="normal")
    status = Column(String(10), nullable=False, default="waiting")
    assignee_id = Column(Integer, ForeignKey("staff.id", ondelete="SET NULL"))
    #: The summary for staff (values collected, what the patient asked).
    summary = Column(EncryptedText)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow)
    assigned_at = Column(UTCDateTime)
    resolved_at = Column(UTCDateTime)
    #: How it ended: ``resolved`` (by staff), ``cancelled`` (by the patient).
    resolution = Column(String(32))
    #: The newest patient message while the ticket was open (queue marker).
    last_patient_message_at = Column(UTCDateTime)
    #: When the patient was offered a call back (at once outside opening
    #: hours; after the unclaimed wait inside them). Set once, atomically.
    callback_offered_at = Column(UTCDateTime)
    #: The urgent-ticket webhook: sent, attempts so far, last attempt.
    alert_sent_at = Column(UTCDateTime)
    alert_attempts = Column(Integer, nullable=False, default=0, server_default="0")
    alert_last_attempt_at = Column(UTCDateTime)

    conversation: Conversation = relationship("Conversation", back_populates="tickets")
    assignee: Staff | None = relationship("Staff")
    notes: List[TicketNote] = relationship(
        "TicketNote",
        back_populates="ticket",
        passive_deletes=True,
        order_by="TicketNote.id",
    )


class TicketNote(Base):
    """A coordinator's free-text note on a ticket (encrypted)."""

    __tablename__ = "ticket_notes"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(
        Integer,
        ForeignKey("tickets.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    author_id = Column(Integer, ForeignKey("staff.id", ondelete="SET NULL"))
    body = Column(EncryptedText, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    ticket: Ticket = relationship("Ticket", back_populates="notes")


class AuditEntry(Base):
    """Who read or changed which patient's data, and when. Never health data.

    ``conversation_id`` is deliberately not a foreign key: the entry must
    outlive the conversation it records the erasure of.
    """

    __tablename__ = "audit_log"

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    #: "staff:<id>", "patient", "cli", "system:retention" …
    actor = Column(String(64), nullable=False)
    staff_id = Column(Integer)
    action = Column(String(64), nullable=False)
    conversation_id = Column(Integer, index=True)
    #: Counts and codes only (e.g. "screenings=2 events=14").
    detail = Column(String(255))


class ProcessedInbound(Base):
    """Inbound message ids already claimed, so a redelivered webhook runs once.

    A WhatsApp message is claimed here before the webhook answers (the unique
    constraint decides between two processes), together with the message
    itself (encrypted) until it has been processed: a process that dies after
    answering 200 loses nothing, another one picks the message up when its
    lease runs out. ``payload`` is cleared once the message is processed.
    """

    __tablename__ = "processed_inbound"
    __table_args__ = (
        UniqueConstraint("channel", "message_id", name="uq_processed_inbound_message"),
        CheckConstraint(_in("status", INBOUND_STATES), name="status"),
        Index("ix_processed_inbound_status_lease", "status", "lease_until"),
    )

    id = Column(Integer, primary_key=True)
    channel = Column(String(32), nullable=False)
    message_id = Column(String(255), nullable=False)
    processed_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    conversation_id = Column(
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        index=True,
    )
    status = Column(String(16), nullable=False, default="done", server_default="done")
    #: The message (what the patient sent), until it has been processed.
    payload: Dict[str, Any] = Column(EncryptedJSON)
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    #: Another process may take the message over after this time.
    lease_until = Column(UTCDateTime)
    #: The error's type and place, never its message.
    last_error = Column(String(255))


class OutboxMessage(Base):
    """An outbound message, kept until the channel has accepted it.

    ``payload`` is the message as the channel sends it and may quote the
    patient or carry a coordinator's reply, so it is encrypted. A conversation's
    messages go out in ``id`` order: a sender only ever takes the oldest
    ``queued``/``sending`` message of a conversation.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(_in("status", OUTBOX_STATES), name="status"),
        CheckConstraint(_in("origin", OUTBOX_ORIGINS), name="origin"),
        Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    payload: Dict[str, Any] = Column(EncryptedJSON, nullable=False)
    author_staff_id = Column(Integer, ForeignKey("staff.id", ondelete="SET NULL"))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    attempts = Column(Integer, nullable=False, default=0)
    last_attempt_at = Column(UTCDateTime)
    #: The channel's error code/message, never the message text.
    last_error = Column(String(255))
    delivered_at = Column(UTCDateTime, index=True)
    provider_message_id = Column(String(255), index=True)
    status = Column(
        String(16), nullable=False, default="queued", server_default="queued"
    )
    origin = Column(String(16), nullable=False, default="bot", server_default="bot")
    #: Not before this time (backoff after a failure, or the wait for the
    #: provider's callback after a send whose outcome is unknown).
    next_attempt_at = Column(UTCDateTime)
    #: A sender holds the message until then; another may take it after.
    lease_until = Column(UTCDateTime)
    #: The provider's last report: ``sent``, ``delivered``, ``read``, ``failed``.
    receipt_status = Column(String(16))
    receipt_at = Column(UTCDateTime)
    receipt_error = Column(String(32))

    conversation: Conversation = relationship("Conversation")


class ChannelMedia(Base):
    """A file a patient sent on WhatsApp, held until they agree to keep it.

    Fetched at once (the provider's link expires within minutes) and held
    encrypted. With the patient's agreement it moves to :class:`Attachment`
    (for the coordinators); without it, it is deleted (at the latest by the
    daily purge, after a day).
    """

    __tablename__ = "channel_media"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    content_type = Column(String(64), nullable=False)
    #: A file name can name the patient, so it is encrypted too.
    filename = Column(EncryptedText)
    size = Column(Integer, nullable=False)
    sha256 = Column(String(64), nullable=False)
    data = Column(EncryptedBytes, nullable=False)
    source_message_id = Column(String(255))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class Attachment(Base):
    """A file the patient sent (a report, a scan), stored encrypted.

    Content and file name are encrypted (a file name often carries the
    patient's name); type, size and times stay in clear for listing.
    ``source_message_id`` is the channel's id of the message that carried it,
    unique per conversation, so a redelivered webhook stores the file once.
    """

    __tablename__ = "attachments"
    __table_args__ = (
        UniqueConstraint(
            "conversation_id", "source_message_id", name="uq_attachments_source"
        ),
    )

    id = Column(Integer, primary_key=True)
    conversation_id = Column(
        Integer,
        ForeignKey("conversations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    content_type = Column(String(127), nullable=False)
    size_bytes = Column(Integer, nullable=False)
    filename = Column(EncryptedText)
    content = Column(EncryptedBytes, nullable=False)
    source_message_id = Column(String(255))
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)

    conversation: Conversation = relationship("Conversation")


class StaffSession(Base):
    """A signed-in console session (server-side; the cookie holds a random token).

    Only the SHA-256 of the token is stored, so a copy of the database cannot
    be used to sign in. Every console process sees every session.
    """

    __tablename__ = "staff_sessions"

    id = Column(Integer, primary_key=True)
    token_hash = Column(String(64), nullable=False, unique=True)
    staff_id = Column(
        Integer, ForeignKey("staff.id", ondelete="CASCADE"), nullable=False, index=True
    )
    #: The synchronizer token every change must carry.
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False)

    staff: Staff = relationship("Staff")


class SigninFailure(Base):
    """A failed console sign-in, counted per account and per address.

    ``key_hash`` is an HMAC of the e-mail address or of the IP address, so
    the table does not list who tried what from where.
    """

    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_key", "kind", "key_hash", "at"),)

    id = Column(Integer, primary_key=True)
    #: ``account`` or ``address``.
    kind = Column(String(8), nullable=False)
    key_hash = Column(String(64), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)


_ENCRYPTED_TYPES = (EncryptedText, EncryptedJSON, EncryptedBytes)

#: Columns holding ciphertext, for key rotation: table name → column names.
ENCRYPTED_COLUMNS: Dict[str, tuple] = {
    table.name: tuple(
        column.name
        for column in table.columns
        if isinstance(column.type, _ENCRYPTED_TYPES)
    )
    for table in metadata.sorted_tables
    if any(isinstance(c.type, _ENCRYPTED_TYPES) for c in table.columns)
}

__all__ = [
    "Attachment",
    "AuditEntry",
    "Base",
    "ChannelMedia",
    "ConsentRecord",
    "Conversation",
    "ENCRYPTED_COLUMNS",
    "OutboxMessage",
    "ProcessedInbound",
    "Screening",
    "SigninFailure",
    "Staff",
    "StaffSession",
    "Ticket",
    "TicketNote",
    "metadata",
]
