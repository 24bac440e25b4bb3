"""The widget channel's configuration: origins, Redis fan-out, Rasa's name."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
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
