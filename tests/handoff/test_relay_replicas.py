"""Several Rasa replicas: a coordinator's message reaches the patient's socket
whichever replica holds it.

Rasa's HTTP API sends the message with the output channel of
``InputChannel.get_output_channel()``; for the widget that emits to the
conversation's room, and with ``REDIS_URL`` python-socketio carries it to the
replica holding the socket. The real Redis on 127.0.0.1:6379; only the last
hop (writing to the browser's socket) is captured.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from rasa.shared.core.events import Event

from bot.channels.widget import WidgetInput
from bot.handoff.relay import coordinator_event
from bot.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


def _replica(monkeypatch: pytest.MonkeyPatch, channel: str) -> WidgetInput:
    settings = Settings(var_dir=Path("/nonexistent"), redis_url=REDIS_URL)
    monkeypatch.setattr(WidgetInput, "_settings", lambda self: settings)
    widget = WidgetInput.from_credentials({})
    widget.sio = widget._make_server()
    widget.sio.manager.channel = channel  # a channel of its own per run
    return widget


def test_a_coordinator_message_sent_on_one_replica_reaches_the_socket_on_another(
    monkeypatch,
) -> None:
    channel = f"handoff-test-{uuid.uuid4().hex}"
    replica_a = _replica(monkeypatch, channel)
    replica_b = _replica(monkeypatch, channel)
    delivered = []

    async def capture(eio_sid, pkt):
        delivered.append((eio_sid, pkt.data))

    replica_b.sio._send_eio_packet = capture
    # What Rasa's API hands the output channel for the appended event.
    event = Event.from_parameters(coordinator_event("Hello, I am Anna.", "Anna"))

    async def scenario() -> None:
        replica_b.sio.manager.initialize()
        sid = await replica_b.sio.manager.connect("eio-widget", "/")
        await replica_b.sio.manager.enter_room(
            sid, "/", "web:patient-7", eio_sid="eio-widget"
        )
        await asyncio.sleep(0.5)  # let B subscribe
        output = replica_a.get_output_channel()  # as Rasa's server resolves it
        await output.send_response("web:patient-7", event.message())
        for _ in range(50):
            if delivered:
                break
            await asyncio.sleep(0.1)
        replica_b.sio.manager.thread.cancel()

    asyncio.run(scenario())
    assert delivered, "the coordinator's message never reached the other replica"
    eio_sid, data = delivered[0]
    assert eio_sid == "eio-widget"
    # A socket.io event packet: '2["bot_uttered", {payload}]'.
    name, payload = json.loads(str(data)[str(data).index("[") :])
    assert name == "bot_uttered"
    assert payload["text"] == "Hello, I am Anna."
    assert payload["metadata"] == {"from": "coordinator", "name": "Anna"}
