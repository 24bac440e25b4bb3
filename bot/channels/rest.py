"""The REST channel: for integrations and tests, locked by default.

``POST /webhooks/rest/webhook`` with ``Content-Type: application/json`` and a
JSON object::

    {"sender": "crm-42", "message": "what is cryoablation?",
     "metadata": {"language": "en"}}

answers ``200`` with the bot's messages (Rasa's REST format:
``[{"recipient_id": "rest:crm-42", "text": ..., "buttons": [...]}, ...]``).

Who may call it:

* Outside development it is **off** (404) unless ``REST_TOKEN`` is set, and
  then every request needs ``Authorization: Bearer <REST_TOKEN>`` (401
  otherwise; compared in constant time).
* In development (``APP_ENV`` ``development``/``test``) without ``REST_TOKEN``
  it is open, but only to clients on this machine (loopback; 403 otherwise).

What it accepts (everything else gets a 4xx with
``{"error": <code>, "message": <explanation>}``, never a 500 or silence):

* ``Content-Type: application/json`` only (415): a cross-site ``text/plain``
  form post cannot reach it, and a browser must pass CORS to send JSON.
* a body of at most 64 KB (413, before the handler runs), valid UTF-8 JSON
  (400 ``invalid_json``), an object (400 ``not_an_object``);
* ``sender``: required (400 ``missing_sender``; there is no shared
  ``default`` conversation), 1-64 characters of ``[A-Za-z0-9._:@+=-]`` (400
  ``invalid_sender``). The conversation is ``rest:<sender>``
  (:mod:`bot.channels.identity`): a REST client can never write into a widget
  or WhatsApp conversation;
* ``message``: a string (400 ``invalid_message``); missing or empty gets the
  bot's "please type your question";
* ``metadata``: only :data:`bot.channels.hardening.ALLOWED_METADATA` is kept;
* ``input_channel`` from the client is ignored: the tracker records ``rest``.

Every message passes the input guard (no ``/inform{...}`` slot injection,
length cap with a notice to the patient, invalid Unicode replaced) and the
rate limits (:mod:`bot.channels.ratelimit`): a refused message is answered
``429`` with the bot's "please wait a moment" message, and not processed.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Awaitable, Callable, Dict, Text, Tuple

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import identity, replies
from bot.channels.guard import sanitize_user_text
from bot.channels.hardening import (
    HardenedBlueprint,
    bearer_token,
    clean_metadata,
    client_address,
    is_loopback,
    tokens_match,
)
from bot.channels.ratelimit import MessageLimits
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)


class RestRequestError(Exception):
    """A request the channel refuses, with its HTTP status and JSON error."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message

    def response(self) -> HTTPResponse:
        """The JSON answer to the client."""
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else None
        return response.json(
            {"error": self.code, "message": self.message},
            status=self.status,
            headers=headers,
        )


def _error(status: int, code: str, message: str) -> RestRequestError:
    return RestRequestError(status, code, message)


def check_caller(request: Request, settings: Settings) -> None:
    """Refuse a caller the channel must not serve (see the module docstring).

    Raises:
        RestRequestError: 404 (off), 401 (token) or 403 (not on this machine).
    """
    if settings.rest_token:
        if not tokens_match(bearer_token(request), settings.rest_token):
            raise _error(401, "not_authenticated", "A valid bearer token is required.")
        return
    if not settings.is_development:
        raise _error(404, "channel_off", "The REST channel is not enabled.")
    if not is_loopback(request.ip or ""):
        raise _error(
            403,
            "forbidden",
            "Without REST_TOKEN the REST channel serves this machine only.",
        )


def parse_body(request: Request) -> Dict[str, Any]:
    """The request's JSON object.

    Raises:
        RestRequestError: 415, or 400 for an empty, invalid or non-object body.
    """
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise _error(
            415,
            "unsupported_media_type",
            "Send JSON with Content-Type: application/json.",
        )
    if not request.body:
        raise _error(400, "empty_body", "The body is empty; send a JSON object.")
    try:
        body = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _error(400, "invalid_json", "The body is not valid UTF-8 JSON.") from None
    if not isinstance(body, dict):
        raise _error(400, "not_an_object", "The body must be a JSON object.")
    return body


def read_message(body: Dict[str, Any]) -> Tuple[str, Any]:
    """The Rasa sender id and the raw message of a request body.

    Raises:
        RestRequestError: 400 for a missing or invalid sender or message.
    """
    sender = body.get("sender")
    if sender is None or sender == "":
        raise _error(
            400, "missing_sender", "'sender' is required: the id of the conversation."
        )
    if not identity.is_external_id(sender):
        raise _error(
            400,
            "invalid_sender",
            "'sender' must be 1-64 characters of letters, digits and . _ : @ + = -",
        )
    message = body.get("message")
    if message is not None and not isinstance(message, str):
        raise _error(400, "invalid_message", "'message' must be a string.")
    return identity.sender_id(identity.REST, sender), message


class GuardedRestInput(RestInput):
    """The REST input channel (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        """Keep Rasa's channel name so the URL and tooling stay the same."""
        return identity.REST

    def _settings(self) -> Settings:
        return get_settings()

    def _limits(self) -> MessageLimits:
        return MessageLimits.shared()

    async def _handle(
        self,
        request: Request,
        on_new_message: Callable[[UserMessage], Awaitable[Any]],
    ) -> HTTPResponse:
        settings = self._settings()
        check_caller(request, settings)
        body = parse_body(request)
        sender, raw = read_message(body)
        guarded = sanitize_user_text(raw, settings.max_message_chars)
        agent = getattr(request.app.ctx, "agent", None)
        if agent is None or not agent.is_ready():
            raise _error(503, "not_ready", "The assistant is starting; try again soon.")

        collector = CollectingOutputChannel()
        allowed = await self._limits().admit(
            sender_id=sender, address=client_address(request), text=guarded.text
        )
        if not allowed:
            await replies.send_named(agent, collector, sender, replies.RATE_LIMITED)
            return response.json(
                collector.messages, status=429, headers={"Retry-After": "10"}
            )
        for notice in replies.notices_for(guarded):
            await replies.send_named(agent, collector, sender, notice)
        metadata = {**clean_metadata(body.get("metadata")), **guarded.metadata}
        await on_new_message(
            UserMessage(
                guarded.text,
                collector,
                sender,
                input_channel=self.name(),
                metadata=metadata or None,
            )
        )
        return response.json(collector.messages)

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """``GET /webhooks/rest/`` (health) and ``POST /webhooks/rest/webhook``."""
        bp = HardenedBlueprint("guarded_rest_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                return await self._handle(request, on_new_message)
            except RestRequestError as refused:
                return refused.response()
            except Exception as error:  # noqa: BLE001 - a clear answer, a safe log
                # The exception's message may quote the patient: type only
                # (the log safety net strips the traceback's values too).
                logger.exception("REST message failed: %s", type(error).__name__)
                return response.json(
                    {
                        "error": "internal_error",
                        "message": "Something went wrong on our side; try again.",
                    },
                    status=500,
                )

        return bp
