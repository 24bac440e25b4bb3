"""Open escalation tickets for coordinators.

Urgent symptoms are logged at CRITICAL level with a fixed marker first, so
that log alerting can page someone even when the database is down; then a
ticket of the highest priority is opened. The patient's words are never
written to the log (they are health data); the ticket stores them encrypted.

A ticket that cannot be written is reported (logged at CRITICAL with the same
marker, and the function returns ``None``) rather than raised: the patient
must still get the emergency advice, which the action sends first.
"""

from __future__ import annotations

import logging
from typing import Optional

logger = logging.getLogger("bot.escalation")

URGENT_MARKER = "URGENT-SYMPTOMS"
PRIORITY_URGENT = "urgent"
PRIORITY_NORMAL = "normal"


def _open_ticket(
    *, channel: str, sender_id: str, reason: str, priority: str, summary: str
) -> Optional[int]:
    from bot.store.conversations import get_or_create_conversation
    from bot.store.db import session_scope
    from bot.store.tickets import open_ticket

    with session_scope() as session:
        conversation = get_or_create_conversation(
            session=session, channel=channel, sender_id=sender_id
        )
        ticket = open_ticket(
            session=session,
            conversation=conversation,
            reason=reason,
            priority=priority,
            summary=summary,
        )
        session.flush()
        return ticket.id


def escalate_urgent(*, channel: str, sender_id: str, text: str) -> Optional[int]:
    """Record that a patient described possible emergency signs.

    Args:
        channel: input channel name (``socketio``, ``whatsapp``, ``rest`` …).
        sender_id: the conversation's sender id.
        text: the patient's message (stored encrypted in the ticket, never logged).

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
    try:
        return _open_ticket(
            channel=channel,
            sender_id=sender_id,
            reason="urgent_symptoms",
            priority=PRIORITY_URGENT,
            summary=f"Possible emergency signs described: {text}",
        )
    except Exception:  # noqa: BLE001 - any storage failure must be reported, not lost
        logger.critical(
            "%s ticket NOT stored for channel=%s sender=%s: contact the patient",
            URGENT_MARKER,
            channel,
            sender_id,
            exc_info=True,
        )
        return None


def request_coordinator(
    *, channel: str, sender_id: str, reason: str, summary: str = ""
) -> Optional[int]:
    """Record that a conversation needs a coordinator.

    Args:
        channel: input channel name.
        sender_id: the conversation's sender id.
        reason: a short code staff filter on (``patient_request`` …), no health data.
        summary: what the coordinator should know (stored encrypted).

    Returns:
        The ticket id, or ``None`` when it could not be stored (logged as an error).
    """
    try:
        return _open_ticket(
            channel=channel,
            sender_id=sender_id,
            reason=reason,
            priority=PRIORITY_NORMAL,
            summary=summary or reason,
        )
    except Exception:  # noqa: BLE001 - reported, never silently dropped
        logger.error(
            "coordinator request NOT stored: channel=%s sender=%s reason=%s",
            channel,
            sender_id,
            reason,
            exc_info=True,
        )
        return None
