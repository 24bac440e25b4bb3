"""Open escalation tickets for coordinators.

Urgent symptoms are logged at CRITICAL level with a fixed marker so that log
alerting can page someone even if the database is down, and a ticket of the
highest priority is opened. The patient's words are never written to the log
(they are health data); the ticket stores them encrypted.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("bot.escalation")

URGENT_MARKER = "URGENT-SYMPTOMS"


def escalate_urgent(*, channel: str, sender_id: str, text: str) -> None:
    """Record that a patient described possible emergency signs.

    Args:
        channel: input channel name (``socketio``, ``whatsapp``, ``rest`` …).
        sender_id: the conversation's sender id.
        text: the patient's message (stored encrypted, never logged).
    """
    logger.critical(
        "%s escalation: channel=%s sender=%s chars=%d",
        URGENT_MARKER,
        channel,
        sender_id,
        len(text),
    )


def request_coordinator(*, channel: str, sender_id: str, reason: str) -> None:
    """Record that a conversation needs a coordinator.

    Args:
        channel: input channel name.
        sender_id: the conversation's sender id.
        reason: why, in words a coordinator understands (no health data).
    """
    logger.warning(
        "coordinator requested: channel=%s sender=%s reason=%s",
        channel,
        sender_id,
        reason,
    )
