"""Open (or add to) the conversation's escalation ticket, with its packet.

Every trigger goes through :func:`escalate`: the patient asking for a person,
a call back, a record review, an appointment or a cost estimate; sending a
report; accepting the offer of a coordinator after two failed understandings
or after a screening that ends in ``needs_review``/``unlikely_suitable``; a
request to delete their data; and urgent symptoms
(:func:`escalate_urgent`). A conversation has at most one open ticket: a
repeated escalation raises its priority if the new reason is more urgent and
adds its packet (:mod:`bot.handoff.packet`) to the ticket's.

Urgent symptoms are logged at CRITICAL level with a fixed marker first, so
that log alerting can page someone even when the database is down; then a
ticket of the highest priority is opened (the console's alerter then calls
the team's webhook). The patient's words are never written to the log; the
ticket stores them encrypted.

Nothing here raises: a ticket that cannot be written is logged (CRITICAL for
an emergency) and the functions return ``None``, because the patient must
still get their answer (the emergency advice is sent first by the action).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from bot.handoff import packet
from bot.handoff.contact import Contact
from bot.handoff.reasons import (
    CALLBACK_REQUEST,
    PATIENT_REQUEST,
    URGENT_SYMPTOMS,
    reason,
)
from bot.store.conversations import (
    record_inbound,
    save_contact_with_consent,
    set_handoff_state,
)
from bot.store.edge import write_for_conversation
from bot.store.tickets import get_open_ticket, open_ticket, resolve_ticket
from bot.store.types import utcnow

logger = logging.getLogger("bot.escalation")

URGENT_MARKER = "URGENT-SYMPTOMS"
PRIORITY_URGENT = "urgent"
PRIORITY_NORMAL = "normal"

#: ``handoff`` slot values (and ``conversations.handoff_state``).
WAITING = "waiting"
ACTIVE = "active"


@dataclass(frozen=True)
class Escalated:
    """What an escalation did.

    Attributes:
        ticket_id: the conversation's open ticket.
        created: True for a new ticket, False when it was added to.
        priority: the ticket's priority now.
        assigned: a coordinator already holds it.
        callback_offered: the patient was already offered a call back on
            this ticket (so the bot need not offer it again).
    """

    ticket_id: int
    created: bool
    priority: str
    assigned: bool
    callback_offered: bool

    @property
    def handoff_state(self) -> str:
        """``active`` when a coordinator holds the ticket, else ``waiting``."""
        return ACTIVE if self.assigned else WAITING


def escalate(
    *,
    channel: str,
    sender_id: str,
    reason_code: str,
    events: Sequence[Mapping[str, Any]] = (),
    slots: Optional[Mapping[str, Any]] = None,
    language: Optional[str] = None,
    attachment_ids: Sequence[int] = (),
    callback_requested: bool = False,
    callback_offered: bool = False,
    note: Optional[str] = None,
    level: int = logging.ERROR,
) -> Optional[Escalated]:
    """Open the conversation's ticket, or add this escalation to the open one.

    Args:
        channel: input channel name (``socketio``, ``whatsapp``, ``rest`` …).
        sender_id: the conversation's (namespaced) sender id.
        reason_code: why (:mod:`bot.handoff.reasons`).
        events: the tracker's events (dicts), for the patient's last messages
            and red flags.
        slots: the tracker's slots, for the values collected.
        language: the conversation's language, if known.
        attachment_ids: files that came with the patient's message.
        callback_requested: the patient asked for a call back.
        callback_offered: the bot is offering a call back in this very turn
            (outside opening hours), so the unclaimed-wait offer is not sent
            again later.
        note: a summary for the coordinator from the escalating code (stored
            encrypted in the packet, shown first).
        level: how loudly a failure to store is logged.

    Returns:
        What was done, or None when the ticket could not be stored (logged).
    """
    why = reason(reason_code)
    return write_for_conversation(
        lambda session, conversation: _escalate_in(
            session,
            conversation,
            reason_code=why.code,
            channel=channel,
            events=events,
            slots=slots,
            language=language,
            attachment_ids=attachment_ids,
            callback_requested=callback_requested,
            callback_offered=callback_offered,
            note=note,
        ),
        channel=channel,
        sender_id=sender_id,
        what=f"escalation reason={why.code}",
        level=level,
    ).value


def _escalate_in(
    session: Any,
    conversation: Any,
    *,
    reason_code: str,
    channel: str,
    events: Sequence[Mapping[str, Any]],
    slots: Optional[Mapping[str, Any]],
    language: Optional[str] = None,
    attachment_ids: Sequence[int] = (),
    callback_requested: bool = False,
    callback_offered: bool = False,
    note: Optional[str] = None,
) -> Escalated:
    """The work of :func:`escalate`, in the caller's transaction."""
    now = utcnow()
    why = reason(reason_code)
    new_packet = packet.build(
        reason_code=why.code,
        channel=channel,
        events=events,
        slots=slots or {},
        at=now,
        language=language or conversation.language,
        attachment_ids=attachment_ids,
        callback_requested=callback_requested,
        note=note,
    )
    existing = get_open_ticket(session=session, conversation=conversation)
    ticket = open_ticket(
        session=session,
        conversation=conversation,
        reason=why.code,
        priority=why.priority,
        at=now,
    )
    # A ticket another process opened a moment ago already has a packet: add to it.
    previous = packet.load(ticket.summary) if ticket.summary else {}
    ticket.summary = packet.dump(
        packet.merge(previous, new_packet) if previous else new_packet
    )
    if callback_offered and ticket.callback_offered_at is None:
        ticket.callback_offered_at = now
    ticket.last_patient_message_at = now
    assigned = ticket.status == "assigned"
    set_handoff_state(
        session=session,
        conversation=conversation,
        state=ACTIVE if assigned else WAITING,
        at=now,
    )
    record_inbound(session=session, conversation=conversation, at=now)
    session.flush()
    return Escalated(
        ticket_id=ticket.id,
        created=existing is None,
        priority=ticket.priority,
        assigned=assigned,
        callback_offered=ticket.callback_offered_at is not None,
    )


