"""One bot message (what Rasa hands an output channel) as WhatsApp messages.

:func:`render_meta` gives Graph API message bodies, :func:`render_twilio`
Twilio Messages parameters; both return a list because one bot message may
become several WhatsApp messages (long text is split; text longer than an
interactive body goes first as plain text). What is done, in order:

* a coordinator's message (``metadata.from == "coordinator"``) is headed with
  the coordinator's name in bold, so the patient sees who wrote; a
  ``coordinator_joined`` / ``coordinator_left`` notice becomes a line in
  italics, worded as the widget words it;
* Markdown becomes WhatsApp formatting (:mod:`.formatting`);
* buttons: up to three become reply buttons, up to ten a list, more a
  numbered list (:mod:`.options`); on Twilio always a numbered list. A
  payload is never shown.

Pure functions: no Rasa, no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from bot.channels.whatsapp import formatting, options

#: ``metadata.from`` of a coordinator's message; ``custom.type`` of notices
#: (the same values as bot/channels/widget_messages.py).
FROM_COORDINATOR = "coordinator"
COORDINATOR_JOINED = "coordinator_joined"
COORDINATOR_LEFT = "coordinator_left"

#: Twilio's limit for a message body.
TWILIO_BODY_LIMIT = 1600
CHOOSE_PROMPT = "Reply with the number of your choice."
LIST_BUTTON = "See the options"
EMPTY_BODY = "Please choose:"
_NOTICES = {
    COORDINATOR_JOINED: "{name}, a coordinator, joined the conversation.",
    COORDINATOR_LEFT: "{name} left the conversation. The assistant continues.",
}
_SAFE_MEDIA_URL = re.compile(r"^https?://", re.I)
_NAME_CHARS = 80


@dataclass(frozen=True)
class Origin:
    """Who a message is from, for the 24-hour window's rules.

    Attributes:
        kind: ``bot``, ``coordinator`` (a person wrote it) or ``notice``
            (a coordinator joined or left).
        name: the coordinator's display name, if any.
    """

    kind: str = "bot"
    name: Optional[str] = None

    @property
    def from_staff(self) -> bool:
        """True for what a coordinator did: it may go out as the template."""
        return self.kind in ("coordinator", "notice")


def _clean_name(value: Any) -> str:
    name = " ".join(str(value or "").split())[:_NAME_CHARS]
    return name or "A coordinator"


def origin_of(message: Mapping[str, Any]) -> Origin:
    """Who the message is from (metadata may be flattened into the message)."""
    custom = message.get("custom")
    if isinstance(custom, Mapping) and custom.get("type") in _NOTICES:
        return Origin("notice", _clean_name(custom.get("name")))
    nested = message.get("metadata")
    meta: Mapping[str, Any] = nested if isinstance(nested, Mapping) else {}
    if meta.get("from", message.get("from")) == FROM_COORDINATOR:
        return Origin("coordinator", _clean_name(meta.get("name", message.get("name"))))
    return Origin("bot")


def message_text(message: Mapping[str, Any]) -> str:
    r"""The text to show, WhatsApp-formatted, with the coordinator's heading.

    >>> staff = {"from": "coordinator", "name": "Anna"}
    >>> message_text({"text": "Hi", "metadata": staff})
    '*Anna, coordinator:*\\nHi'
    """
    origin = origin_of(message)
    custom = message.get("custom")
    if origin.kind == "notice" and isinstance(custom, Mapping):
        notice = _NOTICES[str(custom.get("type"))].format(name=origin.name)
        return f"_{notice}_"
    text = message.get("text")
    text = formatting.to_whatsapp(text) if isinstance(text, str) else ""
    if origin.kind == "coordinator" and text:
        return f"*{origin.name}, coordinator:*\n{text}"
    return text


def _media_url(message: Mapping[str, Any]) -> Optional[str]:
    image = message.get("image")
    if isinstance(image, str) and _SAFE_MEDIA_URL.match(image):
        return image
    return None


def _text_part(body: str) -> Dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def render_meta(message: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Graph API message bodies (without ``to``) for one bot message.

    >>> [p["type"] for p in render_meta({"text": "Hi", "buttons": [
    ...     {"title": "Yes", "payload": "/affirm"}]})]
    ['interactive']
    """
    text = message_text(message)
    choices = options.options_from_buttons(
        message.get("buttons") or message.get("quick_replies")
    )
    parts: List[Dict[str, Any]] = []
    if choices:
        pieces = formatting.split_text(text) if text else []
        body = pieces.pop() if pieces else EMPTY_BODY
        if len(body) >= formatting.INTERACTIVE_BODY_LIMIT:
            tail = formatting.split_text(body, formatting.INTERACTIVE_BODY_LIMIT)
            body = tail.pop()
            pieces.extend(tail)
        interactive = options.reply_buttons(body, choices) or options.list_message(
            body, choices, LIST_BUTTON
        )
        parts.extend(_text_part(piece) for piece in pieces)
        if interactive is not None:
            parts.append({"type": "interactive", "interactive": interactive})
        else:
            numbered = options.numbered_text(body, choices, CHOOSE_PROMPT)
            parts.extend(_text_part(p) for p in formatting.split_text(numbered))
    elif text:
        parts.extend(_text_part(piece) for piece in formatting.split_text(text))
    url = _media_url(message)
    if url:
        parts.append({"type": "image", "image": {"link": url}})
    return parts


def render_twilio(message: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """Twilio Messages parameters (``Body`` / ``MediaUrl``) for one bot message.

    Choices are a numbered list; the patient answers with the number.
    """
    text = message_text(message)
    choices = options.options_from_buttons(
        message.get("buttons") or message.get("quick_replies")
    )
    if choices:
        text = options.numbered_text(text, choices, CHOOSE_PROMPT)
    parts: List[Dict[str, Any]] = [
        {"Body": piece} for piece in formatting.split_text(text, TWILIO_BODY_LIMIT)
    ]
    url = _media_url(message)
    if url:
        parts.append({"MediaUrl": url})
    return parts


def offered_options(message: Mapping[str, Any]) -> List[options.Option]:
    """The choices a bot message offered (to read a typed number back)."""
    return options.options_from_buttons(
        message.get("buttons") or message.get("quick_replies")
    )
