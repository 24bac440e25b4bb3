"""Custom actions: thin adapters that read the tracker, call ``bot.*``, return events.

The action server imports every module of this package and builds each action
with no arguments, so nothing here may do work at import time.
"""

from rasa_sdk import Tracker


def channel_of(tracker: Tracker) -> str:
    """The conversation's input channel, as the store and tickets record it."""
    return tracker.get_latest_input_channel() or "unknown"
