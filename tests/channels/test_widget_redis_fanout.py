"""Several Rasa replicas: a reply emitted on one reaches a widget connected to another.

Uses the real Redis on 127.0.0.1:6379 (always running on this project's
machines) and the servers the widget channel itself builds when REDIS_URL is
set. Only the last hop (writing the packet to the browser's socket) is
captured instead of sent.
"""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest

from bot.channels.widget import WidgetInput
from bot.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


def _server(monkeypatch: pytest.MonkeyPatch, channel: str):
    settings = Settings(var_dir=Path("/nonexistent"), redis_url=REDIS_URL)
    monkeypatch.setattr(WidgetInput, "_settings", lambda self: settings)
    server = WidgetInput.from_credentials({})._make_server()
    # A channel of its own, so parallel runs never hear each other.
    server.manager.channel = channel
    return server


#: Generous: only reached when something is broken.
DEADLINE_S = 60.0


def _subscribers(channel: str) -> int:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        return int(dict(client.pubsub_numsub(channel)).get(channel.encode(), 0))
    finally:
        client.close()


async def _until(condition, failure: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(failure)
        await asyncio.sleep(0.05)


def test_reply_on_one_replica_reaches_the_widget_on_another(monkeypatch) -> None:
    channel = f"widget-test-{uuid.uuid4().hex}"
    replica_a = _server(monkeypatch, channel)
    replica_b = _server(monkeypatch, channel)
    delivered = []

    async def capture(eio_sid, pkt):
        delivered.append((eio_sid, str(pkt.data)))

    replica_b._send_eio_packet = capture

    async def scenario() -> None:
        replica_b.manager.initialize()  # starts B's Redis listener
        # A widget whose socket is held by replica B, in its conversation's room.
        sid = await replica_b.manager.connect("eio-widget", "/")
        await replica_b.manager.enter_room(sid, "/", "patient-42", eio_sid="eio-widget")
        # Wait until B has subscribed (a condition, not a guess of how long).
        await _until(lambda: _subscribers(channel) >= 1, "replica B never subscribed")
        # Replica A answers that conversation (it holds no socket of it).
        await replica_a.emit("bot_uttered", {"text": "hello from A"}, room="patient-42")
        await _until(lambda: bool(delivered), "the reply never crossed Redis")
        replica_b.manager.thread.cancel()

    asyncio.run(scenario())
    assert delivered, "the reply never crossed Redis to the other replica"
    eio_sid, data = delivered[0]
    assert eio_sid == "eio-widget"
    assert "bot_uttered" in data and "hello from A" in data


def test_without_redis_a_replica_keeps_messages_to_itself(monkeypatch) -> None:
    settings = Settings(var_dir=Path("/nonexistent"))
    monkeypatch.setattr(WidgetInput, "_settings", lambda self: settings)
    server = WidgetInput.from_credentials({})._make_server()
    assert type(server.manager).__name__ == "AsyncManager"
