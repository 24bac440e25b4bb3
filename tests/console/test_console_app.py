"""The console serves the demo page and the widget's files, safely and small."""

from __future__ import annotations

import asyncio
import gzip
import html
import json
import re
from pathlib import Path
from typing import Any, Awaitable, Callable

from aiohttp.test_utils import TestClient, TestServer

from bot.console.app import create_app
from bot.console.assets import STATIC_ROOT as STATIC
from bot.console.assets import AssetStore, compact_js, gzipped_size
from bot.settings import PROJECT_ROOT, Settings

SEED = Path("/work/shared/seeds/000_4c5dabd8a3483595.txt")
if not SEED.exists():
    SEED = PROJECT_ROOT / "reference" / "seeds" / "000_4c5dabd8a3483595.txt"
SETTINGS = Settings(public_base_url="https://chat.example.org")


def with_client(test: Callable[[TestClient], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        async with TestClient(TestServer(create_app(SETTINGS))) as client:
            return await test(client)

    return asyncio.run(run())


def test_demo_page_embeds_the_widget_with_one_script_tag() -> None:
    async def check(client: TestClient) -> str:
        resp = await client.get("/")
        assert resp.status == 200
        return await resp.text()

    page = with_client(check)
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert len(scripts) == 1 and 'src="/widget/widget.js"' in scripts[0]
    config = json.loads(html.unescape(re.search(r'data-config="([^"]*)"', page)[1]))
    assert config["serverUrl"] == "https://chat.example.org"
    assert "<h1>Cryoablation for liver tumours</h1>" in page
    # No third-party resource of any kind.
    assert not re.search(r'(src|href)="(https?:)?//', page)


def test_demo_page_states_no_figure_absent_from_the_source() -> None:
    page = with_client(lambda c: _text(c, "/"))
    visible = re.sub(r"<[^>]+>", " ", html.unescape(page))
    seed = SEED.read_text(encoding="utf-8")
    numbers = set(re.findall(r"\d+(?:[.,]\d+)*", visible))
    assert numbers, "the page should carry the source's key figures"
    missing = sorted(n for n in numbers if n not in seed)
    assert missing == []


async def _text(client: TestClient, path: str) -> str:
    resp = await client.get(path)
    return await resp.text()


def test_security_headers() -> None:
    async def check(client: TestClient) -> None:
        for path in ("/", "/healthz", "/widget/widget.js", "/no-such-page"):
            resp = await client.get(path)
            csp = resp.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert (
                "connect-src 'self' https://chat.example.org wss://chat.example.org"
                in csp
            )
            assert "frame-ancestors 'none'" in csp
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert resp.headers["Referrer-Policy"] == "same-origin"
        widget = await client.get("/widget/widget.js")
        assert widget.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        page = await client.get("/")
        assert page.headers["Cross-Origin-Resource-Policy"] == "same-origin"

    with_client(check)


def test_health() -> None:
    async def check(client: TestClient) -> None:
        resp = await client.get("/healthz")
        assert resp.status == 200 and await resp.json() == {"status": "ok"}

    with_client(check)


def test_widget_files_are_gzipped_and_cached() -> None:
    async def check(client: TestClient) -> None:
        for path, kind in (
            ("/widget/widget.js", "text/javascript"),
            ("/widget/widget.css", "text/css"),
            ("/widget/vendor/socket.io.min.js", "text/javascript"),
        ):
            resp = await client.get(path, headers={"Accept-Encoding": "gzip"})
            assert resp.status == 200, path
            assert resp.headers["Content-Type"].startswith(kind)
            assert resp.headers["Content-Encoding"] == "gzip"
            etag = resp.headers["ETag"]
            again = await client.get(path, headers={"If-None-Match": etag})
            assert again.status == 304

    with_client(check)


def test_no_file_outside_the_static_folder() -> None:
    async def check(client: TestClient) -> None:
        for path in (
            "/widget/../../settings.py",
            "/widget/%2e%2e/%2e%2e/settings.py",
            "/widget/.hidden",
            "/widget/",
        ):
            resp = await client.get(path)
            assert resp.status == 404, path

    with_client(check)


def test_asset_store_refuses_escapes_and_unknown_types(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("x")
    (tmp_path / "b.py").write_text("secret")
    store = AssetStore(tmp_path)
    assert store.get("a.js").body == b"x"
    assert store.get("b.py") is None
    assert store.get("../a.js") is None
    assert gzip.decompress(store.get("a.js").gzipped) == b"x"


def test_widget_is_small() -> None:
    # A cheap phone on a poor connection downloads these before the launcher
    # works (socket.io's client only when the chat is opened).
    # The budget: widget.js about 10 KB, widget.css about 3 KB (gzipped).
    assert gzipped_size("widget/widget.js") < 11_000
    assert gzipped_size("widget/widget.css") < 3_300


def test_our_scripts_are_served_without_comment_lines() -> None:
    source = (
        b"/*! header kept */\n(function () {\n  // a comment line\n"
        b'  var url = "https://example.org"; // not a whole line: kept\n'
        b"    return url;\n})();\n"
    )
    assert compact_js(source) == (
        b"/*! header kept */\n(function () {\n"
        b'var url = "https://example.org"; // not a whole line: kept\n'
        b"return url;\n})();\n"
    )
    # Where a line could start inside a string, nothing is touched.
    for risky in (b"var s = `a\n  // b`;\n", b'var s = "a\\\n  // b";\n'):
        assert compact_js(risky) == risky


def test_served_widget_is_the_source_minus_comments() -> None:
    store = AssetStore()
    source = (STATIC / "widget/widget.js").read_bytes()
    served = store.get("widget/widget.js").body
    assert served == compact_js(source) and len(served) < len(source)
    code = [ln.strip() for ln in source.splitlines() if ln.strip()]
    assert [ln for ln in code if not ln.startswith(b"//")] == [
        ln for ln in served.splitlines() if ln.strip()
    ]
    # Vendored, minified files are served byte for byte.
    vendored = store.get("widget/vendor/socket.io.min.js").body
    assert vendored == (STATIC / "widget/vendor/socket.io.min.js").read_bytes()


def test_vendored_socketio_client_is_the_pinned_npm_file() -> None:
    vendored = PROJECT_ROOT / "bot/console/static/widget/vendor/socket.io.min.js"
    lock = json.loads((PROJECT_ROOT / "package-lock.json").read_text())
    version = lock["packages"]["node_modules/socket.io-client"]["version"]
    assert f"Socket.IO v{version}" in vendored.read_text()[:200]
    npm_copy = PROJECT_ROOT / "node_modules/socket.io-client/dist/socket.io.min.js"
    if npm_copy.exists():  # after `make browser`; the vendored file must match
        assert npm_copy.read_bytes() == vendored.read_bytes()
