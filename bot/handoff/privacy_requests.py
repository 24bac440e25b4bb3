"""Privacy requests made in the chat: withdrawing consent, asking for erasure.

Withdrawing consent takes effect at once (no new health data is stored). An
erasure request opens a ticket for staff, who run ``python -m bot.store erase``:
deleting a conversation's events while Rasa is still in the middle of that
same conversation's turn would only have Rasa write them back.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def withdraw_consent(*, channel: str, sender_id: str) -> bool:
    """Record that the patient withdrew consent to store health data.

    Returns:
        True when recorded; False when the database could not be reached
        (logged as an error so that staff can follow up).
    """
    from bot.store.conversations import get_or_create_conversation, record_consent
    from bot.store.db import session_scope

    try:
        with session_scope() as session:
            conversation = get_or_create_conversation(
                session=session, channel=channel, sender_id=sender_id
            )
            record_consent(session=session, conversation=conversation, given=False)
        return True
    except Exception:  # noqa: BLE001 - reported, never silently dropped
        logger.error(
            "consent withdrawal NOT stored: channel=%s sender=%s",
            channel,
            sender_id,
            exc_info=True,
        )
        return False
