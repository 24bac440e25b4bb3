"""Custom actions: thin adapters that read the tracker, call ``bot.*``, return events.

The action server imports every module of this package and builds each action
with no arguments, so nothing here may do work at import time.
"""

from rasa_sdk import Tracker

from bot.channels.identity import channel_of_sender


def channel_of(tracker: Tracker) -> str:
    """The conversation's channel, as the store and tickets record it.

    Taken from the sender id's prefix (``web:…`` is the widget), which only the
    receiving channel can produce, so one conversation is always stored under
    one channel, whatever a message's ``input_channel`` says. Sender ids from
    before namespacing fall back to the latest input channel.
    """
    return (
        channel_of_sender(tracker.sender_id)
        or tracker.get_latest_input_channel()
        or "unknown"
    )
