"""Pure helpers over a conversation's events (the dicts rasa_sdk trackers hold)."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

_IGNORED_ACTIONS = frozenset({"action_listen", "action_session_start"})


def last_bot_action(events: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """The last action the bot ran before the latest user message.

    Args:
        events: the tracker's events, oldest first.

    Returns:
        The action name, or ``None`` when the bot had not acted since the
        previous user message (or ever).
    """
    seen_user = False
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif kind == "action" and seen_user:
            name = event.get("name")
            if name not in _IGNORED_ACTIONS:
                return name
    return None
