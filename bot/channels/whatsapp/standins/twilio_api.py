"""A local stand-in for Twilio's Messages API (WhatsApp), for tests and dev.

Implements, as documented:

* ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with HTTP Basic auth
  (account SID, auth token), form-encoded ``To``, ``From``, ``Body`` (≤ 1,600
  characters), ``MediaUrl``, ``ContentSid`` + ``ContentVariables`` (JSON),
  ``StatusCallback``; answers ``201`` with the Message resource (``sid``
  ``SM…``, ``status: queued`` …). Errors are ``{"code", "message",
  "more_info", "status"}``.
* After accepting, it posts ``sent`` then ``delivered`` to the message's
  ``StatusCallback``, signed with ``X-Twilio-Signature`` as Twilio signs
  (the ``RequestValidator`` algorithm).
* Media a patient sent: ``GET /2010-04-01/Accounts/{sid}/Messages/{MM}/Media/{ME}``
  with Basic auth gives the bytes (404 once expired).

:meth:`fail_next` plans failures: ``"429"`` (code 20429), ``"500"``,
``"timeout"``, ``"window"`` (63016, outside the 24-hour window), ``"bad"``
(21211, invalid number).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

import aiohttp
from aiohttp import web

from bot.channels.whatsapp.standins import webhooks
from bot.channels.whatsapp.standins.graph_api import RETRY_DELAYS, Recorded

_FAILURES = {
    "429": (429, 20429, "Too Many Requests"),
    "500": (500, 20500, "Internal Server Error"),
    "window": (
        400,
        63016,
        "Failed to send freeform message because you are "
        "outside the allowed window.",
    ),
    "bad": (400, 21211, "The 'To' number is not a valid phone number."),
}


@dataclass
class TwilioMedia:
    """A file a simulated patient sent."""

    message_sid: str
    media_sid: str
    data: bytes
    content_type: str
    expired: bool = False


class TwilioApiStandin:
    """Twilio's Messages API for one account (see the module docstring)."""

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        hang_seconds: float = 5.0,
        send_statuses: bool = True,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.hang_seconds = hang_seconds
        self.send_statuses = send_statuses
        self.requests: List[Recorded] = []
        self.accepted: List[Dict[str, Any]] = []
        self.status_posts: List[Dict[str, Any]] = []
        self.media: Dict[str, TwilioMedia] = {}
        self.base_url = ""
        self._failures: List[str] = []
        self._lock = threading.Lock()
        self._http: Optional[aiohttp.ClientSession] = None
        self._tasks: set = set()
        self.listeners: List[Callable[[Dict[str, Any]], None]] = []

    # -- test controls --------------------------------------------------------

    def fail_next(self, *kinds: str) -> None:
        """Fail the next message creations, one kind each."""
        for kind in kinds:
            if kind not in _FAILURES and kind != "timeout":
                raise ValueError(f"unknown failure kind {kind}")
        with self._lock:
            self._failures.extend(kinds)

    def add_media(
        self, data: bytes, content_type: str, *, expired: bool = False
    ) -> str:
        """Register a patient's file; returns its ``MediaUrl`` (needs ``base_url``)."""
        media = TwilioMedia(
            webhooks.new_twilio_sid("MM"),
            webhooks.new_twilio_sid("ME"),
            data,
            content_type,
            expired,
        )
        with self._lock:
            self.media[media.media_sid] = media
        return (
            f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages/"
            f"{media.message_sid}/Media/{media.media_sid}"
        )

    def messages_to(self, number: str) -> List[Dict[str, Any]]:
        """What ``whatsapp:+<number>`` received, in order."""
        digits = number.split(":", 1)[-1].lstrip("+")
        with self._lock:
            return [
                copy.deepcopy(m)
                for m in self.accepted
                if m.get("To") == f"whatsapp:+{digits}"
            ]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 60.0) -> bool:
        """Poll ``predicate`` until true or ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()

    # -- the API ----------------------------------------------------------------

    def _record(self, request: web.Request, status: int, body: Any) -> None:
        with self._lock:
            self.requests.append(Recorded(request.method, request.path, status, body))

    def _authorised(self, request: web.Request) -> bool:
        expected = base64.b64encode(
            f"{self.account_sid}:{self.auth_token}".encode()
        ).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    @staticmethod
    def _error(status: int, code: int, message: str) -> web.Response:
        return web.json_response(
            {
                "code": code,
                "message": message,
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
            status=status,
        )

    async def _create(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        body = {k: str(v) for k, v in form.items()}
        if (
            not self._authorised(request)
            or request.match_info["sid"] != self.account_sid
        ):
            self._record(request, 401, body)
            return self._error(401, 20003, "Authenticate")
        problem = None
        if not body.get("To", "").startswith("whatsapp:+"):
            problem = (400, 21211, "The 'To' number is not a valid phone number.")
        elif not (body.get("Body") or body.get("MediaUrl") or body.get("ContentSid")):
            problem = (400, 21602, "Message body is required.")
        elif len(body.get("Body", "")) > 1600:
            problem = (
                400,
                21617,
                "The concatenated message body exceeds the 1600 " "character limit.",
            )
        elif body.get("ContentVariables"):
            try:
                json.loads(body["ContentVariables"])
            except ValueError:
                problem = (400, 21656, "The ContentVariables parameter is invalid.")
        if problem:
            self._record(request, problem[0], body)
            return self._error(*problem)
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
        if failure == "timeout":
            self._record(request, 0, body)
            await asyncio.sleep(self.hang_seconds)
            return self._error(500, 20500, "Internal Server Error")
        if failure in _FAILURES:
            self._record(request, _FAILURES[failure][0], body)
            return self._error(*_FAILURES[failure])
        sid = webhooks.new_twilio_sid()
        accepted = {**body, "sid": sid}
        with self._lock:
            self.accepted.append(accepted)
        self._record(request, 201, body)
        for listener in list(self.listeners):
            listener(accepted)
        if self.send_statuses and body.get("StatusCallback"):
            # Kept referenced: the loop holds tasks weakly.
            task = asyncio.get_running_loop().create_task(self._statuses(accepted))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        now = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
        return web.json_response(
            {
                "account_sid": self.account_sid,
                "api_version": "2010-04-01",
                "body": body.get("Body", ""),
                "date_created": now,
                "date_sent": None,
                "date_updated": now,
                "direction": "outbound-api",
                "error_code": None,
                "error_message": None,
                "from": body.get("From"),
                "messaging_service_sid": None,
                "num_media": "1" if body.get("MediaUrl") else "0",
                "num_segments": "1",
                "price": None,
                "price_unit": "USD",
                "sid": sid,
                "status": "queued",
                "subresource_uris": {
                    "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/"
                    f"{sid}/Media.json"
                },
                "to": body.get("To"),
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            status=201,
        )

    async def _statuses(self, accepted: Dict[str, Any]) -> None:
        for status in ("sent", "delivered"):
            form = webhooks.twilio_status(
                accepted["sid"],
                status,
                account_sid=self.account_sid,
                to=accepted["To"],
                sender=accepted.get("From", ""),
            )
            await self.post_signed(accepted["StatusCallback"], form)

    async def post_signed(self, url: str, form: Dict[str, str]) -> int:
        """Post a form to ``url`` signed as Twilio signs it; returns the status.

        A callback the channel did not accept is tried again a few times.
        """
        raw, headers = webhooks.sign_twilio(self.auth_token, url, form)
        status = 0
        for delay in RETRY_DELAYS:
            if self._http is None or self._http.closed:
                self._http = aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=10)
                )
            try:
                async with self._http.post(url, data=raw, headers=headers) as response:
                    status = response.status
            except (aiohttp.ClientError, asyncio.TimeoutError):
                status = 0
            with self._lock:
                self.status_posts.append({"status": status, "form": form})
            if 200 <= status < 300:
                return status
            await asyncio.sleep(delay)
        return status

    async def _media(self, request: web.Request) -> web.Response:
        media = self.media.get(request.match_info["media_sid"])
        if not self._authorised(request):
            self._record(request, 401, None)
            return self._error(401, 20003, "Authenticate")
        if media is None or media.expired:
            self._record(request, 404, None)
            return self._error(404, 20404, "The requested resource was not found")
        self._record(request, 200, None)
        return web.Response(body=media.data, content_type=media.content_type)

    async def _cleanup(self, _app: web.Application) -> None:
        if self._http is not None:
            await self._http.close()

    def routes(self, prefix: str = "") -> List[web.RouteDef]:
        """The API's routes under ``prefix`` (e.g. ``/dev/twilio`` in the console)."""
        return [
            web.post(prefix + "/2010-04-01/Accounts/{sid}/Messages.json", self._create),
            web.get(
                prefix
                + "/2010-04-01/Accounts/{sid}/Messages/{message_sid}/Media/{media_sid}",
                self._media,
            ),
        ]

    async def close(self, _app: Optional[web.Application] = None) -> None:
        """Close the client that posts status callbacks."""
        await self._cleanup(_app)  # type: ignore[arg-type]

    def app(self) -> web.Application:
        """The aiohttp application, serving the API at its root."""
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_routes(self.routes())
        app.on_cleanup.append(self._cleanup)
        return app
