"""Run an aiohttp stand-in on a free localhost port in a background thread.

Tests and the bench talk to the product over real HTTP while they inspect the
stand-in's records directly::

    graph = GraphApiStandin(phone_number_id="123", access_token="t")
    with StandinServer(graph.app()) as server:
        ... server.url ...
"""

from __future__ import annotations

import asyncio
import socket
import threading
from typing import Any, Callable, Coroutine, Optional

from aiohttp import web

HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class StandinServer:
    """An aiohttp application served from its own thread and event loop."""

    def __init__(self, app: web.Application, port: Optional[int] = None) -> None:
        self.app = app
        self.port = port or _free_port()
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._runner: Optional[web.AppRunner] = None
        self._ready = threading.Event()
        self._error: Optional[BaseException] = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{HOST}:{self.port}"

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self.loop = loop
        asyncio.set_event_loop(loop)

        async def start() -> None:
            self._runner = web.AppRunner(self.app, access_log=None)
            await self._runner.setup()
            await web.TCPSite(self._runner, HOST, self.port).start()

        try:
            loop.run_until_complete(start())
        except BaseException as error:  # noqa: BLE001 - reported to start()
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def start(self) -> "StandinServer":
        """Start serving; returns once the port accepts connections."""
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError(f"stand-in did not start: {self._error!r}")
        return self

    def call(
        self, factory: Callable[[], Coroutine[Any, Any, Any]], timeout: float = 30
    ) -> Any:
        """Run a coroutine in the server's loop and return its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(factory(), self.loop).result(timeout)

    def stop(self) -> None:
        """Stop serving and join the thread."""
        if self.loop is not None and self._thread is not None:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(30)
        self._thread = None

    def __enter__(self) -> "StandinServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
