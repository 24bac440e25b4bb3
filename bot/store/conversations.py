"""Conversations, consent and contact details.

Consent is recorded before any health or contact data is stored: the
repositories that store such data call :func:`require_consent` and raise
:class:`~bot.store.errors.ConsentRequired` otherwise. Withdrawing is one call,
like giving; it stops any further storing at once. Data already stored stays
until the patient asks for erasure or retention removes it (the chat offers
erasure when consent is withdrawn).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.audit import record_audit
from bot.store.errors import ConsentRequired
from bot.store.models import HANDOFF_STATES, ConsentRecord, Conversation
from bot.store.types import utcnow

CONTACT_FIELDS = frozenset({"name", "phone", "email", "preferred_time", "country"})
#: Addresses a channel needs to reply at all (the WhatsApp number a patient
#: wrote from). Kept with the contact details, encrypted, but not chosen by the
#: patient: stored without consent, kept when the patient's own contact
#: details change, deleted with the conversation.
CHANNEL_ADDRESS_FIELDS = frozenset({"whatsapp"})


def get_conversation(
    *, session: Session, channel: str, sender_id: str
) -> Conversation | None:
    """Return the conversation of ``sender_id`` on ``channel``, or None."""
    return session.scalars(
        select(Conversation).where(
            Conversation.channel == channel, Conversation.sender_id == sender_id
        )
    ).one_or_none()


def get_or_create_conversation(
    *,
    session: Session,
    channel: str,
    sender_id: str,
    language: str | None = None,
    at: datetime | None = None,
) -> Conversation:
    """Return the conversation record, created on first contact; mark it active.

    Safe when two processes see the same new patient at once: the insert runs
    in a SAVEPOINT and a unique-constraint clash falls back to the row the
    other process created.

    Args:
        session: the caller's session.
        channel: input channel name (``socketio``, ``whatsapp``, ``rest`` …).
        sender_id: the channel's id of the patient.
        language: the conversation language, when known.
        at: the activity time (now by default).

    Returns:
        The conversation.

    """
    now = at or utcnow()
    conversation = get_conversation(
        session=session, channel=channel, sender_id=sender_id
    )
    if conversation is None:
        candidate = Conversation(
            channel=channel,
            sender_id=sender_id,
            language=language,
            consent_status="unknown",
            created_at=now,
            last_activity_at=now,
        )
        try:
            with session.begin_nested():
                session.add(candidate)
            return candidate
        except IntegrityError:
            conversation = get_conversation(
                session=session, channel=channel, sender_id=sender_id
            )
            if conversation is None:  # the clash was something else: report it
                raise
    if language and conversation.language != language:
        conversation.language = language
    if conversation.last_activity_at < now:
        conversation.last_activity_at = now
    session.flush()
    return conversation


def record_consent(
    *,
    session: Session,
    conversation: Conversation,
    given: bool,
    wording_version: str | None = None,
    source: str = "patient",
    at: datetime | None = None,
) -> ConsentRecord:
    """Record that the patient gave (``given=True``) or withdrew consent.

    Every change is kept in ``consent_records`` as proof of what was agreed and
    when, and written to the audit log.

    Args:
        session: the caller's session.
        conversation: the patient's conversation.
        given: True to give consent, False to withdraw it.
        wording_version: the version of the consent text the patient answered.
        source: ``patient`` (in the chat) or ``staff:<id>``.
        at: when (now by default).

    Returns:
        The new consent record.

    """
    now = at or utcnow()
    conversation.consent_status = "given" if given else "withdrawn"
    if given:
        conversation.consent_given_at = now
        conversation.consent_withdrawn_at = None
    else:
        conversation.consent_withdrawn_at = now
        # Withdrawing stops all storing, contact details for a call back too.
        conversation.contact_consent_at = None
    record = ConsentRecord(
        conversation_id=conversation.id,
        given=given,
        wording_version=wording_version,
        source=source,
        recorded_at=now,
    )
    session.add(record)
    session.flush()
    record_audit(
        session=session,
        actor=source,
        action="consent_given" if given else "consent_withdrawn",
        conversation_id=conversation.id,
        at=now,
    )
    return record


def require_consent(conversation: Conversation) -> None:
    """Raise :class:`ConsentRequired` unless the patient's consent is current."""
    if not conversation.has_consent:
        raise ConsentRequired(
            f"conversation {conversation.id} has consent status "
            f"{conversation.consent_status!r}: ask for consent before storing "
            "health or contact data"
        )


def require_contact_consent(conversation: Conversation) -> None:
    """Raise :class:`ConsentRequired` unless contact details may be stored.

    Either consent covers them: the screening's (health data) or the one the
    patient gives when leaving a number or an e-mail for a call back.
    """
    if conversation.contact_consent_at is None and not conversation.has_consent:
        raise ConsentRequired(
            f"conversation {conversation.id} has consent status "
            f"{conversation.consent_status!r}: ask for consent before storing "
            "health or contact data"
        )


