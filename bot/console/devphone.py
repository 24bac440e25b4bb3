"""The simulated phone: try the WhatsApp channels without a Meta or Twilio account.

Development only (``make run`` sets ``WHATSAPP_SANDBOX=1`` and
``TWILIO_SANDBOX=1`` when no real account is configured). The console then
serves:

* ``/dev/graph/…`` and ``/dev/twilio/…``: the local stand-ins of Meta's Graph
  API and Twilio's Messages API
  (:mod:`bot.channels.whatsapp.standins`), which the Rasa server's WhatsApp
  channels talk to in the sandbox;
* ``/dev/whatsapp/``: a page that looks like a phone. What you type is posted
  to the **real** channel webhook (``/webhooks/whatsapp/webhook`` or
  ``/webhooks/twilio/webhook``) as a correctly signed provider webhook;
  buttons and lists are shown as WhatsApp shows them, and tapping one sends the
  interactive reply Meta would send; a photo or PDF is registered with the
  stand-in and sent as a media message. The page shows what the stand-in
  received, with the blue ticks when the channel marked a message read.

Nothing here is registered outside development.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import aiohttp
from aiohttp import web

from bot.channels.whatsapp.config import (
    SANDBOX_TWILIO_FROM,
    console_url,
    meta_config,
    twilio_config,
)
from bot.channels.whatsapp.standins import webhooks
from bot.channels.whatsapp.standins.graph_api import GraphApiStandin
from bot.channels.whatsapp.standins.twilio_api import TwilioApiStandin
from bot.console import routes
from bot.settings import Settings

logger = logging.getLogger(__name__)

#: Files the simulated phone may send (the channel enforces its own cap too).
MAX_UPLOAD_BYTES = 12 * 1024 * 1024
MAX_TEXT_CHARS = 5000
DEVPHONE_KEY = web.AppKey("devphone", object)


@dataclass
class Item:
    """One bubble of the simulated conversation."""

    seq: int
    side: str  # "patient" or "business"
    body: Dict[str, Any]
    message_id: str = ""
    at: float = field(default_factory=time.time)


class DevPhone:
    """The two stand-ins and what each simulated number sent and received."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.meta = meta_config(settings)
        self.twilio_config = twilio_config(settings)
        self._items: Dict[str, List[Item]] = {}
        self._seq = 0
        self._lock = threading.Lock()
        self.graph: Optional[GraphApiStandin] = None
        self.twilio: Optional[TwilioApiStandin] = None
        if self.meta is not None and self.meta.sandbox:
            self.graph = GraphApiStandin(
                phone_number_id=self.meta.phone_number_id,
                access_token=self.meta.access_token,
                app_secret=self.meta.app_secret,
                webhook_url=f"{settings.rasa_url}/webhooks/whatsapp/webhook",
            )
            self.graph.listeners.append(
                lambda body: self._add(f"meta:{body.get('to')}", "business", body)
            )
        if self.twilio_config is not None and self.twilio_config.sandbox:
            self.twilio = TwilioApiStandin(
                account_sid=self.twilio_config.account_sid,
                auth_token=self.twilio_config.auth_token,
            )
            self.twilio.base_url = f"{console_url(settings)}/dev/twilio"
            self.twilio.listeners.append(
                lambda body: self._add(
                    f"twilio:{body.get('To', '').split('+', 1)[-1]}", "business", body
                )
            )
        self._http: Optional[aiohttp.ClientSession] = None

    @property
    def enabled(self) -> bool:
        """Whether any sandbox channel is configured."""
        return self.graph is not None or self.twilio is not None

    def _add(
        self, key: str, side: str, body: Dict[str, Any], message_id: str = ""
    ) -> None:
        with self._lock:
            self._seq += 1
            self._items.setdefault(key, []).append(
                Item(self._seq, side, body, message_id)
            )

    def items(self, key: str, since: int) -> List[Dict[str, Any]]:
        """Bubbles after ``since``, with the read ticks of the patient's messages."""
        reads = set(self.graph.reads) if self.graph else set()
        with self._lock:
            chosen = [i for i in self._items.get(key, []) if i.seq > since]
        return [
            {
                "seq": i.seq,
                "side": i.side,
                "body": i.body,
                "read": i.message_id in reads,
                "at": i.at,
            }
            for i in chosen
        ]

    # -- sending as the patient -------------------------------------------------

    async def _post(self, url: str, raw: bytes, headers: Dict[str, str]) -> int:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        try:
            async with self._http.post(url, data=raw, headers=headers) as response:
                return response.status
        except aiohttp.ClientError:
            return 502

    async def send_meta(self, number: str, request: Dict[str, Any]) -> int:
        """Post one patient message to the Cloud API channel, signed as Meta signs."""
        assert self.meta is not None and self.graph is not None
        kind = request.get("kind")
        if kind == "text":
            message = webhooks.meta_text(
                number, str(request.get("text", ""))[:MAX_TEXT_CHARS]
            )
            shown = {"type": "text", "text": {"body": message["text"]["body"]}}
        elif kind in ("button", "list"):
            ident, title = (
                str(request.get("id", ""))[:256],
                str(request.get("title", ""))[:80],
            )
            message = (
                webhooks.meta_button_reply(number, ident, title)
                if kind == "button"
                else webhooks.meta_list_reply(number, ident, title)
            )
            shown = {"type": "text", "text": {"body": title}}
        elif kind == "file":
            data, mime, name = _decode_file(request)
            media = self.graph.add_media(data, mime)
            media_kind = "image" if mime.startswith("image/") else "document"
            message = webhooks.meta_media(
                number, media_kind, media.media_id, mime, media.sha256, filename=name
            )
            shown = {"type": media_kind, "filename": name}
        else:
            raise web.HTTPBadRequest(text="unknown kind")
        body = webhooks.meta_notification(
            self.meta.phone_number_id,
            messages=[message],
            contacts=[{"profile": {"name": "Simulated patient"}, "wa_id": number}],
        )
        raw, headers = webhooks.sign_meta(self.meta.app_secret, body)
        self._add(f"meta:{number}", "patient", shown, message["id"])
        return await self._post(
            f"{self.settings.rasa_url}/webhooks/whatsapp/webhook", raw, headers
        )

    async def send_twilio(self, number: str, request: Dict[str, Any]) -> int:
        """Post one patient message to the Twilio channel, signed as Twilio signs."""
        assert self.twilio_config is not None and self.twilio is not None
        kind = request.get("kind")
        sender = f"whatsapp:+{number}"
        common = {
            "account_sid": self.twilio_config.account_sid,
            "to": SANDBOX_TWILIO_FROM,
        }
        if kind == "text":
            text = str(request.get("text", ""))[:MAX_TEXT_CHARS]
            form = webhooks.twilio_message(sender, text, **common)
            shown = {"type": "text", "text": {"body": text}}
        elif kind == "file":
            data, mime, name = _decode_file(request)
            url = self.twilio.add_media(data, mime)
            form = webhooks.twilio_message(sender, "", media=[(url, mime)], **common)
            shown = {
                "type": "image" if mime.startswith("image/") else "document",
                "filename": name,
            }
        else:
            raise web.HTTPBadRequest(text="unknown kind")
        target = f"{self.twilio_config.public_base_url}/webhooks/twilio/webhook"
        raw, headers = webhooks.sign_twilio(self.twilio_config.auth_token, target, form)
        self._add(f"twilio:{number}", "patient", shown, form["MessageSid"])
        return await self._post(
            f"{self.settings.rasa_url}/webhooks/twilio/webhook", raw, headers
        )

    async def close(self, _app: web.Application) -> None:
        """Close the HTTP client."""
        if self._http is not None:
            await self._http.close()


