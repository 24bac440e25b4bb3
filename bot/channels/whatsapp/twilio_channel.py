"""WhatsApp through Twilio (``twilio_channel.TwilioWhatsAppInput``).

Rasa's own ``twilio`` channel neither checks ``X-Twilio-Signature`` nor
handles media, and shows buttons as "1: Title (/payload)". This one, named
``twilio`` too (sender ids ``twilio:<HMAC of the number>``):

* ``POST /webhooks/twilio/webhook`` (the number's "A message comes in" URL):
  the signature is checked with the ``twilio`` library's ``RequestValidator``
  against the public URL (``PUBLIC_BASE_URL`` + the path); missing or wrong is
  403 and nothing is stored. Messages are de-duplicated on ``MessageSid``,
  claimed, answered at once with an empty TwiML ``<Response/>``, and
  processed afterwards like the Meta channel's: ``MediaUrl0…N`` fetched,
  checked and held; other media answered as "text only".
* Choices are sent as a numbered list; "1", "2" … (or an option's title)
  pick that option.
* ``POST /webhooks/twilio/status`` receives the status callbacks of our
  messages (the ``StatusCallback`` given with each, carrying our outbox id).

Off (404) unless ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN`` and
``TWILIO_WHATSAPP_FROM`` are set (or, in development, ``TWILIO_SANDBOX=1``).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Text
from urllib.parse import parse_qs

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import identity
from bot.channels.hardening import HardenedBlueprint
from bot.channels.whatsapp import options, render, twilio_payloads
from bot.channels.whatsapp.channel_base import (
    MAX_WEBHOOK_BYTES,
    Renderer,
    WhatsAppInputBase,
    record_statuses,
)
from bot.channels.whatsapp.config import TwilioConfig, twilio_config
from bot.channels.whatsapp.messages import MediaRef
from bot.channels.whatsapp.outbox import OutboxSender
from bot.channels.whatsapp.provider import Downloaded
from bot.channels.whatsapp.signatures import TWILIO_HEADER, twilio_signature_valid
from bot.channels.whatsapp.twilio_client import (
    STATUS_PATH,
    TwilioClient,
    TwilioProvider,
)
from bot.store.edge import describe_error

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
WEBHOOK_PATH = "/webhooks/twilio/webhook"


class _MultiDict(dict):
    """A dict of lists that ``RequestValidator`` reads every value of."""

    def getlist(self, name: str) -> List[str]:
        """All values of one parameter (Twilio signs each of them)."""
        return list(self.get(name, []))


class TwilioWhatsAppInput(WhatsAppInputBase):
    """Twilio WhatsApp input channel (see the module docstring)."""

    CHANNEL = identity.TWILIO

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Dict[Text, Any]]
    ) -> "TwilioWhatsAppInput":
        """No secret lives in credentials.yml: they come from bot/settings.py."""
        return cls()

    def __init__(self, config: Optional[TwilioConfig] = None) -> None:
        super().__init__()
        self._config = config
        self._config_read = config is not None
        self._client: Optional[TwilioClient] = None

    @property
    def config(self) -> Optional[TwilioConfig]:
        """The Twilio settings, or None when the channel is off."""
        if not self._config_read:
            self._config = twilio_config(self._settings())
            self._config_read = True
        return self._config

    @property
    def enabled(self) -> bool:
        """On when configured (or the development sandbox)."""
        return self.config is not None

    @property
    def client(self) -> TwilioClient:
        """The Messages API client."""
        if self._client is None:
            assert self.config is not None
            self._client = TwilioClient(
                self.config, timeout_seconds=self._settings().provider_timeout_seconds
            )
        return self._client

    def _renderer(self) -> Renderer:
        return render.render_twilio

    def _register_provider(self, sender: OutboxSender) -> None:
        sender.register(TwilioProvider(self.client))

    def _id_secret(self) -> bytes:
        assert self.config is not None
        return self.config.id_secret

    def _media_max_bytes(self) -> int:
        assert self.config is not None
        return self.config.media_max_bytes

    def _numbers_allowed(self, offered: Sequence[options.Option]) -> bool:
        return options.numbers_shown(offered)

    async def _download(self, ref: MediaRef) -> Downloaded:
        return await self.client.download(ref.ref, self._media_max_bytes())

    async def _close(self) -> None:
        if self._client is not None:
            await self._client.close()

    @staticmethod
    def _form(request: Request) -> Dict[str, List[str]]:
        """The form as Twilio signed it: blank values kept (Sanic drops them).

        A media message has ``Body=`` empty; without it the signature of a
        genuine webhook would not match.
        """
        try:
            text = (request.body or b"").decode("utf-8")
        except UnicodeDecodeError:
            return {}
        return parse_qs(text, keep_blank_values=True, max_num_fields=200)

    def _signed(self, request: Request, form: Dict[str, List[str]], path: str) -> bool:
        config = self.config
        assert config is not None
        url = config.public_base_url + path
        if request.query_string:
            url += "?" + request.query_string
        return twilio_signature_valid(
            config.auth_token, url, _MultiDict(form), request.headers.get(TWILIO_HEADER)
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Messages at ``/webhooks/twilio/webhook``, statuses at ``…/status``."""
        bp = HardenedBlueprint("twilio_whatsapp_webhook", __name__)
        self._attach(bp, on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.config is None:
                return response.text("not found", status=404)
            if len(request.body or b"") > MAX_WEBHOOK_BYTES:
                return response.text("too large", status=413)
            form = self._form(request)
            if not self._signed(request, form, WEBHOOK_PATH):
                logger.warning("Twilio webhook with a missing or wrong signature")
                return response.text("forbidden", status=403)
            message = twilio_payloads.parse_message(form)
            if message is None:
                return response.text(EMPTY_TWIML, content_type="text/xml")
            try:
                claimed = await self.accept([message])
            except Exception as error:  # noqa: BLE001 - Twilio may deliver again
                logger.error(
                    "Could not claim a Twilio message: %s", describe_error(error)
                )
                return response.text("try again", status=503)
            self.process_later(claimed)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        @bp.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            if self.config is None:
                return response.text("not found", status=404)
            form = self._form(request)
            if not self._signed(request, form, STATUS_PATH):
                logger.warning(
                    "Twilio status callback with a missing or wrong signature"
                )
                return response.text("forbidden", status=403)
            outbox = request.args.get("outbox", "")
            update = twilio_payloads.parse_status(
                form, int(outbox) if outbox.isdigit() else None
            )
            if update is not None:
                await asyncio.to_thread(record_statuses, self.CHANNEL, [update])
            return response.text("", status=204)

        return bp
