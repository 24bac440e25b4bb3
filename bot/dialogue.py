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


def first_message_of_session(events: Iterable[Mapping[str, Any]]) -> bool:
    """Whether the latest user message is the first one of the session.

    The session's first bot message is the greeting (``action_session_start``
    sends it just before the first message is handled), so a "hi" then must
    not be greeted a second time.

    Args:
        events: the tracker's events, oldest first.

    Returns:
        True when exactly one user message follows the latest session start
        (or, for a tracker without one, when there is only one user message).
    """
    users = 0
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            users += 1
        elif kind == "session_started":
            break
    return users == 1
