"""The messages the website widget receives, and how they are built.

One function turns whatever Rasa hands an output channel (a
``BotUttered.message()`` dict: text, buttons, custom JSON, metadata flattened
in) into the one shape the widget renders, so that a live message and the same
message replayed from the tracker after a reconnect are identical, id included.

Shapes (socket.io event ``bot_uttered`` unless noted; every key but ``id`` and
``ts`` is optional)::

    {"id": "b-3f…", "ts": 1732400000.123,          # id: stable, for de-duplication
     "text": "Cryoablation destroys … **ice-ball** …",
     "quick_replies": [{"content_type": "text",
                        "title": "Talk to a coordinator",
                        "payload": "/request_human"}],
     "metadata": {"from": "coordinator", "name": "Anna"},   # a staff member wrote it
     "custom": {"type": "coordinator_joined", "name": "Anna"}}  # or coordinator_left

    user_echo: {"id": "<client message id>", "ts": …, "text": "what the patient saw"}

``text`` is shown as text with a small safe subset of Markdown (bold, lists,
links); nothing in any field is ever inserted as HTML.

Pure functions only: no Rasa import, no I/O.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional

#: ``metadata.from`` of a message written by a coordinator.
FROM_COORDINATOR = "coordinator"
#: ``custom.type`` of the notices the handoff sends.
COORDINATOR_JOINED = "coordinator_joined"
COORDINATOR_LEFT = "coordinator_left"
NOTICE_TYPES = frozenset({COORDINATOR_JOINED, COORDINATOR_LEFT})

MAX_NAME_CHARS = 80
#: Longest "display" text kept for a patient message (the button title, or
#: the text itself).
MAX_DISPLAY_CHARS = 1000
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SAFE_URL = re.compile(r"^(https?://|mailto:|tel:)", re.IGNORECASE)


def is_client_message_id(value: object) -> bool:
    """True for the ids the widget gives its messages (``[A-Za-z0-9_-]{1,64}``)."""
    return isinstance(value, str) and bool(_CLIENT_ID.match(value))


def _clean_name(value: object) -> str:
    return " ".join(str(value or "").split())[:MAX_NAME_CHARS]


def _quick_replies(message: Mapping[str, Any]) -> List[Dict[str, str]]:
    buttons = message.get("quick_replies") or message.get("buttons") or []
    replies = []
    for button in buttons if isinstance(buttons, list) else []:
        if not isinstance(button, Mapping) or not button.get("payload"):
            continue
        title = str(button.get("title") or button["payload"])
        replies.append(
            {
                "content_type": "text",
                "title": title,
                "payload": str(button["payload"]),
            }
        )
    return replies


def _sender_metadata(message: Mapping[str, Any]) -> Optional[Dict[str, str]]:
    # BotUttered.message() flattens the event's metadata into the message, so
    # "from"/"name" may sit at the top level or under "metadata".
    nested = message.get("metadata")
    meta: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
    sender = meta.get("from", message.get("from"))
    if sender != FROM_COORDINATOR:
        return None
    return {
        "from": FROM_COORDINATOR,
        "name": _clean_name(meta.get("name", message.get("name"))),
    }


def _attachment(message: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    image = message.get("image")
    if isinstance(image, str) and _SAFE_URL.match(image):
        return {"type": "image", "payload": {"src": image}}
    return None


def message_id(prefix: str, ts: float, body: Mapping[str, Any]) -> str:
    """A short id that is the same whenever the same event is rendered again."""
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(f"{ts!r}\n{canonical}".encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:20]}"


def bot_payload(message: Mapping[str, Any]) -> Optional[Dict[str, Any]]:
    """The widget's ``bot_uttered`` payload for one bot message.

    Args:
        message: a ``BotUttered.message()`` dict (``text``, ``buttons`` or
            ``quick_replies``, ``custom``, ``image``, ``timestamp`` and the
            event's metadata), or a hand-built dict of the same keys.

    Returns:
        The payload, or ``None`` when there is nothing the widget can show.
    """
    ts = message.get("timestamp")
    ts = float(ts) if isinstance(ts, (int, float)) else time.time()
    body: Dict[str, Any] = {}
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        body["text"] = text.strip()
    replies = _quick_replies(message)
    if replies:
        body["quick_replies"] = replies
    sender = _sender_metadata(message)
    if sender:
        body["metadata"] = sender
    custom = message.get("custom")
    if isinstance(custom, Mapping) and custom:
        body["custom"] = dict(custom)
    attachment = _attachment(message)
    if attachment:
        body["attachment"] = attachment
    if not body:
        return None
    return {"id": message_id("b", ts, body), "ts": ts, **body}


def coordinator_message(text: str, name: str) -> Dict[str, Any]:
    """A bot message written by a coordinator, as the handoff should send it.

    Send it as a BotUttered (``text`` plus this metadata) or emit
    ``bot_payload(coordinator_message(...))`` straight to the session's room.
    """
    return {
        "text": text,
        "metadata": {"from": FROM_COORDINATOR, "name": _clean_name(name)},
    }


def coordinator_notice(kind: str, name: str) -> Dict[str, Any]:
    """A "coordinator joined/left" notice (``custom`` message).

    Raises:
        ValueError: for a ``kind`` other than the two notice types.
    """
    if kind not in NOTICE_TYPES:
        raise ValueError(f"unknown notice type: {kind}")
    return {"custom": {"type": kind, "name": _clean_name(name)}}


def user_echo(client_id: str, text: str, ts: Optional[float] = None) -> Dict[str, Any]:
    """What the patient's other tabs receive when they send a message."""
    return {
        "id": client_id,
        "ts": time.time() if ts is None else ts,
        "text": text[:MAX_DISPLAY_CHARS],
    }


def _bot_message_from_event(event: Mapping[str, Any]) -> Dict[str, Any]:
    # Mirrors rasa.shared.core.events.BotUttered.message(), so that a replayed
    # message gets the id it had when it was first sent.
    message = dict(event.get("data") or {})
    message["text"] = event.get("text")
    message["timestamp"] = event.get("timestamp")
    message.update(event.get("metadata") or {})
    return message


def replay(
    events: Iterable[Mapping[str, Any]], since: float, limit: int = 100
) -> List[Dict[str, Any]]:
    """Messages of a conversation after ``since``, for a client that reconnects.

    Args:
        events: the tracker's events as dicts (``Event.as_dict()``), oldest first.
        since: the ``ts`` of the newest message the client already has (0 for all).
        limit: at most this many (the newest) are returned.

    Returns:
        ``{"type": "bot", **bot_payload}`` and ``{"type": "user", **user_echo}``
        items, oldest first. Patient messages are included only when they came
        from the widget (they carry the widget's message id).
    """
    items: List[Dict[str, Any]] = []
    for event in events:
        ts = event.get("timestamp")
        if not isinstance(ts, (int, float)) or ts <= since:
            continue
        if event.get("event") == "bot":
            payload = bot_payload(_bot_message_from_event(event))
            if payload:
                items.append({"type": "bot", **payload})
        elif event.get("event") == "user":
            widget = (event.get("metadata") or {}).get("widget") or {}
            if is_client_message_id(widget.get("id")):
                display = widget.get("display") or event.get("text") or ""
                items.append(
                    {"type": "user", **user_echo(widget["id"], str(display), ts)}
                )
    return items[-limit:]
