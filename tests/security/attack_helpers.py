"""Helpers of the security tests: the attacks of issue 9 against real servers.

Each module starts its own :class:`~bot.console.devservers.ServerSet` (action
server, Rasa server, console) on free ports with a throw-away ``var`` dir,
exactly as ``scripts/run.sh`` starts them, and plays the attacker over HTTP and
socket.io. Helpers here speak raw HTTP (urllib, or a socket when the body is
too large to send whole) so that nothing hides a status code.
"""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Set, Tuple
from urllib.parse import urlsplit

import pytest
import socketio

from bot.console.devservers import ServerSet
from bot.settings import PROJECT_ROOT

MODEL = PROJECT_ROOT / "models" / "cryo.tar.gz"
#: Generous: only reached when something is broken.
WAIT_S = 120.0


@dataclass
class Reply:
    """One HTTP answer."""

    status: int
    headers: Dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def header(self, name: str) -> Optional[str]:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


def http(
    method: str,
    url: str,
    body: Any = None,
    *,
    raw: Optional[bytes] = None,
    content_type: Optional[str] = "application/json",
    headers: Optional[Mapping[str, str]] = None,
) -> Reply:
    """Send one request and return the answer, whatever its status."""
    data = (
        raw
        if raw is not None
        else (None if body is None else json.dumps(body).encode())
    )
    sent = dict(headers or {})
    if content_type:
        sent["Content-Type"] = content_type
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=WAIT_S) as resp:  # noqa: S310
            return Reply(resp.status, dict(resp.headers), resp.read())
    except urllib.error.HTTPError as error:
        return Reply(error.code, dict(error.headers), error.read())