def escalate_urgent(
    *,
    channel: str,
    sender_id: str,
    text: str,
    events: Sequence[Mapping[str, Any]] = (),
    slots: Optional[Mapping[str, Any]] = None,
) -> Optional[int]:
    """Record that a patient described possible emergency signs.

    Args:
        channel: input channel name.
        sender_id: the conversation's sender id.
        text: the patient's message (stored encrypted in the ticket, never logged).
        events: the tracker's events, when the caller has them.
        slots: the tracker's slots.

    Returns:
        The ticket id, or ``None`` when the ticket could not be stored.
    """
    logger.critical(
        "%s escalation: channel=%s sender=%s chars=%d",
        URGENT_MARKER,
        channel,
        sender_id,
        len(text),
    )
    if not events and text:
        # Without the tracker (a caller that only has the message), the message
        # itself is the red flag.
        events = [
            {
                "event": "user",
                "text": text,
                "timestamp": utcnow().timestamp(),
                "parse_data": {"intent": {"name": URGENT_SYMPTOMS}},
            }
        ]
    escalated = escalate(
        channel=channel,
        sender_id=sender_id,
        reason_code=URGENT_SYMPTOMS,
        events=events,
        slots=slots,
        level=logging.CRITICAL,
    )
    if escalated is None:
        logger.critical(
            "%s ticket NOT stored: contact the patient (channel=%s sender=%s)",
            URGENT_MARKER,
            channel,
            sender_id,
        )
        return None
    return escalated.ticket_id


