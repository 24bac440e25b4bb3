"""The console web app (aiohttp): factory and entry point.

``python -m bot.console`` serves on ``CONSOLE_HOST:CONSOLE_PORT``
(127.0.0.1:8080 by default).
"""

from __future__ import annotations

import logging
from typing import Optional

from aiohttp import web

from bot.console import routes, security
from bot.console.assets import AssetStore
from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

#: Requests to the console are small; a large body is refused early.
MAX_REQUEST_BYTES = 64 * 1024


def create_app(settings: Optional[Settings] = None) -> web.Application:
    """Build the console application.

    Args:
        settings: configuration; ``get_settings()`` by default (tests pass
            their own).

    Returns:
        The aiohttp application, not yet running.
    """
    s = settings or get_settings()
    app = web.Application(
        middlewares=[security.middleware(s.public_base_url)],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[routes.SETTINGS_KEY] = s
    app[routes.ASSETS_KEY] = AssetStore()
    routes.add_public_routes(app)
    routes.add_staff_routes(app)
    if s.is_development:
        # The simulated WhatsApp phone and the provider stand-ins (sandbox only).
        from bot.console.devphone import add_dev_routes

        add_dev_routes(app, s)
    return app


def main() -> None:
    """Run the console until interrupted."""
    from bot import logsafety

    # Private files under var/, no patient text or token in the log.
    logsafety.prepare_process()
    s = get_settings()
    logger.info(
        "Console on http://%s:%s/ (widget talks to %s)",
        s.console_host,
        s.console_port,
        s.public_base_url,
    )
    web.run_app(
        create_app(s),
        host=s.console_host,
        port=s.console_port,
        print=None,
        access_log=None,
    )
