"""URL map of the console.

Today: the widget's files, the demo page that embeds the widget, and the
health check. The staff escalation console (sign-in, ticket queue,
conversation view, reply, hand back) is a later issue: its routes go in
:func:`add_staff_routes`, which is already called by the app factory, so that
it inherits the security headers and settings.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from string import Template
from typing import Any, Dict

from aiohttp import web

from bot.console.assets import AssetStore
from bot.settings import Settings

TEMPLATES = Path(__file__).resolve().parent / "templates"

SETTINGS_KEY = web.AppKey("settings", Settings)
ASSETS_KEY = web.AppKey("assets", AssetStore)


def widget_config(settings: Settings) -> Dict[str, Any]:
    """The configuration object of the demo page's embed tag."""
    return {
        "serverUrl": settings.public_base_url,
        "title": "Cryoablation questions",
        "lang": "en",
        "open": False,
        "colors": {"primary": "#0b5563", "primaryText": "#ffffff"},
    }


def render_demo_page(settings: Settings) -> str:
    """The demo clinic page, with the widget's one script tag and its config."""
    template = Template((TEMPLATES / "demo.html").read_text(encoding="utf-8"))
    config = json.dumps(widget_config(settings), separators=(",", ":"))
    return template.substitute(widget_config=html.escape(config, quote=True))


async def demo_page(request: web.Request) -> web.Response:
    """``GET /``: a clinic information page about liver cryoablation."""
    body = render_demo_page(request.app[SETTINGS_KEY])
    return web.Response(
        text=body,
        content_type="text/html",
        charset="utf-8",
        headers={"Cache-Control": "no-cache"},
    )


async def healthz(request: web.Request) -> web.Response:
    """``GET /healthz``: the console process is up."""
    return web.json_response({"status": "ok"}, headers={"Cache-Control": "no-store"})


def _asset_response(request: web.Request, relative: str) -> web.StreamResponse:
    asset = request.app[ASSETS_KEY].get(relative)
    if asset is None:
        raise web.HTTPNotFound()
    headers = {
        "ETag": asset.etag,
        # Short: a fixed widget reaches every page within minutes; revisits
        # cost a 304 thanks to the ETag.
        "Cache-Control": "public, max-age=300",
        "Vary": "Accept-Encoding",
    }
    if asset.etag in request.headers.get("If-None-Match", ""):
        return web.Response(status=304, headers=headers)
    body = asset.body
    if "gzip" in request.headers.get("Accept-Encoding", ""):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return web.Response(
        body=body, headers={**headers, "Content-Type": asset.content_type}
    )


async def widget_file(request: web.Request) -> web.StreamResponse:
    """``GET /widget/{path}``: widget.js, widget.css, vendor/socket.io.min.js."""
    return _asset_response(request, "widget/" + request.match_info["path"])


async def site_file(request: web.Request) -> web.StreamResponse:
    """``GET /site/{path}``: the demo page's own stylesheet and images."""
    return _asset_response(request, "site/" + request.match_info["path"])


def add_public_routes(app: web.Application) -> None:
    """Routes anyone may call: demo page, widget files, health."""
    app.router.add_get("/", demo_page)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/widget/{path:.+}", widget_file)
    app.router.add_get("/site/{path:.+}", site_file)


def add_staff_routes(app: web.Application) -> None:
    """Staff escalation console: to be built by the handoff issue.

    Put its routes (under ``/staff/``), sign-in and session middleware here.
    Until then nothing is registered: no staff page exists without sign-in.
    """
