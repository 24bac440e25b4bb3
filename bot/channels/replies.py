"""Responses a channel sends by itself, by name, without running the dialogue.

A channel answers a few things before (or instead of) handing a message to
Rasa's dialogue: a message that was cut at the length cap (the patient is told
first, then answered), and a message refused by the rate limit ("please wait
a moment"). Their wording lives with every other response, in
``data/responses/channels.yml``; the channel renders them with the agent's
response generator (the same as ``dispatcher.utter_message(response=...)``)::

    await send_named(agent, output, sender, TRUNCATED)

These messages are not in the tracker: the tracker records what the patient
sent (with the guard's notes in its metadata), and the dialogue did not run.
"""

from __future__ import annotations

import logging
from typing import Any, List, Optional

from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.trackers import DialogueStateTracker

from bot.channels.guard import GuardedText

logger = logging.getLogger(__name__)

#: Sent instead of processing a message refused by the rate limit.
RATE_LIMITED = "utter_rate_limited"
#: Sent before the answer to a message cut at the length cap.
TRUNCATED = "utter_message_truncated"


def notices_for(guarded: GuardedText) -> List[str]:
    """Responses to send before the answer to this message (by name)."""
    return [TRUNCATED] if guarded.truncated else []


async def render(agent: Any, name: str, sender_id: str, channel: str) -> Optional[dict]:
    """The message of response ``name`` for ``channel``, or None if missing.

    Args:
        agent: Rasa's loaded agent (``app.ctx.agent``).
        name: the response name, e.g. :data:`RATE_LIMITED`.
        sender_id: the recipient (for the empty tracker the generator needs).
        channel: the output channel's name (channel-specific variations).
    """
    tracker = DialogueStateTracker(sender_id, slots=[])
    message = await agent.nlg.generate(name, tracker, channel)
    if not message:
        logger.error("Response %s is missing from the domain", name)
    return message


async def send_named(
    agent: Any, output: OutputChannel, sender_id: str, name: str
) -> bool:
    """Send response ``name`` to ``sender_id`` through ``output``.

    Returns:
        True when a message was sent.
    """
    message = await render(agent, name, sender_id, output.name())
    if not message:
        return False
    await output.send_response(sender_id, message)
    return True
