"""The website widget's socket.io channel (Rasa's ``socketio``, made safe).

Registered in credentials.yml as ``bot.channels.widget.WidgetInput``. It keeps
Rasa's channel name ``socketio``, path ``/socket.io`` and event names
(``session_request``/``session_confirm``, ``user_uttered``/``bot_uttered``),
and changes what Rasa 3.6.21's :class:`SocketIOInput` gets wrong:

* ``enter_room`` is awaited. Rasa calls it without ``await``; with
  python-socketio >= 5.10 it is a coroutine, so the socket never joined the
  session's room and, with session persistence on, no reply ever arrived.
* Only origins in ``WIDGET_ALLOWED_ORIGINS`` may connect (Rasa allows any).
* A session id is only ever used together with a server-signed token
  (:mod:`bot.channels.widget_session`). The conversation a socket talks to is
  the one it proved at ``session_request``, kept server-side; the
  ``session_id`` a client writes into a message is never trusted. A client that
  guesses an id without its token is given a new, empty session.
* Every patient message goes through :func:`bot.channels.guard.sanitize_user_text`
  (no slot injection with ``/inform{...}``, capped length with a notice,
  invalid Unicode replaced); a message that is not a string is refused
  (``invalid_message``).
* The conversation's Rasa sender id is ``web:<session id>``
  (:mod:`bot.channels.identity`), so no other channel can address it; the
  socket.io room of a session has the same name.
* Messages are rate-limited per session and per address
  (:mod:`bot.channels.ratelimit`): a refused one gets the bot's "please wait a
  moment" and the ack ``rate_limited``, and is not processed.
* Registering the blueprint hardens the whole Rasa server
  (:func:`bot.channels.hardening.harden_rasa_app`).
* Each widget message carries a client id; a message re-sent after a dropped
  connection is recognised (in memory, then in the tracker) and not processed
  twice. The ack of ``user_uttered`` is sent once the bot has answered.
* On reconnect the client says which message it saw last (``since``) and gets
  what it missed, from the tracker store (the ``replay`` event).
* A new session is greeted by running ``action_session_start`` (the greeting
  with the disclaimer) without a fake user message; a reloaded page whose
  conversation already exists is not greeted again.
* With ``REDIS_URL`` set, python-socketio's ``AsyncRedisManager`` fans messages
  out between several Rasa replicas.

Protocol (client -> server)::

    session_request {"session_id": str|null, "token": str|null,
                     "since": float, "has_history": bool}
    user_uttered    {"id": "<client message id>", "message": "text or /payload",
                     "display": "button title", "resend": bool}   -> ack

Server -> client: ``session_confirm`` {"session_id", "token", "new"},
``bot_uttered`` (see :mod:`bot.channels.widget_messages`), ``user_echo``,
``replay`` {"messages": [...]}.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.channels import identity, replies
from bot.channels import widget_messages as shapes
from bot.channels.guard import clean_unicode, is_button_payload, sanitize_user_text
from bot.channels.hardening import client_address, harden_rasa_app
from bot.channels.ratelimit import MessageLimits
from bot.channels.widget_session import (
    DEFAULT_MAX_AGE_SECONDS,
    issue_token,
    new_session_id,
    resolve_secret,
    verify_token,
)
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

CHANNEL_NAME = "socketio"
#: Patient messages are capped at a few KB; a megabyte frame is an attack.
MAX_FRAME_BYTES = 64 * 1024
#: How many recently seen (session, message id) pairs are remembered.
RECENT_IDS = 10_000
#: How many of the newest events are searched for a re-sent message's id.
RESEND_LOOKBACK_EVENTS = 200
#: Heartbeat. The server pings every PING_INTERVAL_S and drops a socket whose
#: pong is PING_TIMEOUT_S late; socket.io-client gets both in the handshake and
#: drops a connection that heard no ping for their sum. A dead network is thus
#: noticed within 8 s (the defaults, 25 + 20 s, left the widget "typing" for
#: 45 s). 4 s still tolerates a slow mobile network's round trip.
PING_INTERVAL_S = 4
PING_TIMEOUT_S = 4
# Sanic-CORS (Rasa's --cors) marks a request it has handled with this
# attribute; set on socket.io requests so that it does not add a second
# Access-Control-Allow-Origin header next to python-engineio's own, which
# browsers reject.
_SANIC_CORS_EVALUATED = "_sanic_cors_e"


class _RecentMessages:
    """Client message ids seen lately, per session: the fast de-duplication path.

    Per process and lost on restart; a re-sent message that is not found here
    is looked up in the tracker (see ``WidgetInput._in_tracker``).
    """

    def __init__(self, capacity: int = RECENT_IDS) -> None:
        self._seen: "OrderedDict[Tuple[str, str], bool]" = OrderedDict()
        self._capacity = capacity

    def __contains__(self, key: Tuple[str, str]) -> bool:
        return key in self._seen

    def add(self, key: Tuple[str, str]) -> None:
        self._seen[key] = True
        self._seen.move_to_end(key)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)

    def discard(self, key: Tuple[str, str]) -> None:
        self._seen.pop(key, None)


class WidgetOutput(OutputChannel):
    """Sends bot messages to every socket (tab) of a widget session.

    Works with the channel's server and with a write-only
    ``socketio.AsyncRedisManager`` (anything with ``emit(event, data, room=)``).
    """

    @classmethod
    def name(cls) -> Text:
        """Rasa's name for the channel, so ``output_channel=socketio`` finds it."""
        return CHANNEL_NAME

    def __init__(self, sio: Any, bot_message_evt: Text = "bot_uttered") -> None:
        self.sio = sio
        self.bot_message_evt = bot_message_evt

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        """Send one bot message as one widget payload (never split, never HTML)."""
        payload = shapes.bot_payload(message)
        if payload is None:
            logger.debug("Nothing the widget can show in %s", sorted(message))
            return
        await self.sio.emit(self.bot_message_evt, payload, room=recipient_id)

    async def send_text_message(
        self, recipient_id: Text, text: Text, **kwargs: Any
    ) -> None:
        """Send text (paragraphs stay in one message; the widget renders them)."""
        await self.send_response(recipient_id, {**kwargs, "text": text})

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: Any,
        **kwargs: Any,
    ) -> None:
        """Send text with quick replies."""
        await self.send_response(
            recipient_id, {**kwargs, "text": text, "buttons": buttons}
        )

    async def send_quick_replies(
        self,
        recipient_id: Text,
        text: Text,
        quick_replies: Any,
        **kwargs: Any,
    ) -> None:
        """Send text with quick replies."""
        await self.send_text_with_buttons(recipient_id, text, quick_replies, **kwargs)

    async def send_custom_json(
        self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any
    ) -> None:
        """Send a ``custom`` payload (e.g. a coordinator joined/left notice)."""
        await self.send_response(recipient_id, {**kwargs, "custom": json_message})

    async def send_image_url(
        self, recipient_id: Text, image: Text, **kwargs: Any
    ) -> None:
        """Send an image link (http(s) only)."""
        await self.send_response(recipient_id, {**kwargs, "image": image})


