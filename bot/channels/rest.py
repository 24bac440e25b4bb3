"""Rasa's REST channel behind the product's input guard.

Used by integrations, curl and the conversation tests. The webhook stays at
``/webhooks/rest/webhook``; the only difference from Rasa's own channel is that
every message passes :func:`bot.channels.guard.sanitize_user_text` first, so a
client cannot set slots with ``/inform{...}``.
"""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot.channels.guard import sanitize_user_text
from bot.settings import get_settings


class GuardedRestInput(RestInput):
    """REST input channel that sanitises messages and caps their length."""

    @classmethod
    def name(cls) -> Text:
        """Keep Rasa's channel name so the URL and tooling stay the same."""
        return "rest"

    @staticmethod
    def _max_chars() -> int:
        return get_settings().max_message_chars

    def _extract_message(self, req: Request) -> Optional[Text]:
        return sanitize_user_text(req.json.get("message"), self._max_chars()).text

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        """Client metadata plus the guard's notes (truncated, payload neutralised)."""
        metadata = dict(request.json.get("metadata") or {})
        guarded = sanitize_user_text(request.json.get("message"), self._max_chars())
        metadata.update(guarded.metadata)
        return metadata or None
