"""A local stand-in for Meta's Graph API (WhatsApp Cloud API), for tests and dev.

Implements, as documented:

* ``POST /{version}/{phone-number-id}/messages`` with ``Authorization: Bearer``:
  text, interactive (``button``, ``list``), image, document and template
  messages, validated against the documented limits (a reply button title
  ≤ 20, ≤ 3 buttons, body ≤ 1,024; a list's button ≤ 20, ≤ 10 rows, row title
  ≤ 24, description ≤ 72, ids ≤ 256/200; text ≤ 4,096). Answers
  ``{"messaging_product", "contacts", "messages": [{"id": "wamid…"}]}``;
  ``{"status": "read", "message_id"}`` marks a message read
  (``{"success": true}``). Errors are ``{"error": {"message", "type", "code",
  "error_data", "fbtrace_id"}}`` with the documented codes.
* ``GET /{version}/{media-id}``: the media's short-lived URL, ``mime_type``,
  ``sha256``, ``file_size``; ``GET`` that URL (bearer token) gives the bytes.
  A file can be registered as expired: its URL then answers 404.
* After accepting a message it posts ``sent`` then ``delivered`` status
  webhooks to ``webhook_url`` (when set), signed with ``app_secret`` as Meta
  signs them, echoing ``biz_opaque_callback_data``.

Every request is recorded (:attr:`GraphApiStandin.requests`); the messages the
phone got are :attr:`GraphApiStandin.accepted`. :meth:`fail_next` plans
failures: ``"429"`` (HTTP 429, code 130429), ``"131056"`` (pair rate limit),
``"500"``, ``"timeout"`` (no answer for ``hang_seconds``, nothing accepted),
``"slow"`` (accepted, status webhooks sent, but answered only after
``hang_seconds``), ``"window"`` (131047, the 24-hour window closed), ``"bad"``
(a permanent error, code 100). :meth:`hold` makes sends wait until
:meth:`release`.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import aiohttp
from aiohttp import web

from bot.channels.whatsapp.standins import webhooks

#: Waits between tries of a webhook the channel did not accept (seconds).
RETRY_DELAYS = (0.5, 1) + (2,) * 60


@dataclass
class Recorded:
    """One request the stand-in received."""

    method: str
    path: str
    status: int
    body: Any = None
    at: float = field(default_factory=time.time)


@dataclass
class Media:
    """A file a simulated patient sent."""

    media_id: str
    data: bytes
    mime_type: str
    expired: bool = False
    token: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @property
    def sha256(self) -> str:
        """Meta sends the file's SHA-256 with the message."""
        return hashlib.sha256(self.data).hexdigest()


