"""The console's timed work: the urgent webhook (a local HTTP server stands in for
the team chat) and the call-back offer when nobody claims a ticket."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
from datetime import timedelta
from typing import Any, Dict, List

import pytest
from aiohttp import web

from bot.console.devservers import free_port
from bot.handoff.background import HandoffWorker
from bot.handoff.relay import AiohttpClient, HttpResult, RasaRelay

PATIENT_TEXT = "my father is vomiting blood since the ablation"
SENDER = "web:3f9c2a-patient"


class Webhook:
    """A team chat's incoming webhook: records what it receives."""

    def __init__(self) -> None:
        self.received: List[Dict[str, Any]] = []
        self.status = 200

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(
            {"raw": await request.read(), "headers": dict(request.headers)}
        )
        return web.json_response({"ok": True}, status=self.status)


class FakeRasa:
    """Records the relay's calls; reports the patient's active form."""

    def __init__(self, active_loop: str | None = None) -> None:
        self.calls: List[str] = []
        self.active_loop = active_loop

    async def request(self, method: str, url: str, **kwargs: Any) -> HttpResult:
        if method == "GET":
            return HttpResult(200, {"active_loop": {"name": self.active_loop}})
        self.calls.append(
            kwargs["json_body"]["name"] if "trigger_intent" in url else "events"
        )
        return HttpResult(200, {})


@pytest.fixture
def settings(app_db, monkeypatch):
    from bot.settings import from_env, get_settings

    get_settings.cache_clear()
    return dataclasses.replace(
        from_env(),
        console_public_url="https://console.example.org",
        alert_webhook_secret="w" * 32,
        handoff_opening_hours="always",
        handoff_unclaimed_minutes=10,
    )


async def _serve(webhook: Webhook):
    app = web.Application()
    app.router.add_post("/hook", webhook.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/hook"


def test_urgent_alert_reaches_the_webhook_once_without_health_data(settings, app_db):
    from bot.handoff.escalation import escalate, escalate_urgent
    from bot.store.models import Ticket

    escalate(channel="socketio", sender_id="web:other", reason_code="patient_request")
    ticket_id = escalate_urgent(channel="socketio", sender_id=SENDER, text=PATIENT_TEXT)
    webhook = Webhook()

    async def scenario() -> None:
        runner, url = await _serve(webhook)
        client = AiohttpClient()
        configured = dataclasses.replace(settings, alert_webhook_url=url)
        rasa = RasaRelay("http://rasa.test", "t", FakeRasa())
        # Two console processes run the same work at the same time.
        workers = [HandoffWorker(configured, rasa, client) for _ in range(2)]
        try:
            await asyncio.gather(*(w.send_alerts(_now()) for w in workers))
            await asyncio.gather(*(w.send_alerts(_now()) for w in workers))
        finally:
            await client.close()
            await runner.cleanup()

    asyncio.run(scenario())
    (delivery,) = webhook.received  # once, for the urgent ticket only
    body = json.loads(delivery["raw"])
    assert body == {
        "text": f"Urgent ticket waiting in the coordinator console: "
        f"https://console.example.org/console/tickets/{ticket_id}",
        "url": f"https://console.example.org/console/tickets/{ticket_id}",
        "priority": "urgent",
        "channel": "socketio",
    }
    raw = delivery["raw"].decode()
    for secret in ("vomiting", "blood", "father", SENDER, "3f9c2a"):
        assert secret not in raw
    expected = hmac.new(b"w" * 32, delivery["raw"], hashlib.sha256).hexdigest()
    assert delivery["headers"]["X-Alert-Signature"] == f"sha256={expected}"
    with app_db() as session:
        assert session.get(Ticket, ticket_id).alert_sent_at is not None


def test_a_failed_alert_is_retried_after_a_back_off(settings, app_db):
    from bot.handoff.escalation import escalate_urgent

    escalate_urgent(channel="socketio", sender_id=SENDER, text=PATIENT_TEXT)
    webhook = Webhook()
    webhook.status = 503

    async def scenario() -> None:
        runner, url = await _serve(webhook)
        client = AiohttpClient()
        worker = HandoffWorker(
            dataclasses.replace(settings, alert_webhook_url=url),
            RasaRelay("http://rasa.test", "t", FakeRasa()),
            client,
        )
        try:
            now = _now()
            assert await worker.send_alerts(now) == 0
            assert await worker.send_alerts(now + timedelta(seconds=1)) == 0  # too soon
            webhook.status = 200
            assert await worker.send_alerts(now + timedelta(seconds=6)) == 1
        finally:
            await client.close()
            await runner.cleanup()

    asyncio.run(scenario())
    assert len(webhook.received) == 2


def _now():
    from bot.store.types import utcnow

    return utcnow()


def _age_tickets(app_db, minutes: int) -> None:
    from sqlalchemy import select

    from bot.store.models import Ticket

    with app_db() as session:
        for ticket in session.scalars(select(Ticket)):
            ticket.created_at -= timedelta(minutes=minutes)


def test_an_unclaimed_ticket_gets_one_call_back_offer(settings, app_db):
    from bot.handoff.escalation import escalate

    escalate(channel="socketio", sender_id=SENDER, reason_code="patient_request")
    rasa = FakeRasa()

    async def scenario() -> List[int]:
        worker = HandoffWorker(settings, RasaRelay("http://rasa.test", "t", rasa), rasa)
        offered = [await worker.offer_call_backs(_now())]  # not waited long enough
        _age_tickets(app_db, 11)
        offered.append(await worker.offer_call_backs(_now()))
        offered.append(await worker.offer_call_backs(_now()))  # once only
        return offered

    assert asyncio.run(scenario()) == [0, 1, 0]
    assert rasa.calls == ["EXTERNAL_handoff_unclaimed"]


def test_no_offer_outside_hours_or_while_the_patient_is_in_a_form(settings, app_db):
    from bot.handoff.escalation import escalate

    escalate(channel="socketio", sender_id=SENDER, reason_code="patient_request")
    _age_tickets(app_db, 30)
    in_form = FakeRasa(active_loop="screening_form")

    async def scenario() -> List[int]:
        closed = HandoffWorker(
            dataclasses.replace(settings, handoff_opening_hours="never"),
            RasaRelay("http://rasa.test", "t", in_form),
            in_form,
        )
        busy = HandoffWorker(
            settings, RasaRelay("http://rasa.test", "t", in_form), in_form
        )
        return [
            await closed.offer_call_backs(_now()),
            await busy.offer_call_backs(_now()),
        ]

    assert asyncio.run(scenario()) == [0, 0]
    assert in_form.calls == []