def set_contact_details(
    *,
    session: Session,
    conversation: Conversation,
    details: Mapping[str, Any],
) -> Conversation:
    """Store the contact details the patient chose to give (encrypted).

    Args:
        session: the caller's session.
        conversation: the patient's conversation (consent required).
        details: some of ``name``, ``phone``, ``email``, ``preferred_time``,
            ``country``; empty values are dropped; ``{}`` clears them. The
            channel's reply address (:data:`CHANNEL_ADDRESS_FIELDS`) is not
            the patient's to change here: it is kept as it is.

    Returns:
        The conversation.

    Raises:
        ConsentRequired: without current consent.
        ValueError: for a field the product does not collect.

    """
    require_contact_consent(conversation)
    given = {k: v for k, v in details.items() if k not in CHANNEL_ADDRESS_FIELDS}
    unknown = set(given) - CONTACT_FIELDS
    if unknown:
        raise ValueError(f"unknown contact fields: {', '.join(sorted(unknown))}")
    cleaned = {key: str(value).strip() for key, value in given.items() if value}
    current = conversation.contact_details or {}
    cleaned.update({k: v for k, v in current.items() if k in CHANNEL_ADDRESS_FIELDS})
    conversation.contact_details = cleaned or None
    session.flush()
    return conversation


def set_channel_address(
    *, session: Session, conversation: Conversation, field: str, address: str
) -> Conversation:
    """Keep the address the channel replies to (encrypted with the contact details).

    Args:
        session: the caller's session.
        conversation: the patient's conversation.
        field: one of :data:`CHANNEL_ADDRESS_FIELDS` (``whatsapp``).
        address: e.g. the WhatsApp number the patient wrote from.

    Raises:
        ValueError: for an unknown field or an empty address.
    """
    if field not in CHANNEL_ADDRESS_FIELDS or not address:
        raise ValueError("unknown channel address field or empty address")
    current = dict(conversation.contact_details or {})
    if current.get(field) != address:
        current[field] = address
        conversation.contact_details = current
        session.flush()
    return conversation


def channel_address(conversation: Conversation, field: str) -> str | None:
    """The address the channel replies to, or None."""
    value = (conversation.contact_details or {}).get(field)
    return str(value) if value else None


def save_contact_with_consent(
    *,
    session: Session,
    conversation: Conversation,
    details: Mapping[str, Any],
    wording_version: str,
    at: datetime | None = None,
) -> Conversation:
    """Record the patient's consent to a call back and keep their details.

    The consent covers the contact details only (it does not allow storing
    health data); it is kept in ``consent_records`` with the wording the
    patient answered, and ``contact_consent_at`` says it is current. The new
    details are merged into any given before.

    Args:
        session: the caller's session.
        conversation: the patient's conversation.
        details: ``phone`` and/or ``email`` (and optionally ``name`` …).
        wording_version: the version of the question the patient agreed to.
        at: when (now by default).

    Raises:
        ConsentRequired: the patient has withdrawn consent since (they must
            agree again, which this call records, so this cannot happen here;
            kept for symmetry with :func:`set_contact_details`).
        ValueError: for a field the product does not collect.

    """
    now = at or utcnow()
    session.add(
        ConsentRecord(
            conversation_id=conversation.id,
            given=True,
            wording_version=wording_version,
            source="patient",
            recorded_at=now,
        )
    )
    conversation.contact_consent_at = now
    merged = {**(conversation.contact_details or {}), **dict(details)}
    set_contact_details(session=session, conversation=conversation, details=merged)
    record_audit(
        session=session,
        actor="patient",
        action="contact_consent_given",
        conversation_id=conversation.id,
        detail=",".join(sorted(k for k, v in details.items() if v)),
        at=now,
    )
    return conversation


def set_handoff_state(
    *,
    session: Session,
    conversation: Conversation,
    state: str | None,
    at: datetime | None = None,
) -> Conversation:
    """Record who has the conversation: None (the bot), ``waiting`` or ``active``."""
    if state is not None and state not in HANDOFF_STATES:
        raise ValueError(f"handoff state must be None or one of {HANDOFF_STATES}")
    if conversation.handoff_state != state:
        conversation.handoff_state = state
        conversation.handoff_changed_at = at or utcnow()
        session.flush()
    return conversation


def record_inbound(
    *, session: Session, conversation: Conversation, at: datetime | None = None
) -> Conversation:
    """Note that the patient just wrote (WhatsApp's 24-hour reply window)."""
    now = at or utcnow()
    if conversation.last_inbound_at is None or conversation.last_inbound_at < now:
        conversation.last_inbound_at = now
    if conversation.last_activity_at < now:
        conversation.last_activity_at = now
    session.flush()
    return conversation
