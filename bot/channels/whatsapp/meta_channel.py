"""WhatsApp on Meta's Cloud API: ``bot.channels.whatsapp.meta_channel.WhatsAppInput``.

Webhook: ``/webhooks/whatsapp/webhook`` (the URL to give Meta).

* ``GET``: the verification handshake: ``hub.mode=subscribe`` and the right
  ``hub.verify_token`` echo ``hub.challenge``; anything else is 403.
* ``POST``: the ``X-Hub-Signature-256`` of the raw body is checked first
  (:mod:`.signatures`, constant-time): missing or wrong is 403 and nothing is
  read, stored or processed. Then every patient message is claimed
  (:mod:`.inbound`: exactly once, even across processes), the webhook answers
  200 at once, and the messages are processed afterwards: marked read (blue
  ticks while the bot prepares its answer), files fetched through the Graph
  API media endpoint straight away, and handed to Rasa. Status callbacks
  (sent/delivered/read/failed) are recorded against our outbox messages and
  never treated as patient messages.

The channel is off (404) unless ``WHATSAPP_APP_SECRET``,
``WHATSAPP_VERIFY_TOKEN``, ``WHATSAPP_PHONE_NUMBER_ID`` and
``WHATSAPP_ACCESS_TOKEN`` are set (or, in development, ``WHATSAPP_SANDBOX=1``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Text

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import identity
from bot.channels.hardening import HardenedBlueprint
from bot.channels.whatsapp import meta_payloads, options, render
from bot.channels.whatsapp.channel_base import (
    MAX_WEBHOOK_BYTES,
    Renderer,
    WhatsAppInputBase,
    record_statuses,
)
from bot.channels.whatsapp.config import MetaConfig, meta_config
from bot.channels.whatsapp.graph_client import GraphClient, MetaProvider
from bot.channels.whatsapp.messages import Inbound, MediaRef
from bot.channels.whatsapp.outbox import OutboxSender
from bot.channels.whatsapp.provider import Downloaded, MediaTooLarge
from bot.channels.whatsapp.signatures import META_HEADER, meta_signature_valid
from bot.store.edge import describe_error

logger = logging.getLogger(__name__)


class WhatsAppInput(WhatsAppInputBase):
    """Meta WhatsApp Cloud API input channel (see the module docstring)."""

    CHANNEL = identity.WHATSAPP

    @classmethod
    def from_credentials(
        cls, credentials: Optional[Dict[Text, Any]]
    ) -> "WhatsAppInput":
        """No secret lives in credentials.yml: they come from bot/settings.py."""
        return cls()

    def __init__(self, config: Optional[MetaConfig] = None) -> None:
        super().__init__()
        self._config = config
        self._config_read = config is not None
        self._client: Optional[GraphClient] = None
        self._status_tasks: set = set()

    # -- configuration -------------------------------------------------------

    @property
    def config(self) -> Optional[MetaConfig]:
        """The Cloud API settings, or None when the channel is off."""
        if not self._config_read:
            self._config = meta_config(self._settings())
            self._config_read = True
        return self._config

    @property
    def enabled(self) -> bool:
        """On when configured (or the development sandbox)."""
        return self.config is not None

    @property
    def client(self) -> GraphClient:
        """The Graph API client (one connection pool)."""
        if self._client is None:
            assert self.config is not None
            self._client = GraphClient(
                self.config, timeout_seconds=self._settings().provider_timeout_seconds
            )
        return self._client

    def _renderer(self) -> Renderer:
        return render.render_meta

    def _register_provider(self, sender: OutboxSender) -> None:
        sender.register(MetaProvider(self.client))

    def _id_secret(self) -> bytes:
        assert self.config is not None
        return self.config.id_secret

    def _media_max_bytes(self) -> int:
        assert self.config is not None
        return self.config.media_max_bytes

    def _numbers_allowed(self, offered: Sequence[options.Option]) -> bool:
        # Only more options than a list message holds are shown numbered.
        return len(offered) > options.MAX_LIST_ROWS

    async def _download(self, ref: MediaRef) -> Downloaded:
        info = await self.client.media_url(ref.ref)
        size = info.get("file_size")
        if isinstance(size, int) and size > self._media_max_bytes():
            raise MediaTooLarge()
        return await self.client.download(str(info["url"]), self._media_max_bytes())

    async def _before_processing(self, message: Inbound) -> None:
        """Blue ticks: mark the message read before the bot works on its answer."""
        try:
            await self.client.mark_read(message.message_id)
        except Exception as error:  # noqa: BLE001 - only a courtesy
            logger.info("Could not mark a message read: %s", describe_error(error))

    async def _close(self) -> None:
        if self._client is not None:
            await self._client.close()

    # -- the webhook -----------------------------------------------------------

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Handshake (GET) and messages (POST) at ``/webhooks/whatsapp/webhook``."""
        bp = HardenedBlueprint("whatsapp_webhook", __name__)
        self._attach(bp, on_new_message)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            config = self.config
            if config is None:
                return response.text("not found", status=404)
            mode = request.args.get("hub.mode")
            token = request.args.get("hub.verify_token") or ""
            challenge = request.args.get("hub.challenge") or ""
            if mode == "subscribe" and hmac.compare_digest(
                token.encode("utf-8"), config.verify_token.encode("utf-8")
            ):
                return response.text(challenge[:200])
            return response.text("forbidden", status=403)

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            config = self.config
            if config is None:
                return response.text("not found", status=404)
            body = request.body or b""
            if len(body) > MAX_WEBHOOK_BYTES:
                return response.text("too large", status=413)
            if not meta_signature_valid(
                config.app_secret, body, request.headers.get(META_HEADER)
            ):
                logger.warning("WhatsApp webhook with a missing or wrong signature")
                return response.text("forbidden", status=403)
            try:
                payload = json.loads(body)
            except ValueError:
                return response.text("bad request", status=400)
            messages, statuses = meta_payloads.parse_webhook(
                payload, config.phone_number_id
            )
            try:
                claimed = await self.accept(messages)
            except Exception as error:  # noqa: BLE001 - Meta delivers it again
                logger.error(
                    "Could not claim WhatsApp messages: %s", describe_error(error)
                )
                return response.text("try again", status=503)
            self.process_later(claimed)
            if statuses:
                task = asyncio.get_running_loop().create_task(
                    asyncio.to_thread(record_statuses, self.CHANNEL, statuses)
                )
                # Kept referenced until done: the loop holds tasks weakly.
                self._status_tasks.add(task)
                task.add_done_callback(self._status_tasks.discard)
                task.add_done_callback(_log_failure)
            return response.text("EVENT_RECEIVED")

        return bp


def _log_failure(task: "asyncio.Task[Any]") -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error(
            "Recording status callbacks failed: %s", describe_error(task.exception())
        )