def request_coordinator(
    *,
    channel: str,
    sender_id: str,
    reason: str,
    summary: str = "",
    events: Sequence[Mapping[str, Any]] = (),
    slots: Optional[Mapping[str, Any]] = None,
) -> Optional[int]:
    """Record that a conversation needs a coordinator (see :func:`escalate`).

    Args:
        channel: input channel name.
        sender_id: the conversation's sender id.
        reason: a reason code (``erasure_request`` …).
        summary: what the coordinator should read first (kept in the
            packet's ``note``), e.g. the screening's summary.
        events: the tracker's events.
        slots: the tracker's slots.

    Returns:
        The ticket id, or ``None`` when it could not be stored (logged).
    """
    escalated = escalate(
        channel=channel,
        sender_id=sender_id,
        reason_code=reason or PATIENT_REQUEST,
        events=events,
        slots=slots,
        note=summary or None,
    )
    return escalated.ticket_id if escalated else None


def cancel_by_patient(*, channel: str, sender_id: str) -> Optional[bool]:
    """The patient no longer wants a coordinator: close their open ticket.

    Returns:
        True when a ticket was closed, False when none was open, None when
        the database failed (logged).
    """

    def work(session: Any, conversation: Any) -> bool:
        ticket = get_open_ticket(session=session, conversation=conversation)
        set_handoff_state(session=session, conversation=conversation, state=None)
        if ticket is None:
            return False
        resolve_ticket(session=session, ticket=ticket, resolution="cancelled")
        return True

    return write_for_conversation(
        work, channel=channel, sender_id=sender_id, what="handoff cancellation"
    ).value


def note_patient_message(*, channel: str, sender_id: str) -> bool:
    """A patient wrote while a coordinator has the conversation: mark the ticket.

    The message itself is in the conversation (the console reads it from
    there); this marks the queue row and the WhatsApp reply window.
    """

    def work(session: Any, conversation: Any) -> None:
        now = utcnow()
        record_inbound(session=session, conversation=conversation, at=now)
        ticket = get_open_ticket(session=session, conversation=conversation)
        if ticket is not None:
            ticket.last_patient_message_at = now
            ticket.updated_at = now

    return write_for_conversation(
        work, channel=channel, sender_id=sender_id, what="handoff message mark"
    ).ok


#: Version of the call-back consent question (``utter_handoff_confirm_contact``);
#: change it with the wording, so consent records say what was agreed.
CALLBACK_CONSENT_WORDING = "callback-contact-1"


def store_callback_contact(
    *,
    channel: str,
    sender_id: str,
    contact: Contact,
    events: Sequence[Mapping[str, Any]] = (),
    slots: Optional[Mapping[str, Any]] = None,
) -> Optional[Escalated]:
    """Keep the number or e-mail the patient agreed to leave, and ask for a call back.

    One transaction: the consent record (wording ``callback-contact-1``), the
    encrypted contact details, and the ticket (opened, or marked "call back
    requested" if one is open).

    Returns:
        The ticket, or None when the database failed (logged).
    """

    def work(session: Any, conversation: Any) -> Escalated:
        save_contact_with_consent(
            session=session,
            conversation=conversation,
            details=contact.as_details(),
            wording_version=CALLBACK_CONSENT_WORDING,
        )
        return _escalate_in(
            session,
            conversation,
            reason_code=CALLBACK_REQUEST,
            channel=channel,
            events=events,
            slots=slots,
            callback_requested=True,
            callback_offered=True,
        )

    return write_for_conversation(
        work, channel=channel, sender_id=sender_id, what="call-back contact"
    ).value


def handoff_state_of(*, channel: str, sender_id: str) -> Optional[str]:
    """Who has the conversation according to the database (None: the bot).

    Read at the start of a new Rasa session (slots are not carried over), so
    that a patient coming back the next day to an open request is still
    relayed to the coordinator who has it. Never raises (None on a failure).
    """
    from bot.store.conversations import get_conversation
    from bot.store.db import session_scope

    try:
        with session_scope() as session:
            conversation = get_conversation(
                session=session, channel=channel, sender_id=sender_id
            )
            return conversation.handoff_state if conversation else None
    except Exception:  # noqa: BLE001 - the greeting must go out anyway
        logger.exception("handoff state unreadable for sender=%s", sender_id)
        return None
