"""What the console's pages show, read from the data layer (synchronous).

Each function takes the caller's session (the console runs them off the event
loop, one transaction each, with :func:`bot.console.auth.in_db`) and returns
plain dicts for the templates and the live streams. Views of patient data
write their audit entry here, in the same transaction as the read, so a view
that happened is always recorded.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.channels.whatsapp.window import window_state
from bot.console.auth import display_name
from bot.handoff import packet as packets
from bot.handoff import transcript
from bot.handoff.packet import field_label
from bot.handoff.reasons import label
from bot.store.attachments import list_attachments
from bot.store.audit import record_audit, staff_actor
from bot.store.conversations import CHANNEL_ADDRESS_FIELDS
from bot.store.models import Conversation, Staff, Ticket, TicketNote
from bot.store.rasa_events import read_events
from bot.store.screenings import latest_screening
from bot.store.tickets import OPEN_STATES, get_ticket, list_tickets
from bot.store.types import utcnow

CHANNEL_LABELS = {
    "socketio": "Website chat",
    "rest": "REST",
    "whatsapp": "WhatsApp",
    "twilio": "WhatsApp (Twilio)",
}
OUTCOME_LABELS = {
    "likely_suitable": "Likely suitable",
    "needs_review": "Needs specialist review",
    "unlikely_suitable": "Unlikely suitable",
    "incomplete": "Incomplete",
}


def iso(moment: Optional[datetime]) -> Optional[str]:
    """ISO 8601 (UTC, seconds) for templates and JSON."""
    return moment.isoformat(timespec="seconds") if moment else None


def given_contact(conversation: Conversation) -> Dict[str, Any]:
    """The contact details the patient gave (not the number a channel replies to)."""
    return {
        key: value
        for key, value in (conversation.contact_details or {}).items()
        if key not in CHANNEL_ADDRESS_FIELDS
    }


def channel_label(channel: str) -> str:
    """The console's words for a channel name."""
    return CHANNEL_LABELS.get(channel, channel)


def staff_names(session: Session, ids: List[int]) -> Dict[int, str]:
    """Display names of these staff ids."""
    if not ids:
        return {}
    rows = session.execute(
        select(Staff.id, Staff.email, Staff.display_name).where(Staff.id.in_(ids))
    ).all()
    return {row.id: display_name(row.email, row.display_name) for row in rows}


def queue_row(ticket: Ticket, names: Dict[int, str]) -> Dict[str, Any]:
    """One queue row: no patient text, no health value (see bot/console/README.md)."""
    conversation = ticket.conversation
    return {
        "id": ticket.id,
        "reason": ticket.reason,
        "reason_label": label(ticket.reason),
        "priority": ticket.priority,
        "status": ticket.status,
        "assignee_id": ticket.assignee_id,
        "assignee": names.get(ticket.assignee_id) if ticket.assignee_id else None,
        "channel": conversation.channel,
        "channel_label": channel_label(conversation.channel),
        "language": conversation.language or "en",
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "last_patient_message_at": iso(ticket.last_patient_message_at),
        "callback": bool(given_contact(conversation)),
    }


def queue(session: Session) -> List[Dict[str, Any]]:
    """Every open ticket, most urgent first, then longest waiting."""
    tickets = list_tickets(session=session, statuses=OPEN_STATES, limit=500)
    names = staff_names(
        session, sorted({t.assignee_id for t in tickets if t.assignee_id})
    )
    return [queue_row(t, names) for t in tickets]


def queue_page(session: Session, staff_id: int) -> List[Dict[str, Any]]:
    """The queue, recording the view in the audit log."""
    rows = queue(session)
    record_audit(
        session=session,
        actor=staff_actor(staff_id),
        staff_id=staff_id,
        action="view_queue",
        detail=f"tickets={len(rows)}",
    )
    return rows


def _screening(
    session: Session, conversation: Conversation
) -> Optional[Dict[str, Any]]:
    screening = latest_screening(session=session, conversation=conversation)
    if screening is None:
        return None
    values = []
    for field, fact in (screening.facts or {}).items():
        values.append(
            {
                "field": field,
                "label": field_label(field),
                "value": fact.get("value"),
                "typed": fact.get("text"),
                "unit": fact.get("unit"),
            }
        )
    return {
        "outcome": screening.outcome,
        "outcome_label": OUTCOME_LABELS.get(screening.outcome, screening.outcome),
        "reasons": list(screening.reasons or []),
        "flags": list(screening.flags or []),
        "rules_version": screening.rules_version,
        "at": iso(screening.created_at),
        "values": values,
    }