def post_declaring(url: str, size: int, headers: Mapping[str, str]) -> Reply:
    """A POST that declares a ``size``-byte body, answered before it is sent.

    A server refusing the size answers from the headers alone; sending the
    body first would race its closing of the connection.
    """
    parts = urlsplit(url)
    target = f"{parts.path}?{parts.query}" if parts.query else parts.path
    head = [f"POST {target} HTTP/1.1", f"Host: {parts.netloc}"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    head += [f"Content-Length: {size}", "Connection: close", "", ""]
    with socket.create_connection((parts.hostname, parts.port), timeout=WAIT_S) as sock:
        sock.sendall("\r\n".join(head).encode("ascii"))
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head_bytes, _, body = raw.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    got = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return Reply(status, got, body)


def rest(servers: ServerSet, body: Any = None, **kwargs: Any) -> Reply:
    """POST to the REST channel."""
    return http("POST", f"{servers.rasa_url}/webhooks/rest/webhook", body, **kwargs)


def api(servers: ServerSet, method: str, path: str, body: Any = None) -> Reply:
    """Rasa's HTTP API with the token (as the staff console calls it)."""
    sep = "&" if "?" in path else "?"
    return http(
        method, f"{servers.rasa_url}{path}{sep}token={servers.rasa_token}", body
    )


def tracker_events(servers: ServerSet, sender: str) -> List[Dict[str, Any]]:
    """The events of a conversation (empty when it does not exist)."""
    from urllib.parse import quote

    reply = api(servers, "GET", f"/conversations/{quote(sender, safe=':')}/tracker")
    assert reply.status == 200, reply.body
    return reply.json.get("events") or []


def user_texts(servers: ServerSet, sender: str) -> List[str]:
    return [e["text"] for e in tracker_events(servers, sender) if e["event"] == "user"]


def texts(reply: Reply) -> List[str]:
    return [m.get("text") or "" for m in reply.json]


def db_rows(servers: ServerSet, sql: str, *params: Any) -> List[Tuple]:
    """Rows of the product's SQLite database, read as an outsider would."""
    with sqlite3.connect(servers.var_dir / "app.db", timeout=30) as connection:
        return connection.execute(sql, params).fetchall()


def listening_addresses(port: int) -> Set[str]:
    """Addresses a TCP port listens on, from /proc/net/tcp{,6} (Linux)."""
    found: Set[str] = set()
    for name, width in (("tcp", 8), ("tcp6", 32)):
        path = Path("/proc/net") / name
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            if width == 8:
                found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
            else:
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


@dataclass
class WidgetClient:
    """A socket.io client of the widget channel that records what it receives."""

    servers: ServerSet
    events: Dict[str, List[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        for name in ("session_confirm", "bot_uttered", "user_echo", "replay"):
            self.sio.on(name, self._recorder(name))

    def _recorder(self, name: str) -> Any:
        async def record(data: Any) -> None:
            self.events.setdefault(name, []).append(data)

        return record

    async def connect(self) -> Dict[str, Any]:
        """Connect from the demo page's origin and open a new session."""
        await self.sio.connect(
            self.servers.rasa_url,
            headers={"Origin": self.servers.console_url},
            transports=["polling"],
            wait_timeout=30,
        )
        await self.sio.emit("session_request", {})
        return (await self.wait_for("session_confirm"))[-1]

    async def wait_for(self, name: str, count: int = 1) -> List[Any]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_S
        while len(self.events.get(name, [])) < count:
            if loop.time() > deadline:
                raise AssertionError(f"no {name} #{count}: got {self.events}")
            await asyncio.sleep(0.05)
        return self.events[name]

    async def say(self, message: Any, **extra: Any) -> Dict[str, Any]:
        """Send a message; the ack comes after the bot's replies were emitted."""
        return await self.sio.call(
            "user_uttered", {"message": message, **extra}, timeout=WAIT_S
        )

    def bot_texts(self) -> List[str]:
        return [m.get("text") or "" for m in self.events.get("bot_uttered", [])]

    async def close(self) -> None:
        await self.sio.eio.disconnect(abort=True)


def start_servers(tmp_path_factory: pytest.TempPathFactory, **kwargs: Any) -> ServerSet:
    if not MODEL.exists():
        pytest.fail(f"{MODEL} does not exist: run `make train` first")
    servers = ServerSet(
        model=MODEL, var_dir=tmp_path_factory.mktemp("security-var"), **kwargs
    )
    servers.start()
    return servers


class RefusingRedis:
    """A stand-in Redis that answers PING and refuses every other command.

    The Rasa server checks its lock store with PING at start-up and starts;
    the first conversation lock it takes then fails, inside the processing of
    a patient's message: the failure path of issue 9's finding 3.
    """

    def __init__(self) -> None:
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self.url = f"redis://127.0.0.1:{self._server.getsockname()[1]}/0"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> "RefusingRedis":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=10)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            threading.Thread(
                target=self._answer, args=(connection,), daemon=True
            ).start()

    @staticmethod
    def _commands(buffer: bytes) -> Tuple[List[bytes], bytes]:
        """Complete RESP commands in ``buffer`` (their names), and the rest."""
        names = []
        while buffer.startswith(b"*"):
            head, sep, rest = buffer.partition(b"\r\n")
            if not sep:
                break
            parts = []
            for _ in range(int(head[1:])):
                length_line, sep, rest = rest.partition(b"\r\n")
                if not sep or len(rest) < int(length_line[1:]) + 2:
                    return names, buffer
                size = int(length_line[1:])
                parts.append(rest[:size])
                rest = rest[size + 2 :]
            names.append(parts[0].upper() if parts else b"")
            buffer = rest
        return names, buffer

    def _answer(self, connection: socket.socket) -> None:
        buffer = b""
        with connection:
            while not self._stop.is_set():
                try:
                    chunk = connection.recv(65536)
                except OSError:
                    return
                if not chunk:
                    return
                names, buffer = self._commands(buffer + chunk)
                for name in names:
                    reply = (
                        b"+PONG\r\n" if name == b"PING" else b"-ERR refused by test\r\n"
                    )
                    connection.sendall(reply)
