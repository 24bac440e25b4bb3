"""What every Sanic server of the product enforces, whatever the route.

The Rasa server is Rasa's Sanic app; the product reaches it through its input
channels. :func:`harden_rasa_app` is called when one of the product's
channels registers its blueprint (:class:`HardenedBlueprint`; the widget's
blueprint does the same), before the server accepts a connection, and is
idempotent. It:

* caps request bodies at :data:`MAX_BODY_BYTES` (64 KB): a larger body gets
  413 before any handler runs (Sanic's ``REQUEST_MAX_SIZE``);
* refuses every route of Rasa's HTTP API (everything outside ``/``,
  ``/webhooks/…`` and the widget's socket.io path) without the API token,
  compared in constant time (401), even if Rasa was started without
  ``--auth-token`` or with ``--enable-api`` by mistake. The token is Rasa's
  ``?token=`` query parameter (what Rasa itself checks) or an
  ``Authorization: Bearer`` header;
* adds the console's security headers (:mod:`bot.console.security`) to every
  response, errors included, with a CSP for an API that serves no pages and
  ``Cache-Control: no-store`` (answers carry health information);
* installs the logging safety net and the private umask in the process
  (:mod:`bot.logsafety`).

The action server (:mod:`bot.actionserver`) uses :func:`add_security_headers`
and a larger body cap of its own (:data:`MAX_ACTION_BODY_BYTES`).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from typing import Any, Dict, Mapping, Optional, Tuple

from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import logsafety

logger = logging.getLogger(__name__)

#: Largest request body the public surfaces accept (413 above): the Rasa
#: server (channels and HTTP API) and the console.
MAX_BODY_BYTES = 64 * 1024
#: The action server's cap. Rasa sends it the whole domain (about 40 KB of
#: responses) and every event of the session (a few KB per turn), so 64 KB
#: would stop a screening after a few answers; its callers are authenticated.
MAX_ACTION_BODY_BYTES = 4 * 1024 * 1024
#: Paths of the Rasa server that the channels guard themselves (a channel
#: serving elsewhere, like the widget's socket.io path, adds its own).
PUBLIC_PREFIXES = ("/webhooks/",)
#: Content-Security-Policy of JSON APIs (nothing may be loaded or framed).
API_CSP = (
    "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

#: Client metadata a channel may keep, and the longest value of each.
ALLOWED_METADATA: Dict[str, int] = {"language": 16, "client": 64, "message_id": 64}

_HARDENED = "_cryo_hardened"
_PUBLIC = "_cryo_public_prefixes"


def tokens_match(provided: Optional[str], expected: str) -> bool:
    """Constant-time comparison of a presented token with the expected one."""
    if not provided or not expected:
        return False
    return hmac.compare_digest(provided.encode("utf-8"), expected.encode("utf-8"))


def bearer_token(request: Request) -> Optional[str]:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def client_address(request: Request) -> str:
    """The client's address: the proxy-forwarded one when Sanic trusts a proxy.

    Sanic reads ``Forwarded``/``X-Forwarded-For`` only when configured
    (``SANIC_PROXIES_COUNT`` or ``SANIC_REAL_IP_HEADER``, see the README);
    otherwise the socket's peer.
    """
    return request.remote_addr or request.ip or ""


def is_loopback(address: str) -> bool:
    """True for 127.0.0.0/8 and ::1.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("10.0.0.1")
    (True, True, False)
    """
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def clean_metadata(raw: Any) -> Dict[str, str]:
    """Client metadata reduced to :data:`ALLOWED_METADATA` (short strings only).

    Anything else a client sends (nested objects, megabytes) is dropped, so
    that nothing but these few fields reaches the tracker.

    >>> clean_metadata({"language": "en", "x": "y", "client": {"a": 1}})
    {'language': 'en'}
    """
    if not isinstance(raw, Mapping):
        return {}
    kept = {}
    for key, limit in ALLOWED_METADATA.items():
        value = raw.get(key)
        if isinstance(value, str) and 0 < len(value) <= limit and value.isprintable():
            kept[key] = value
    return kept


def security_headers(path: str) -> Dict[str, str]:
    """The console's security headers, for an API response on ``path``."""
    from bot.console.security import security_headers as console_headers

    headers = console_headers("http://localhost", path)
    headers["Content-Security-Policy"] = API_CSP
    if "socket.io" in path:
        # The widget's socket is used from the clinic's pages (other origins).
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return headers


def add_security_headers(app: Sanic) -> None:
    """Add :func:`security_headers` (and ``no-store``) to every response of ``app``."""

    async def secure_response(request: Request, resp: HTTPResponse) -> None:
        if resp is None:  # pragma: no cover - streamed responses
            return
        for name, value in security_headers(request.path).items():
            resp.headers.setdefault(name, value)
        resp.headers.setdefault("Cache-Control", "no-store")

    app.register_middleware(secure_response, "response")


def _api_gate(app: Sanic, token: str) -> None:
    async def require_api_token(request: Request) -> Optional[HTTPResponse]:
        path = request.path
        if path == "/" or path.startswith(tuple(getattr(app.ctx, _PUBLIC))):
            return None
        provided = request.args.get("token") or bearer_token(request)
        if tokens_match(provided, token):
            return None
        return response.json(
            {"error": "not_authenticated", "message": "A valid API token is required."},
            status=401,
        )

    app.register_middleware(require_api_token, "request")


def harden_rasa_app(app: Sanic, public_prefixes: Tuple[str, ...] = ()) -> None:
    """Apply the server-wide protections to Rasa's app (once per app).

    Args:
        app: Rasa's Sanic app.
        public_prefixes: paths the calling channel serves and guards itself
            outside ``/webhooks/`` (the widget's socket.io path), which the
            API token gate must leave to it.

    Raises:
        bot.settings.SettingsError: outside development without ``RASA_TOKEN``.
    """
    public = getattr(app.ctx, _PUBLIC, None)
    if public is None:
        public = set(PUBLIC_PREFIXES)
        setattr(app.ctx, _PUBLIC, public)
    public.update(p for p in public_prefixes if p and p != "/")
    if getattr(app.ctx, _HARDENED, False):
        return
    from bot.settings import get_settings

    logsafety.private_umask()
    logsafety.install()
    app.config.REQUEST_MAX_SIZE = MAX_BODY_BYTES
    _api_gate(app, get_settings().rasa_api_token())
    add_security_headers(app)
    setattr(app.ctx, _HARDENED, True)


class HardenedBlueprint(Blueprint):
    """A Sanic blueprint whose registration hardens the whole Rasa server.

    Every input channel of the product returns one from ``blueprint()``
    (WhatsApp and Twilio too), so the protections are on whichever channels a
    deployment enables.
    """

    def register(self, app: Sanic, options: Dict[str, Any]) -> None:
        """Harden the app, then register the routes as usual."""
        harden_rasa_app(app)
        super().register(app, options)
