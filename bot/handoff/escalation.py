"""Open escalation tickets for coordinators.

Urgent symptoms are logged at CRITICAL level with a fixed marker first, so
that log alerting can page someone even when the database is down; then a
ticket of the highest priority is opened. The patient's words are never
written to the log (they are health data); the ticket stores them encrypted.

A ticket that cannot be written is reported (logged, at CRITICAL with the same
marker for an emergency) and the function returns ``None`` rather than
raising: the patient must still get the emergency advice, which the action
sends first.
"""

from __future__ import annotations

import logging
from typing import Optional

from bot.store.edge import write_for_conversation
from bot.store.tickets import open_ticket

logger = logging.getLogger("bot.escalation")

URGENT_MARKER = "URGENT-SYMPTOMS"
PRIORITY_URGENT = "urgent"
PRIORITY_NORMAL = "normal"


def _open_ticket(
    *,
    channel: str,
    sender_id: str,
    reason: str,
    priority: str,
    summary: str,
    what: str,
    level: int,
) -> Optional[int]:
    written = write_for_conversation(
        lambda session, conversation: open_ticket(
            session=session,
            conversation=conversation,
            reason=reason,
            priority=priority,
            summary=summary,
        ).id,
        channel=channel,
        sender_id=sender_id,
        what=what,
        level=level,
    )
    return written.value


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
    return _open_ticket(
        channel=channel,
        sender_id=sender_id,
        reason="urgent_symptoms",
        priority=PRIORITY_URGENT,
        summary=f"Possible emergency signs described: {text}",
        what=f"{URGENT_MARKER} ticket (contact the patient)",
        level=logging.CRITICAL,
    )


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
    return _open_ticket(
        channel=channel,
        sender_id=sender_id,
        reason=reason,
        priority=PRIORITY_NORMAL,
        summary=summary or reason,
        what=f"coordinator request reason={reason}",
        level=logging.ERROR,
    )