def _packet_values(stored: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [
        {
            "field": field,
            "label": field_label(field),
            "value": entry.get("value"),
            "typed": entry.get("text"),
            "unit": entry.get("unit"),
        }
        for field, entry in (stored.get("values") or {}).items()
    ]


def _window(conversation: Conversation, now: datetime) -> Optional[Dict[str, Any]]:
    # The same rule the WhatsApp channels send by (bot/channels/whatsapp/window.py).
    if conversation.channel not in ("whatsapp", "twilio"):
        return None
    state = window_state(conversation.last_inbound_at, now)
    return {"closes_at": iso(state.closes_at), "open": state.open}


def ticket_page(session: Session, ticket_id: int, staff_id: int) -> Dict[str, Any]:
    """Everything the ticket page shows; records ``view_ticket`` in the audit log.

    Raises:
        bot.store.errors.NotFound: no such ticket.
    """
    ticket = get_ticket(session=session, ticket_id=ticket_id)
    conversation = ticket.conversation
    stored = packets.load(ticket.summary)
    people = {n.author_id for n in ticket.notes} | {ticket.assignee_id}
    names = staff_names(session, sorted(i for i in people if i is not None))
    rows = read_events(session, [conversation.sender_id])
    items = transcript.items(_pairs(rows))
    attachments = [
        {
            "id": a.id,
            "filename": a.filename or f"attachment-{a.id}",
            "content_type": a.content_type,
            "size": a.size_bytes,
            "at": iso(a.created_at),
        }
        for a in list_attachments(session=session, conversation=conversation)
    ]
    contact = given_contact(conversation)
    now = utcnow()
    view = {
        "ticket": {
            **queue_row(ticket, names),
            "resolution": ticket.resolution,
            "assigned_at": iso(ticket.assigned_at),
            "resolved_at": iso(ticket.resolved_at),
        },
        "conversation": {
            "id": conversation.id,
            "channel": conversation.channel,
            "channel_label": channel_label(conversation.channel),
            "language": conversation.language or "en",
            "consent_status": conversation.consent_status,
            "consent_given_at": iso(conversation.consent_given_at),
            "consent_withdrawn_at": iso(conversation.consent_withdrawn_at),
            "handoff_state": conversation.handoff_state,
            "created_at": iso(conversation.created_at),
            "last_inbound_at": iso(conversation.last_inbound_at),
        },
        "packet": {
            "reasons": [
                {**r, "label": label(r.get("code", ""))}
                for r in stored.get("reasons", [])
            ],
            "note": stored.get("note"),
            "last_messages": stored.get("last_messages") or [],
            "red_flags": stored.get("red_flags") or [],
            "values": _packet_values(stored),
            "screening_outcome": stored.get("screening_outcome"),
            "callback_requested": bool(stored.get("callback_requested")),
        },
        "screening": _screening(session, conversation),
        "attachments": attachments,
        "contact": {
            "details": contact,
            "consent_at": iso(conversation.contact_consent_at),
        },
        "whatsapp_window": _window(conversation, now),
        "notes": [
            {
                "id": note.id,
                "author": names.get(note.author_id, "system"),
                "body": note.body,
                "at": iso(note.created_at),
            }
            for note in ticket.notes
        ],
        "transcript": items,
        "after": rows[-1][0] if rows else 0,
    }
    record_audit(
        session=session,
        actor=staff_actor(staff_id),
        staff_id=staff_id,
        action="view_ticket",
        conversation_id=conversation.id,
        detail=f"ticket={ticket.id} events={len(rows)} attachments={len(attachments)}",
    )
    return view


def _pairs(rows: List[Any]) -> List[Any]:
    return [(row_id, event) for row_id, _sender, event in rows]


def notes_after(
    session: Session, ticket_id: int, after_id: int
) -> List[Dict[str, Any]]:
    """Notes of a ticket newer than ``after_id``."""
    notes = list(
        session.scalars(
            select(TicketNote)
            .where(TicketNote.ticket_id == ticket_id, TicketNote.id > after_id)
            .order_by(TicketNote.id)
        )
    )
    names = staff_names(session, sorted({n.author_id for n in notes if n.author_id}))
    return [
        {
            "id": n.id,
            "author": names.get(n.author_id, "system"),
            "body": n.body,
            "at": iso(n.created_at),
        }
        for n in notes
    ]
