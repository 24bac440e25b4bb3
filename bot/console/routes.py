"""URL map of the console.

Public: the widget's files, the demo page that embeds the widget, and the
health check. Staff (under ``/console/``, sign-in required, see
:mod:`bot.console.auth`): the escalation console of :mod:`bot.console.views`
and its live streams (:mod:`bot.console.live`).
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
FEED_KEY = web.AppKey("feed", object)
RELAY_KEY = web.AppKey("relay", object)
WORKER_KEY = web.AppKey("worker", object)
TEMPLATES_KEY = web.AppKey("templates", object)


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


async def console_file(request: web.Request) -> web.StreamResponse:
    """``GET /console/static/{path}``: the console's own script and stylesheet."""
    return _asset_response(request, "console/" + request.match_info["path"])


async def console_root(request: web.Request) -> web.StreamResponse:
    """``GET /console``: the queue lives at ``/console/``."""
    raise web.HTTPSeeOther("/console/")


def add_staff_routes(app: web.Application) -> None:
    """The staff escalation console (see bot/console/README.md).

    Every route here but the sign-in page and the static files requires a
    signed-in session (the middleware of :mod:`bot.console.auth`); admin
    pages also check the role.
    """
    from bot.console import live, views

    app.router.add_get("/console", console_root)
    app.router.add_get("/console/static/{path:.+}", console_file)
    app.router.add_get("/console/signin", views.signin_page)
    app.router.add_post("/console/signin", views.signin_submit)
    app.router.add_post("/console/signout", views.signout)
    app.router.add_get("/console/", views.queue_page)
    app.router.add_get("/console/events", live.queue_stream)
    app.router.add_get(r"/console/tickets/{ticket_id}", views.ticket_page)
    app.router.add_get(r"/console/tickets/{ticket_id}/events", live.ticket_stream)
    app.router.add_post(r"/console/tickets/{ticket_id}/claim", views.claim)
    app.router.add_post(r"/console/tickets/{ticket_id}/release", views.release)
    app.router.add_post(r"/console/tickets/{ticket_id}/resolve", views.resolve)
    app.router.add_post(r"/console/tickets/{ticket_id}/reply", views.reply)
    app.router.add_post(r"/console/tickets/{ticket_id}/notes", views.add_note)
    app.router.add_post(r"/console/tickets/{ticket_id}/erase", views.erase)
    app.router.add_get(
        r"/console/tickets/{ticket_id}/attachments/{attachment_id}",
        views.download_attachment,
    )
    app.router.add_get("/console/staff", views.staff_page)
    app.router.add_post("/console/staff", views.staff_add)
    app.router.add_post(r"/console/staff/{staff_id}/active", views.staff_active)
    app.router.add_get("/console/audit", views.audit_page)