class _WidgetBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint that also remembers the app (for the agent)."""

    def __init__(self, channel: "WidgetInput", *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.channel = channel

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        """Attach socket.io to the app and keep a reference to the app."""
        self.ctx.channel._app = app
        prefix = self.ctx.socketio_path.rstrip("/") + "/"
        harden_rasa_app(app, public_prefixes=(prefix[:-1],))

        async def leave_cors_to_engineio(request: Request) -> None:
            if request.path.startswith(prefix) or request.path == prefix[:-1]:
                setattr(request.ctx, _SANIC_CORS_EVALUATED, "1")

        app.register_middleware(leave_cors_to_engineio, "request")
        super().register(app, options)


class WidgetInput(SocketIOInput):
    """socket.io input channel for the website widget (see the module docstring)."""

    @classmethod
    def name(cls) -> Text:
        """Keep Rasa's name: the tracker's input channel and output lookup use it."""
        return CHANNEL_NAME

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WidgetInput":
        """Build from the ``bot.channels.widget.WidgetInput:`` credentials section."""
        credentials = credentials or {}
        if credentials.get("session_persistence") is False:
            logger.warning(
                "session_persistence: false is ignored: the widget always keeps "
                "its session across reloads and reconnects"
            )
        max_age_hours = credentials.get("token_max_age_hours")
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            token_max_age=(
                float(max_age_hours) * 3600
                if max_age_hours
                else DEFAULT_MAX_AGE_SECONDS
            ),
        )

    def __init__(
        self,
        user_message_evt: Text = "user_uttered",
        bot_message_evt: Text = "bot_uttered",
        namespace: Optional[Text] = None,
        socketio_path: Text = "/socket.io",
        token_max_age: float = DEFAULT_MAX_AGE_SECONDS,
    ) -> None:
        super().__init__(
            user_message_evt=user_message_evt,
            bot_message_evt=bot_message_evt,
            namespace=namespace,
            session_persistence=True,
            socketio_path=socketio_path,
        )
        self.token_max_age = token_max_age
        self.sio: Optional[AsyncServer] = None
        self._app: Optional[Sanic] = None
        self._recent = _RecentMessages()
        self._secret: Optional[bytes] = None

    # -- helpers ------------------------------------------------------------

    def _settings(self) -> Settings:
        return get_settings()

    def _limits(self) -> MessageLimits:
        return MessageLimits.shared()

    @staticmethod
    def sender_of(session_id: str) -> str:
        """The Rasa sender id (and socket.io room) of a widget session."""
        return identity.sender_id(identity.WIDGET, session_id)

    def _secret_key(self) -> bytes:
        if self._secret is None:
            s = self._settings()
            self._secret = resolve_secret(s.widget_secret, s.is_development, s.var_dir)
        return self._secret

    def _agent(self) -> Any:
        agent = getattr(getattr(self._app, "ctx", None), "agent", None)
        return agent if agent is not None and agent.is_ready() else None

    def _make_server(self) -> AsyncServer:
        s = self._settings()
        # An empty list would switch python-engineio's origin check off (that is
        # how Rasa allows every origin); None means same-origin only.
        origins = list(s.widget_allowed_origins) or None
        client_manager = None
        if s.redis_url:
            client_manager = AsyncRedisManager(s.redis_url)
        return AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=origins,
            client_manager=client_manager,
            max_http_buffer_size=MAX_FRAME_BYTES,
            ping_interval=PING_INTERVAL_S,
            ping_timeout=PING_TIMEOUT_S,
        )

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Output for messages Rasa sends outside a user turn (HTTP API, reminders)."""
        if self.sio is None:
            return None
        return WidgetOutput(self.sio, self.bot_message_evt)

    async def _start_session_if_new(self, sender_id: str) -> None:
        """Run ``action_session_start`` for a conversation that has no events yet."""
        agent = self._agent()
        if agent is None:
            return
        output = WidgetOutput(self.sio, self.bot_message_evt)
        try:
            async with agent.lock_store.lock(sender_id):
                tracker = await agent.processor.get_tracker(sender_id)
                if tracker.events:
                    return
                tracker = await agent.processor.fetch_tracker_with_initial_session(
                    sender_id, output
                )
                await agent.processor.save_tracker(tracker)
        except Exception:  # noqa: BLE001 - the patient can still type
            logger.exception("Could not start widget session %s", sender_id)

    async def _events(self, sender_id: str) -> list:
        agent = self._agent()
        if agent is None:
            return []
        tracker = await agent.tracker_store.retrieve_full_tracker(sender_id)
        return [event.as_dict() for event in tracker.events] if tracker else []

    async def _in_tracker(self, sender_id: str, client_id: str) -> bool:
        """True when the tracker already holds the widget message ``client_id``."""
        try:
            events = await self._events(sender_id)
        except Exception:  # noqa: BLE001 - then process it; better than losing it
            logger.exception("Could not read tracker %s", sender_id)
            return False
        for event in reversed(events[-RESEND_LOOKBACK_EVENTS:]):
            widget = (event.get("metadata") or {}).get("widget") or {}
            if event.get("event") == "user" and widget.get("id") == client_id:
                return True
        return False

    async def _replay(self, sid: str, sender_id: str, since: float) -> None:
        try:
            items = shapes.replay(await self._events(sender_id), since)
        except Exception:  # noqa: BLE001 - a reconnect must not fail on this
            logger.exception("Could not replay widget session %s", sender_id)
            return
        await self.sio.emit("replay", {"messages": items}, to=sid)

    # -- the blueprint --------------------------------------------------------

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """The socket.io server and its event handlers, as a Sanic blueprint."""
        sio = self._make_server()
        self.sio = sio
        allowed = set(self._settings().widget_allowed_origins)
        bp = _WidgetBlueprint(
            self, sio, self.socketio_path, "widget_socketio_webhook", __name__
        )
        ns = self.namespace

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=ns)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            # python-engineio has already refused a disallowed Origin; checked
            # again here so that a change of engineio defaults cannot open it.
            origin = environ.get("HTTP_ORIGIN")
            if origin and origin not in allowed:
                logger.warning("Refused widget connection from origin %s", origin)
                return False
            request = environ.get("sanic.request")
            address = client_address(request) if request is not None else ""
            await sio.save_session(sid, {"address": address}, namespace=ns)
            return True

        @sio.on("session_request", namespace=ns)
        async def session_request(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            secret = self._secret_key()
            session_id = verify_token(data.get("token"), secret, self.token_max_age)
            is_new = session_id is None
            if is_new:
                if data.get("session_id"):
                    logger.info("Widget session without a valid token: new session")
                session_id = new_session_id()
            state = await sio.get_session(sid, namespace=ns)
            previous = state.get("session_id")
            if previous and previous != session_id:
                await sio.leave_room(sid, self.sender_of(previous), namespace=ns)
            await sio.save_session(
                sid, {**state, "session_id": session_id}, namespace=ns
            )
            sender = self.sender_of(session_id)
            # The fix: Rasa 3.6.21 does not await this coroutine.
            await sio.enter_room(sid, sender, namespace=ns)
            await sio.emit(
                "session_confirm",
                {
                    "session_id": session_id,
                    "token": issue_token(session_id, secret),
                    "new": is_new,
                },
                to=sid,
                namespace=ns,
            )
            if not is_new:
                since = data.get("since")
                since = float(since) if isinstance(since, (int, float)) else 0.0
                await self._replay(sid, sender, since)
            if is_new or not data.get("has_history"):
                await self._start_session_if_new(sender)

        @sio.on(self.user_message_evt, namespace=ns)
        async def handle_message(sid: Text, data: Any) -> Dict[str, Any]:
            state = await sio.get_session(sid, namespace=ns)
            session_id = state.get("session_id")
            if not session_id:
                return {"ok": False, "error": "no_session"}
            if not isinstance(data, dict):
                return {"ok": False, "error": "bad_request"}
            claimed = data.get("session_id")
            if claimed and claimed != session_id:
                return {"ok": False, "error": "session_mismatch"}
            client_id = data.get("id")
            if not shapes.is_client_message_id(client_id):
                client_id = new_session_id()
            raw = data.get("message")
            if raw is not None and not isinstance(raw, str):
                return {"ok": False, "id": client_id, "error": "invalid_message"}
            sender = self.sender_of(session_id)
            key = (session_id, client_id)
            if key in self._recent or (
                data.get("resend") and await self._in_tracker(sender, client_id)
            ):
                self._recent.add(key)
                return {"ok": True, "id": client_id, "duplicate": True}
            self._recent.add(key)

            s = self._settings()
            guarded = sanitize_user_text(raw, s.max_message_chars)
            output = WidgetOutput(sio, self.bot_message_evt)
            agent = self._agent()
            allowed = await self._limits().admit(
                sender_id=sender, address=state.get("address"), text=guarded.text
            )
            if not allowed:
                self._recent.discard(key)
                if agent is not None:
                    await replies.send_named(
                        agent, output, sender, replies.RATE_LIMITED
                    )
                return {"ok": False, "id": client_id, "error": "rate_limited"}
            display = guarded.text
            if is_button_payload(guarded.text):
                shown = data.get("display")
                display = shown if isinstance(shown, str) and shown else guarded.text
            display = clean_unicode(display[: shapes.MAX_DISPLAY_CHARS])
            metadata = {
                "widget": {"id": client_id, "display": display},
                **guarded.metadata,
            }
            await sio.emit(
                "user_echo",
                shapes.user_echo(client_id, display),
                room=sender,
                skip_sid=sid,
                namespace=ns,
            )
            if agent is not None:
                for notice in replies.notices_for(guarded):
                    await replies.send_named(agent, output, sender, notice)
            message = UserMessage(
                guarded.text,
                output,
                sender,
                input_channel=self.name(),
                metadata=metadata,
            )
            try:
                await on_new_message(message)
            except Exception:  # noqa: BLE001 - tell the widget, let it retry
                logger.exception("Widget message failed in session %s", session_id)
                self._recent.discard(key)
                return {"ok": False, "id": client_id, "error": "server_error"}
            return {"ok": True, "id": client_id, "ts": time.time()}

        return bp
