"""The widget channel's configuration: origins, Redis fan-out, Rasa's name."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path

import pytest
from rasa.core.channels.socketio import SocketIOInput
from socketio import AsyncRedisManager

from bot.channels.widget import WidgetInput, WidgetOutput
from bot.settings import Settings


def _channel(monkeypatch: pytest.MonkeyPatch, **settings: object) -> WidgetInput:
    s = Settings(var_dir=Path("/nonexistent"), **settings)
    monkeypatch.setattr(WidgetInput, "_settings", lambda self: s)
    return WidgetInput.from_credentials({"token_max_age_hours": 2})


def test_keeps_rasas_channel_name_and_reads_credentials(monkeypatch) -> None:
    channel = _channel(monkeypatch)
    assert channel.name() == "socketio" == WidgetOutput.name()
    assert channel.token_max_age == 7200
    assert channel.session_persistence is True
    assert channel.socketio_path == "/socket.io"


def test_only_configured_origins_may_connect(monkeypatch) -> None:
    channel = _channel(monkeypatch, widget_allowed_origins=("https://clinic.example",))
    sio = channel._make_server()
    assert sio.eio.cors_allowed_origins == ["https://clinic.example"]


def test_no_origins_means_same_origin_only_not_everyone(monkeypatch) -> None:
    # python-engineio reads [] as "do not check"; None is "same origin".
    sio = _channel(monkeypatch, widget_allowed_origins=())._make_server()
    assert sio.eio.cors_allowed_origins is None


def test_redis_fans_out_between_replicas(monkeypatch) -> None:
    with_redis = _channel(monkeypatch, redis_url="redis://127.0.0.1:1/0")
    assert isinstance(with_redis._make_server().manager, AsyncRedisManager)
    without = _channel(monkeypatch)
    assert not isinstance(without._make_server().manager, AsyncRedisManager)


def test_output_emits_one_payload_per_message_to_the_session_room() -> None:
    sent = []

    class FakeServer:
        async def emit(self, event, data, room=None, **kwargs):
            sent.append((event, data, room))

    out = WidgetOutput(FakeServer())
    asyncio.run(
        out.send_text_with_buttons(
            "s1", "A.\n\nB.", [{"title": "More", "payload": "/faq/risks"}]
        )
    )
    asyncio.run(out.send_custom_json("s1", {"type": "coordinator_left", "name": "A"}))
    asyncio.run(out.send_response("s1", {"text": "", "timestamp": 1.0}))
    assert [(e, r) for e, _, r in sent] == [("bot_uttered", "s1")] * 2
    assert sent[0][1]["text"] == "A.\n\nB."
    assert sent[1][1]["custom"] == {"type": "coordinator_left", "name": "A"}


async def _connected_sid(sio) -> str:
    await sio.manager.connect("eio-1", "/")
    return next(iter(sio.manager.rooms["/"][None]))


async def _no_emit(*args, **kwargs) -> None:
    return None


def _rooms_of(sio, sid: str) -> set:
    return {room for room, members in sio.manager.rooms["/"].items() if sid in members}


def test_rasas_own_channel_never_joins_the_session_room() -> None:
    # The defect this channel fixes: enter_room is a coroutine that Rasa 3.6.21
    # does not await, so the socket stays out of the room replies go to.
    async def scenario() -> set:
        stock = SocketIOInput(session_persistence=True)
        stock.blueprint(lambda message: None)
        sio = stock.sio
        sio.emit = _no_emit
        sid = await _connected_sid(sio)
        with pytest.warns(RuntimeWarning, match="enter_room' was never awaited"):
            await sio.handlers["/"]["session_request"](sid, {"session_id": "s1"})
            gc.collect()  # the un-awaited coroutine warns when collected
        return _rooms_of(sio, sid)

    assert "s1" not in asyncio.run(scenario())


def test_widget_channel_joins_the_room_of_its_new_session(monkeypatch) -> None:
    channel = _channel(monkeypatch, widget_secret="k" * 32)

    async def scenario() -> tuple:
        channel.blueprint(lambda message: None)
        sio = channel.sio
        sessions: dict = {}
        sent: list = []

        async def get_session(sid, namespace=None):
            return sessions.get(sid, {})

        async def save_session(sid, session, namespace=None):
            sessions[sid] = session

        async def emit(event, data=None, **kwargs):
            sent.append((event, data))

        sio.get_session, sio.save_session, sio.emit = get_session, save_session, emit
        sid = await _connected_sid(sio)
        # A guessed id without a token is not the session the socket gets.
        await sio.handlers["/"]["session_request"](sid, {"session_id": "f" * 32})
        return sid, _rooms_of(sio, sid), sent

    sid, rooms, sent = asyncio.run(scenario())
    confirm = dict(sent)["session_confirm"]
    assert confirm["new"] is True and confirm["session_id"] != "f" * 32
    # The room (and Rasa sender id) is the session's namespaced sender id.
    assert f"web:{confirm['session_id']}" in rooms
    assert not any("f" * 32 in room for room in rooms if room)
