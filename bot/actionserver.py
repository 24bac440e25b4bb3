"""The action server, locked: only the Rasa server may run actions.

``python -m bot.actionserver [--port 5055] [--host 127.0.0.1]`` replaces
``rasa run actions``. It serves rasa_sdk's own app (the ``actions`` package,
``POST /webhook``, ``GET /actions``, ``GET /health``) with:

* a shared secret on every request but the health check: the Rasa server
  sends ``Authorization: Bearer <ACTION_SERVER_TOKEN>`` (the action
  endpoint's ``headers`` in endpoints.yml, so it never appears in a URL or an
  access log); anything else gets 401 before an action runs. Without it, one
  POST with a made-up tracker could store a screening the patient never
  typed, withdraw consent, or open tickets for any sender;
* loopback only by default (``ACTION_SERVER_HOST``); no CORS (no browser has
  any business here);
* bodies capped at 4 MB (413): Rasa sends the whole domain and session with
  every call, which outgrows the 64 KB of the public surfaces within a few
  turns of a screening;
* the security headers of every product server, and an error handler that
  answers a bare 500: rasa_sdk's own echoes the whole request (the tracker:
  what the patient typed) back and into the log;
* the log safety net and private file permissions (:mod:`bot.logsafety`).
"""

from __future__ import annotations

import argparse
import logging
from typing import Optional

from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import logsafety
from bot.channels.hardening import (
    MAX_ACTION_BODY_BYTES,
    add_security_headers,
    bearer_token,
    tokens_match,
)

logger = logging.getLogger(__name__)

#: Paths served without the secret (a load balancer's health check).
OPEN_PATHS = frozenset({"/health"})
DEFAULT_PORT = 5055


def create_app(token: str, actions_package: str = "actions") -> Sanic:
    """rasa_sdk's action server app, with the product's protections.

    Args:
        token: the secret the Rasa server presents (``ACTION_SERVER_TOKEN``).
        actions_package: the package of custom actions.

    Raises:
        ValueError: for an empty token (the server would be open).
    """
    if not token:
        raise ValueError("the action server needs a token")
    from rasa_sdk.endpoint import create_app as create_sdk_app

    app = create_sdk_app(actions_package, cors_origins=None)
    app.config.REQUEST_MAX_SIZE = MAX_ACTION_BODY_BYTES

    async def require_token(request: Request) -> Optional[HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        if tokens_match(bearer_token(request), token):
            return None
        return response.json(
            {"error": "not_authenticated", "message": "Only the Rasa server may call."},
            status=401,
            headers={"WWW-Authenticate": "Bearer"},
        )

    app.register_middleware(require_token, "request")
    add_security_headers(app)

    async def safe_error(request: Request, error: Exception) -> HTTPResponse:
        if isinstance(error, SanicException):
            status = getattr(error, "status_code", 500) or 500
            return response.json({"error": type(error).__name__}, status=status)
        # Type only: the message may quote the tracker (logsafety strips the
        # traceback's values as well).
        logger.exception("Action server request failed: %s", type(error).__name__)
        return response.json({"error": "internal_error"}, status=500)

    # Replaces rasa_sdk's handler for Exception (same key in Sanic's table).
    app.error_handler.add(Exception, safe_error)
    return app


def main(argv: Optional[list] = None) -> None:
    """Run the action server until interrupted."""
    from bot.settings import get_settings

    logsafety.prepare_process()
    settings = get_settings()
    parser = argparse.ArgumentParser(description="the product's action server")
    parser.add_argument("--host", default=settings.action_server_host)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    app = create_app(settings.action_token())
    logger.info("Action server on http://%s:%s/", args.host, args.port)
    app.run(host=args.host, port=args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