class GraphError(Exception):
    """An error answer of the Graph API."""

    def __init__(self, status: int, code: int, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def response(self) -> web.Response:
        """The documented error body."""
        body = {
            "error": {
                "message": f"(#{self.code}) {self.message}",
                "type": "OAuthException",
                "code": self.code,
                "error_data": {
                    "messaging_product": "whatsapp",
                    "details": self.details or self.message,
                },
                "fbtrace_id": secrets.token_urlsafe(12),
            }
        }
        return web.json_response(body, status=self.status)


_FAILURES = {
    "429": (429, 130429, "Rate limit hit"),
    "131056": (400, 131056, "(Business Account, Consumer Account) pair rate limit hit"),
    "500": (500, 1, "An unknown error has occurred."),
    "window": (400, 131047, "Re-engagement message"),
    "bad": (400, 100, "Invalid parameter"),
}


def _check(condition: bool, details: str) -> None:
    if not condition:
        raise GraphError(400, 100, "Invalid parameter", details)


def _str_within(value: Any, limit: int, what: str) -> str:
    _check(
        isinstance(value, str) and 0 < len(value) <= limit, f"{what}: 1..{limit} chars"
    )
    return value


def validate_message(body: Dict[str, Any]) -> None:
    """Refuse what the Cloud API refuses (the limits of the reference)."""
    _check(body.get("messaging_product") == "whatsapp", "messaging_product")
    to = body.get("to")
    _check(isinstance(to, str) and to.isdigit() and 6 <= len(to) <= 20, "to")
    opaque = body.get("biz_opaque_callback_data")
    _check(opaque is None or (isinstance(opaque, str) and len(opaque) <= 512), "opaque")
    kind = body.get("type", "text")
    content = body.get(kind)
    _check(isinstance(content, dict), f"{kind} object")
    if kind == "text":
        _str_within(content.get("body"), 4096, "text.body")
    elif kind == "interactive":
        _validate_interactive(content)
    elif kind in ("image", "document", "audio", "video", "sticker"):
        _check(bool(content.get("link") or content.get("id")), f"{kind}.link or id")
    elif kind == "template":
        _str_within(content.get("name"), 512, "template.name")
        _check(isinstance((content.get("language") or {}).get("code"), str), "language")
    else:
        _check(False, f"unsupported type {kind}")


def _validate_interactive(content: Dict[str, Any]) -> None:
    kind = content.get("type")
    action = content.get("action") or {}
    body = (content.get("body") or {}).get("text")
    if kind == "button":
        _str_within(body, 1024, "interactive.body.text")
        buttons = action.get("buttons")
        _check(isinstance(buttons, list) and 1 <= len(buttons) <= 3, "1..3 buttons")
        titles, ids = set(), set()
        for button in buttons:
            _check(button.get("type") == "reply", "button type reply")
            reply = button.get("reply") or {}
            title = _str_within(reply.get("title"), 20, "button title")
            ident = _str_within(reply.get("id"), 256, "button id")
            _check(title not in titles and ident not in ids, "unique buttons")
            titles.add(title)
            ids.add(ident)
    elif kind == "list":
        _str_within(body, 4096, "interactive.body.text")
        _str_within(action.get("button"), 20, "list button")
        sections = action.get("sections")
        _check(isinstance(sections, list) and 1 <= len(sections) <= 10, "sections")
        rows = [row for section in sections for row in (section.get("rows") or [])]
        _check(1 <= len(rows) <= 10, "1..10 rows")
        if len(sections) > 1:
            for section in sections:
                _str_within(section.get("title"), 24, "section title")
        ids = set()
        for row in rows:
            _str_within(row.get("title"), 24, "row title")
            ident = _str_within(row.get("id"), 200, "row id")
            if "description" in row:
                _str_within(row["description"], 72, "row description")
            _check(ident not in ids, "unique rows")
            ids.add(ident)
    else:
        _check(False, f"unsupported interactive type {kind}")


class GraphApiStandin:
    """The Graph API as one business phone number sees it (see module docstring)."""

    def __init__(
        self,
        *,
        phone_number_id: str,
        access_token: str,
        app_secret: Optional[bytes] = None,
        webhook_url: Optional[str] = None,
        hang_seconds: float = 5.0,
        send_statuses: bool = True,
    ) -> None:
        self.phone_number_id = phone_number_id
        self.access_token = access_token
        self.app_secret = app_secret
        self.webhook_url = webhook_url
        self.hang_seconds = hang_seconds
        self.send_statuses = send_statuses
        self.requests: List[Recorded] = []
        self.accepted: List[Dict[str, Any]] = []
        self.reads: List[str] = []
        self.status_posts: List[Dict[str, Any]] = []
        self.media: Dict[str, Media] = {}
        self._failures: List[str] = []
        self._lock = threading.Lock()
        self._gate = threading.Event()
        self._gate.set()
        self._http: Optional[aiohttp.ClientSession] = None
        self._tasks: set = set()
        self.listeners: List[Callable[[Dict[str, Any]], None]] = []

    # -- test controls (any thread) --------------------------------------------

    def fail_next(self, *kinds: str) -> None:
        """Fail the next message sends, one kind each (see the module docstring)."""
        for kind in kinds:
            if kind not in _FAILURES and kind not in ("timeout", "slow"):
                raise ValueError(f"unknown failure kind {kind}")
        with self._lock:
            self._failures.extend(kinds)

    def hold(self) -> None:
        """Make message sends wait (not answered) until :meth:`release`."""
        self._gate.clear()

    def release(self) -> None:
        """Let held sends through."""
        self._gate.set()

    def add_media(self, data: bytes, mime_type: str, *, expired: bool = False) -> Media:
        """Register a file a patient sends; its id goes in the webhook."""
        media = Media(
            str(10**15 + len(self.media) + secrets.randbelow(10**9)),
            data,
            mime_type,
            expired,
        )
        with self._lock:
            self.media[media.media_id] = media
        return media

    def messages_to(self, number: str) -> List[Dict[str, Any]]:
        """The messages the phone ``number`` received, in order."""
        with self._lock:
            return [copy.deepcopy(m) for m in self.accepted if m.get("to") == number]

    def snapshot(self) -> List[Recorded]:
        """Every request so far."""
        with self._lock:
            return list(self.requests)

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 60.0) -> bool:
        """Poll ``predicate`` until true or ``timeout`` (tests; never a sleep race)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()

    # -- the API -----------------------------------------------------------------

    def _record(self, request: web.Request, status: int, body: Any) -> None:
        with self._lock:
            self.requests.append(Recorded(request.method, request.path, status, body))

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.access_token}"

    async def _messages(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            body = None
        try:
            if not self._authorised(request):
                raise GraphError(401, 190, "Invalid OAuth access token")
            if request.match_info["phone_id"] != self.phone_number_id:
                raise GraphError(
                    400, 100, "Unsupported post request", "phone number id"
                )
            _check(isinstance(body, dict), "JSON object body")
            if body.get("status") == "read":
                _check(isinstance(body.get("message_id"), str), "message_id")
                with self._lock:
                    self.reads.append(body["message_id"])
                self._record(request, 200, body)
                return web.json_response({"success": True})
            validate_message(body)
            if not self._gate.is_set():
                await asyncio.get_running_loop().run_in_executor(None, self._gate.wait)
            with self._lock:
                failure = self._failures.pop(0) if self._failures else None
            if failure == "timeout":
                self._record(request, 0, body)
                await asyncio.sleep(self.hang_seconds)
                raise GraphError(500, 1, "An unknown error has occurred.")
            if failure in _FAILURES:
                status, code, message = _FAILURES[failure]
                raise GraphError(status, code, message)
        except GraphError as error:
            self._record(request, error.status, body)
            return error.response()
        wamid = webhooks.new_wamid()
        accepted = {**copy.deepcopy(body), "id": wamid}
        with self._lock:
            self.accepted.append(accepted)
        self._record(request, 200, body)
        for listener in list(self.listeners):
            listener(accepted)
        if self.send_statuses:
            # Kept referenced: the loop holds tasks weakly.
            task = asyncio.get_running_loop().create_task(self._statuses(accepted))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        if failure == "slow":
            await asyncio.sleep(self.hang_seconds)
        answer: Dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": body["to"], "wa_id": body["to"]}],
            "messages": [{"id": wamid}],
        }
        if body.get("type") == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return web.json_response(answer)

    async def _statuses(self, accepted: Dict[str, Any]) -> None:
        if not self.webhook_url or not self.app_secret:
            return
        for status in ("sent", "delivered"):
            entry = webhooks.meta_status(
                accepted["id"],
                status,
                accepted["to"],
                callback_data=accepted.get("biz_opaque_callback_data"),
            )
            await self.post_webhook(
                webhooks.meta_notification(self.phone_number_id, statuses=[entry])
            )

    async def post_webhook(self, body: Dict[str, Any]) -> int:
        """Post a signed webhook to the channel, as Meta does; returns the status.

        Like Meta, a delivery that fails (no answer, or not 200) is tried again
        (here every two seconds, for about two minutes).
        """
        assert self.webhook_url and self.app_secret
        raw, headers = webhooks.sign_meta(self.app_secret, body)
        status = 0
        for delay in RETRY_DELAYS:
            if self._http is None or self._http.closed:
                self._http = aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=10)
                )
            try:
                async with self._http.post(
                    self.webhook_url, data=raw, headers=headers
                ) as response:
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status = 0
            with self._lock:
                self.status_posts.append({"status": status, "body": body})
            if status == 200:
                return status
            await asyncio.sleep(delay)
        return status

    async def _media_info(self, request: web.Request) -> web.Response:
        media_id = request.match_info["media_id"]
        media = self.media.get(media_id)
        if not self._authorised(request):
            error = GraphError(401, 190, "Invalid OAuth access token")
        elif media is None:
            error = GraphError(400, 100, "Unsupported get request", "unknown media id")
        else:
            suffix = f"/{request.match_info['version']}/{media_id}"
            # Built by hand: this aiohttp/yarl pair cannot rebuild request.url
            # from a Host header with a port.
            base = f"{request.scheme}://{request.host}{request.path[: -len(suffix)]}"
            self._record(request, 200, None)
            return web.json_response(
                {
                    "messaging_product": "whatsapp",
                    "url": f"{base}/media-download/{media.token}",
                    "mime_type": media.mime_type,
                    "sha256": media.sha256,
                    "file_size": len(media.data),
                    "id": media_id,
                }
            )
        self._record(request, error.status, None)
        return error.response()

    async def _media_download(self, request: web.Request) -> web.StreamResponse:
        token = request.match_info["token"]
        media = next((m for m in self.media.values() if m.token == token), None)
        if not self._authorised(request):
            self._record(request, 401, None)
            return web.Response(status=401)
        if media is None or media.expired:
            self._record(request, 404, None)
            return web.Response(status=404, text="URL signature expired")
        self._record(request, 200, None)
        return web.Response(body=media.data, content_type=media.mime_type)

    async def _cleanup(self, _app: web.Application) -> None:
        if self._http is not None:
            await self._http.close()

    def routes(self, prefix: str = "") -> List[web.RouteDef]:
        """The API's routes under ``prefix`` (e.g. ``/dev/graph`` in the console).

        Routes rather than a sub-application: this aiohttp's sub-app lookup
        rebuilds the request URL, which fails with a port in the Host header.
        """
        return [
            web.post(prefix + "/{version}/{phone_id}/messages", self._messages),
            web.get(prefix + "/media-download/{token}", self._media_download),
            web.get(prefix + "/{version}/{media_id}", self._media_info),
        ]

    async def close(self, _app: Optional[web.Application] = None) -> None:
        """Close the client that posts status webhooks."""
        await self._cleanup(_app)  # type: ignore[arg-type]

    def app(self) -> web.Application:
        """The aiohttp application, serving the API at its root."""
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_routes(self.routes())
        app.on_cleanup.append(self._cleanup)
        return app


def meta_json(body: Any) -> str:
    """Compact JSON (for logs of the stand-in itself, never of the product)."""
    return json.dumps(body, separators=(",", ":"))