def _decode_file(request: Dict[str, Any]) -> tuple:
    try:
        data = base64.b64decode(str(request.get("data", "")), validate=True)
    except (binascii.Error, ValueError) as error:
        raise web.HTTPBadRequest(text="file is not base64") from error
    if not data or len(data) > MAX_UPLOAD_BYTES:
        raise web.HTTPRequestEntityTooLarge(MAX_UPLOAD_BYTES, len(data))
    mime = str(request.get("mime") or "application/octet-stream")[:100]
    name = str(request.get("name") or "file")[:120]
    return data, mime, name


def _number(value: Any) -> str:
    digits = "".join(c for c in str(value or "") if c.isdigit())
    if not 8 <= len(digits) <= 15:
        raise web.HTTPBadRequest(text="number: 8 to 15 digits")
    return digits


def _same_origin(request: web.Request) -> None:
    """Refuse cross-site posts (a page elsewhere must not drive the phone)."""
    origin = request.headers.get("Origin")
    if origin and origin != f"{request.scheme}://{request.host}":
        raise web.HTTPForbidden(text="cross-origin request")
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(text="JSON only")


async def page(request: web.Request) -> web.Response:
    """``GET /dev/whatsapp/``: the simulated phone."""
    phone: DevPhone = request.app[DEVPHONE_KEY]  # type: ignore[assignment]
    html = (routes.TEMPLATES / "devphone.html").read_text(encoding="utf-8")
    providers = []
    if phone.graph is not None:
        providers.append('<option value="meta">Meta Cloud API</option>')
    if phone.twilio is not None:
        providers.append('<option value="twilio">Twilio</option>')
    html = html.replace("$providers", "".join(providers))
    return web.Response(
        text=html,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-store"},
    )


