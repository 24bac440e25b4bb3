"""Privacy requests made in the chat: withdrawing consent, asking for erasure.

Withdrawing consent takes effect at once (no new health data is stored). An
erasure request opens a ticket for staff (:mod:`bot.handoff.escalation`), who
carry it out: deleting a conversation's events while Rasa is still in the
middle of that same conversation's turn would only have Rasa write them back.
"""

from __future__ import annotations

from bot.store.conversations import record_consent
from bot.store.edge import write_for_conversation


def withdraw_consent(*, channel: str, sender_id: str) -> bool:
    """Record that the patient withdrew consent to store health data.

    Returns:
        True when recorded; False when the database could not be reached
        (logged as an error so that staff can follow up).
    """
    return write_for_conversation(
        lambda session, conversation: record_consent(
            session=session, conversation=conversation, given=False
        ),
        channel=channel,
        sender_id=sender_id,
        what="consent withdrawal",
    ).ok
