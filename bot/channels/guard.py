r"""What every input channel does to a patient's message before Rasa sees it.

Rasa treats a message that starts with ``/`` as a pre-parsed intent and even
reads entities from it (``/inform{"bilirubin_mg_dl": 0.5}``). Button payloads
need the first behaviour, but a patient must never be able to set slots or pick
an arbitrary intent by typing. This module lets through exactly the payload
shapes the bot's own buttons send, and turns everything else into plain text.

It also caps the length of a message (a pasted report must not cost seconds of
CPU per turn) and maps an empty message to an intent the bot answers, so that
bad input always gets a clear answer. Text that is not valid Unicode (a lone
surrogate such as ``"\ud800"`` in JSON) has those characters replaced, since
they cannot be encoded and would crash the NLU pipeline; a button payload for
an FAQ topic that does not exist is answered with the clarifying question
(``/nlu_fallback``) instead of an empty reply.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Optional

from bot.faq import TOPIC_TITLES

#: Default cap; the channels pass ``get_settings().max_message_chars``.
DEFAULT_MAX_CHARS = 1000

#: Intents a button (or a channel) may send as ``/intent`` without entities.
BUTTON_INTENTS = frozenset(
    {
        "greet",
        "affirm",
        "deny",
        "check_eligibility",
        "request_human",
        "dont_know",
        "stop",
        "delete_data",
        "withdraw_consent",
        "urgent_symptoms",
        "restart",
        "session_start",
        "empty_message",
        # coordinator handoff (data/responses/handoff.yml buttons; a channel
        # that stores a file the patient sent says so with /share_report)
        "cancel_handoff",
        "request_callback",
        "share_report",
        # a review of the records (WhatsApp offers it after a file is kept)
        "request_record_review",
    }
)

#: ``/faq/<topic>``: the payload of a quick reply that opens an FAQ answer.
_FAQ_PAYLOAD = re.compile(r"^/faq/[a-z][a-z_]{1,40}$")
_INTENT_PAYLOAD = re.compile(r"^/([a-z][a-z_]{1,40})$")
_FORGED_PAYLOAD = re.compile(r"^([A-Za-z_/]+)\s*(?:@[0-9.]*)?\s*(?:\{.*\})?$", re.S)
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]")

EMPTY_PAYLOAD = "/empty_message"
#: What an unknown ``/faq/<topic>`` payload becomes: the clarifying question.
UNKNOWN_PAYLOAD = "/nlu_fallback"
_SURROGATES = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class GuardedText:
    """The text to hand to Rasa, and what the guard did to it."""

    text: str
    truncated: bool = False
    neutralised_payload: bool = False
    empty: bool = False
    invalid_unicode: bool = False
    unknown_payload: bool = False

    @property
    def metadata(self) -> dict:
        """Notes for the tracker (shown to staff), only when something was changed."""
        notes = {
            "truncated": self.truncated,
            "neutralised_payload": self.neutralised_payload,
            "empty": self.empty,
            "invalid_unicode": self.invalid_unicode,
            "unknown_payload": self.unknown_payload,
        }
        return (
            {"input_guard": {k: v for k, v in notes.items() if v}}
            if any(notes.values())
            else {}
        )


def is_button_payload(text: str) -> bool:
    """True for the exact payload shapes the bot's own buttons send.

    >>> is_button_payload("/faq/risks"), is_button_payload('/inform{"x": 1}')
    (True, False)
    """
    if _FAQ_PAYLOAD.match(text):
        return True
    match = _INTENT_PAYLOAD.match(text)
    return bool(match and match.group(1) in BUTTON_INTENTS)


def is_known_faq_payload(text: str) -> bool:
    """True for ``/faq/<topic>`` of a topic the bot has an answer for.

    >>> is_known_faq_payload("/faq/risks"), is_known_faq_payload("/faq/unknown")
    (True, False)
    """
    return bool(_FAQ_PAYLOAD.match(text)) and text[len("/faq/") :] in TOPIC_TITLES


def clean_unicode(text: str) -> str:
    r"""``text`` with lone surrogates (not encodable as UTF-8) replaced by U+FFFD.

    The length and every other character stay as they are.

    >>> clean_unicode("ok \ud800!") == "ok \ufffd!"
    True
    """
    return _SURROGATES.sub("\ufffd", text)


def sanitize_user_text(text: Any, max_chars: Optional[int] = None) -> GuardedText:
    """Clean one incoming patient message.

    Args:
        text: the raw message. ``None`` or anything that is not a string is
            treated as empty (channels refuse non-strings before this; the
            guard itself never raises).
        max_chars: longest text kept; longer text is cut at a word boundary.

    Returns:
        The text for Rasa: an allowed button payload unchanged (an FAQ payload
        of an unknown topic as ``/nlu_fallback``); any other text starting with
        ``/`` without the slash, so Rasa's NLU reads it as words; an empty or
        whitespace-only message as ``/empty_message``.
    """
    limit = max_chars or DEFAULT_MAX_CHARS
    raw = text if isinstance(text, str) else ""
    invalid = bool(_SURROGATES.search(raw))
    if invalid:
        raw = clean_unicode(raw)
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFC", raw)).strip()
    if not cleaned:
        return GuardedText(EMPTY_PAYLOAD, empty=True, invalid_unicode=invalid)
    if is_button_payload(cleaned):
        if _FAQ_PAYLOAD.match(cleaned) and not is_known_faq_payload(cleaned):
            return GuardedText(UNKNOWN_PAYLOAD, unknown_payload=True)
        return GuardedText(cleaned)

    neutralised = False
    if cleaned.startswith("/"):
        # Drop every leading slash: "//inform{...}" must not survive as "/inform".
        cleaned = cleaned.lstrip("/").strip()
        # Rasa's own shape "name@confidence{entities}" is a forged payload, not
        # something a patient writes: keep only its name, so the entities are
        # not even read as words by the lab extractor.
        forged = _FORGED_PAYLOAD.match(cleaned)
        if forged:
            cleaned = forged.group(1).replace("/", " ").replace("_", " ").strip()
        cleaned = cleaned or EMPTY_PAYLOAD
        neutralised = True
        if cleaned == EMPTY_PAYLOAD:
            return GuardedText(
                cleaned, neutralised_payload=True, empty=True, invalid_unicode=invalid
            )

    truncated = False
    if len(cleaned) > limit:
        cut = cleaned[:limit]
        space = cut.rfind(" ")
        cleaned = (cut[:space] if space > limit * 0.8 else cut).rstrip()
        truncated = True
    return GuardedText(
        cleaned,
        truncated=truncated,
        neutralised_payload=neutralised,
        invalid_unicode=invalid,
    )
