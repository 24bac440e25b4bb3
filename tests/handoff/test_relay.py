"""The relay talks to Rasa's HTTP API exactly as documented (local fake server)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict, List

import pytest
from aiohttp import web

from bot.console.devservers import free_port
from bot.handoff.relay import AiohttpClient, RasaRelay, RelayError, coordinator_event


class FakeRasa:
    """Records requests like Rasa's server would receive them."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.requests: List[Dict[str, Any]] = []

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(
            {
                "method": request.method,
                "path": request.path,
                "raw_path": request.raw_path.split("?")[0],
                "query": dict(request.query),
                "json": json.loads(body) if body else None,
            }
        )
        if request.method == "GET":
            return web.json_response(
                {"active_loop": {"name": "screening_form"}}, status=self.status
            )
        return web.json_response({}, status=self.status)


async def _with_fake(fake: FakeRasa, scenario) -> None:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    client = AiohttpClient()
    try:
        await scenario(RasaRelay(f"http://127.0.0.1:{port}/", "s3cret", client))
    finally:
        await client.close()
        await runner.cleanup()


def test_staff_message_is_a_bot_event_with_coordinator_metadata() -> None:
    fake = FakeRasa()

    async def scenario(relay: RasaRelay) -> None:
        await relay.send_staff_message(
            "web:abc/../x", "  Hello, I am Anna.  ", "Anna  K"
        )

    asyncio.run(_with_fake(fake, scenario))
    (request,) = fake.requests
    assert request["method"] == "POST"
    # The id is one path segment whatever it contains.
    assert request["raw_path"] == "/conversations/web:abc%2F..%2Fx/tracker/events"
    assert request["query"]["token"] == "s3cret"
    assert request["query"]["execute_side_effects"] == "true"
    assert request["query"]["output_channel"] == "latest"
    (event,) = request["json"]
    assert event["event"] == "bot" and event["text"] == "Hello, I am Anna."
    assert event["metadata"] == {"from": "coordinator", "name": "Anna K"}


def test_state_changes_are_triggered_intents() -> None:
    fake = FakeRasa()

    async def scenario(relay: RasaRelay) -> None:
        await relay.joined("web:abc", "Anna")
        await relay.released("web:abc", "Anna")
        await relay.finished("web:abc", "Anna")
        await relay.unclaimed("web:abc")
        assert await relay.active_loop("web:abc") == "screening_form"

    asyncio.run(_with_fake(fake, scenario))
    posts = [r for r in fake.requests if r["method"] == "POST"]
    # Joining first ends a form silently, then the bot's action announces it.
    assert posts[0]["json"] == [
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": None},
    ]
    assert posts[0]["query"]["execute_side_effects"] == "false"
    assert [p["json"]["name"] for p in posts[1:]] == [
        "EXTERNAL_handoff_claimed",
        "EXTERNAL_handoff_released",
        "EXTERNAL_handoff_finished",
        "EXTERNAL_handoff_unclaimed",
    ]
    assert posts[1]["json"]["entities"] == {"coordinator_name": "Anna"}
    assert all(p["path"].endswith("/trigger_intent") for p in posts[1:])


def test_erasure_notice_names_the_channel_and_starts_a_quiet_session() -> None:
    fake = FakeRasa()

    async def scenario(relay: RasaRelay) -> None:
        await relay.erased("wa:1234", "whatsapp")

    asyncio.run(_with_fake(fake, scenario))
    first, second = fake.requests
    assert first["json"][0] == {"event": "session_started"}
    assert first["query"]["output_channel"] == "whatsapp"
    assert second["json"]["name"] == "EXTERNAL_erasure_done"
    assert second["query"]["output_channel"] == "whatsapp"


def test_a_refusal_or_no_server_is_a_relay_error() -> None:
    async def refused(relay: RasaRelay) -> None:
        with pytest.raises(RelayError, match="401"):
            await relay.send_staff_message("web:a", "hi", "Anna")

    asyncio.run(_with_fake(FakeRasa(status=401), refused))

    async def nobody() -> None:
        client = AiohttpClient()
        relay = RasaRelay(f"http://127.0.0.1:{free_port()}", "t", client, timeout=2)
        try:
            with pytest.raises(RelayError, match="unreachable"):
                await relay.finished("web:a", "Anna")
        finally:
            await client.close()

    asyncio.run(nobody())


def test_empty_or_huge_staff_messages_are_refused_before_sending() -> None:
    with pytest.raises(ValueError):
        coordinator_event("   ", "Anna")
    with pytest.raises(ValueError):
        coordinator_event("x" * 5000, "Anna")
