"""The console web app (aiohttp): factory and entry point.

``python -m bot.console`` serves on ``CONSOLE_HOST:CONSOLE_PORT``
(127.0.0.1:8080 by default): the widget's files and demo page, and the staff
escalation console under ``/console/`` with its live feed
(:mod:`bot.console.live`) and the handoff's timed work
(:mod:`bot.handoff.background`) running in the background.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bot import logsafety
from bot.console import auth, routes, security
from bot.console.assets import AssetStore
from bot.console.devphone import add_dev_routes
from bot.console.live import LiveFeed
from bot.handoff.background import HandoffWorker
from bot.handoff.relay import AiohttpClient, HttpClient, RasaRelay
from bot.settings import Settings, get_settings, rasa_api_token

logger = logging.getLogger(__name__)

#: Requests to the console are small; a large body is refused early.
MAX_REQUEST_BYTES = 64 * 1024


def templates() -> Any:
    """The console's Jinja2 templates, autoescaped (patient text is never HTML)."""
    env = Environment(
        loader=FileSystemLoader(str(routes.TEMPLATES / "console")),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def create_app(
    settings: Optional[Settings] = None,
    *,
    relay: Optional[RasaRelay] = None,
    webhook_client: Optional[HttpClient] = None,
    background: bool = True,
) -> web.Application:
    """Build the console application.

    Args:
        settings: configuration; ``get_settings()`` by default (tests pass
            their own).
        relay: how staff messages reach patients (Rasa's HTTP API by default;
            tests pass one pointed at a local server).
        webhook_client: the HTTP client of the urgent-alert webhook.
        background: run the live feed and the handoff worker.

    Returns:
        The aiohttp application, not yet running.
    """
    s = settings or get_settings()
    app = web.Application(
        middlewares=[security.middleware(s.public_base_url), auth.middleware(s)],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[routes.SETTINGS_KEY] = s
    app[routes.ASSETS_KEY] = AssetStore()
    app[routes.TEMPLATES_KEY] = templates()
    app[routes.RELAY_KEY] = relay or RasaRelay(s.rasa_url, rasa_api_token(s))
    app[routes.FEED_KEY] = LiveFeed(poll_seconds=s.console_poll_ms / 1000)
    app[routes.WORKER_KEY] = HandoffWorker(
        s, app[routes.RELAY_KEY], webhook_client or AiohttpClient()
    )
    routes.add_public_routes(app)
    routes.add_staff_routes(app)
    if s.is_development:
        # The simulated WhatsApp phone and the provider stand-ins (sandbox only).
        add_dev_routes(app, s)
    if background:
        app.on_startup.append(_start_background)
    app.on_cleanup.append(_stop_background)
    return app


async def _start_background(app: web.Application) -> None:
    app[routes.FEED_KEY].start()
    app[routes.WORKER_KEY].start()


async def _stop_background(app: web.Application) -> None:
    await app[routes.FEED_KEY].stop()
    await app[routes.WORKER_KEY].stop()
    for client in (app[routes.RELAY_KEY].client, app[routes.WORKER_KEY].webhook_client):
        close = getattr(client, "close", None)
        if close is not None:
            await close()


def main() -> None:
    """Run the console until interrupted."""
    # Private files under var/, no patient text or token in the log.
    logsafety.prepare_process()
    s = get_settings()
    logger.info(
        "Console on http://%s:%s/ (staff console at /console/; widget talks to %s)",
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
