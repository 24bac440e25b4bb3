"""HTTP security headers of every console response.

The Content-Security-Policy allows scripts, styles and connections from the
console itself and connections to the Rasa server's socket (its public
address, ``PUBLIC_BASE_URL``) and nowhere else; no inline script, no framing.
"""

from __future__ import annotations

from typing import Awaitable, Callable, Dict
from urllib.parse import urlsplit

from aiohttp import web


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of a URL (no path).

    Raises:
        ValueError: if the URL has no http(s) scheme or no host.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def socket_sources(server_url: str) -> str:
    """The CSP sources for the widget's socket: the http(s) and ws(s) origins.

    A host source ``http://h:p`` does not cover ``ws://h:p`` in every browser,
    so both are listed.
    """
    origin = origin_of(server_url)
    websocket = "wss" + origin[5:] if origin.startswith("https") else "ws" + origin[4:]
    return f"{origin} {websocket}"


def content_security_policy(server_url: str | None) -> str:
    """The CSP of console pages that embed the widget talking to ``server_url``.

    The staff console (``server_url=None``) connects to itself only.
    """
    connect = f"'self' {socket_sources(server_url)}" if server_url else "'self'"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def security_headers(server_url: str, path: str) -> Dict[str, str]:
    """Headers for one response.

    Args:
        server_url: the Rasa server's public URL (for ``connect-src``).
        path: the request path; widget files may be loaded by other sites'
            pages (``Cross-Origin-Resource-Policy: cross-origin``).

    Returns:
        Header names and values.
    """
    embeddable = path.startswith("/widget/")
    staff = path == "/console" or path.startswith("/console/")
    return {
        "Content-Security-Policy": content_security_policy(
            None if staff else server_url
        ),
        "X-Content-Type-Options": "nosniff",
        # A cancer-information page: do not tell other sites where a visitor
        # came from.
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
        "Cross-Origin-Resource-Policy": "cross-origin" if embeddable else "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
    }


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def middleware(server_url: str) -> Callable[..., Awaitable[web.StreamResponse]]:
    """Middleware (aiohttp) adding :func:`security_headers` to every response."""

    @web.middleware
    async def add_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            resp = await handler(request)
        except web.HTTPException as exc:
            # Error pages get the headers too.
            exc.headers.update(security_headers(server_url, request.path))
            raise
        if not resp.prepared:  # a stream sets its headers before it starts
            headers = security_headers(server_url, request.path)
            # A handler may set a stricter policy of its own (a download is
            # sandboxed); it is kept.
            if "Content-Security-Policy" in resp.headers:
                headers.pop("Content-Security-Policy")
            resp.headers.update(headers)
        return resp

    return add_headers