async def messages(request: web.Request) -> web.Response:
    """``GET /dev/whatsapp/api/messages?provider=&number=&since=``."""
    phone: DevPhone = request.app[DEVPHONE_KEY]  # type: ignore[assignment]
    provider = request.query.get("provider", "meta")
    number = _number(request.query.get("number"))
    try:
        since = int(request.query.get("since", "0"))
    except ValueError:
        since = 0
    return web.json_response(
        {"items": phone.items(f"{provider}:{number}", since)},
        headers={"Cache-Control": "no-store"},
    )


async def send(request: web.Request) -> web.Response:
    """``POST /dev/whatsapp/api/send``: the patient sends something."""
    _same_origin(request)
    phone: DevPhone = request.app[DEVPHONE_KEY]  # type: ignore[assignment]
    # Read past the console's small body cap (files), up to the phone's own.
    raw = await request.content.read(MAX_UPLOAD_BYTES * 2 + 1)
    if len(raw) > MAX_UPLOAD_BYTES * 2:
        raise web.HTTPRequestEntityTooLarge(MAX_UPLOAD_BYTES * 2, len(raw))
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise web.HTTPBadRequest(text="invalid JSON") from error
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="JSON object expected")
    number = _number(body.get("number"))
    if body.get("provider") == "twilio" and phone.twilio is not None:
        status = await phone.send_twilio(number, body)
    elif body.get("provider", "meta") == "meta" and phone.graph is not None:
        status = await phone.send_meta(number, body)
    else:
        raise web.HTTPBadRequest(text="provider not in the sandbox")
    return web.json_response({"webhook_status": status})


async def static(request: web.Request) -> web.StreamResponse:
    """``GET /dev/whatsapp/static/{path}``: the page's script and style."""
    return routes._asset_response(request, "devphone/" + request.match_info["path"])


async def new_number(_request: web.Request) -> web.Response:
    """``GET /dev/whatsapp/api/number``: a fresh simulated number."""
    return web.json_response({"number": "1555" + f"{secrets.randbelow(10**7):07d}"})


def add_dev_routes(app: web.Application, settings: Settings) -> Optional[DevPhone]:
    """Serve the stand-ins and the simulated phone (development only).

    Plain routes under prefixes, not sub-applications (see
    ``GraphApiStandin.routes``).
    """
    if not settings.is_development:
        return None
    phone = DevPhone(settings)
    if not phone.enabled:
        return None
    if phone.graph is not None:
        app.router.add_routes(phone.graph.routes("/dev/graph"))
        app.on_cleanup.append(phone.graph.close)
    if phone.twilio is not None:
        app.router.add_routes(phone.twilio.routes("/dev/twilio"))
        app.on_cleanup.append(phone.twilio.close)
    app[DEVPHONE_KEY] = phone
    app.router.add_get("/dev/whatsapp/", page)
    app.router.add_get("/dev/whatsapp/api/messages", messages)
    app.router.add_get("/dev/whatsapp/api/number", new_number)
    app.router.add_post("/dev/whatsapp/api/send", send)
    app.router.add_get("/dev/whatsapp/static/{path:.+}", static)
    app.on_cleanup.append(phone.close)
    logger.info("Simulated WhatsApp phone at %s/dev/whatsapp/", console_url(settings))
    return phone
