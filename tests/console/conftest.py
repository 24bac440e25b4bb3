"""A console app on a migrated SQLite database, with a recording stand-in for Rasa."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any, Awaitable, Callable, Dict, List

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.handoff.relay import HttpResult, RasaRelay

PASSWORD = "correct horse battery staple"


class RecordingHttp:
    """An :class:`~bot.handoff.relay.HttpClient` that records what Rasa would get."""

    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.status = 200

    async def request(self, method: str, url: str, **kwargs: Any) -> HttpResult:
        self.calls.append({"method": method, "url": url, **kwargs})
        return HttpResult(self.status, {})

    def intents(self) -> List[str]:
        return [
            c["json_body"]["name"]
            for c in self.calls
            if c["url"].split("?")[0].endswith("/trigger_intent")
        ]

    def bot_texts(self) -> List[str]:
        return [
            e.get("text")
            for c in self.calls
            if isinstance(c.get("json_body"), list)
            for e in c["json_body"]
            if e.get("event") == "bot"
        ]


@pytest.fixture
def rasa_http() -> RecordingHttp:
    return RecordingHttp()


@pytest.fixture
def console_settings(app_db, monkeypatch):
    """Settings of a test console (development mode, fast live feed)."""
    from bot.settings import from_env, get_settings

    monkeypatch.setenv("HANDOFF_OPENING_HOURS", "never")
    get_settings.cache_clear()
    return dataclasses.replace(from_env(), console_poll_ms=50)


@pytest.fixture
def cheap_hashes(monkeypatch):
    """Accounts here are not what is measured: a cheaper scrypt for speed.

    (tests/store/test_store_handoff.py checks the production parameters.)
    """
    from bot.store import staff

    monkeypatch.setattr(staff, "SCRYPT_N", 2**12)


@pytest.fixture
def make_staff(app_db, cheap_hashes):
    from bot.store.staff import create_staff

    def make(email: str, role: str = "coordinator", name: str | None = None) -> int:
        with app_db() as session:
            return create_staff(
                session=session,
                email=email,
                password=PASSWORD,
                role=role,
                display_name=name,
            ).id

    return make


@pytest.fixture
def console(console_settings, rasa_http):
    """``console(scenario)`` runs ``await scenario(client)`` against a fresh app."""
    from bot.console.app import create_app

    def run(scenario: Callable[[TestClient], Awaitable[Any]], settings=None) -> Any:
        async def main() -> Any:
            app = create_app(
                settings or console_settings,
                relay=RasaRelay("http://rasa.test", "rasa-token", rasa_http),
                webhook_client=rasa_http,
            )
            async with TestClient(TestServer(app)) as client:
                return await scenario(client)

        return asyncio.run(main())

    return run


async def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Any:
    """Sign in through the form, as a browser would; returns the response."""
    page = await client.get("/console/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())[1]
    return await client.post(
        "/console/signin",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )


async def csrf_of(client: TestClient, path: str = "/console/") -> str:
    """The CSRF token a signed-in page carries."""
    page = await client.get(path)
    return re.search(r'data-csrf="([^"]+)"', await page.text())[1]


def open_ticket_for(
    text: str = "I want to talk to a person",
    sender: str = "web:patient-1",
    reason: str = "patient_request",
) -> int:
    """A patient's escalation, as the action server records it."""
    from bot.handoff.escalation import escalate

    escalated = escalate(
        channel="socketio",
        sender_id=sender,
        reason_code=reason,
        events=[
            {
                "event": "user",
                "text": text,
                "timestamp": 1733130000.0,
                "parse_data": {"intent": {"name": "request_human"}},
            }
        ],
        slots={},
    )
    assert escalated is not None
    return escalated.ticket_id


def add_rasa_events(sender: str, *events: Dict[str, Any]) -> None:
    """Write events to Rasa's table, encrypted, as the Rasa server does."""
    import json

    from bot.store import crypto
    from bot.store.db import get_engine
    from bot.store.rasa_events import events as table
    from bot.store.rasa_events import rasa_metadata

    engine = get_engine()
    rasa_metadata.create_all(engine)
    with engine.begin() as connection:
        for event in events:
            connection.execute(
                table.insert().values(
                    sender_id=sender,
                    type_name=event["event"],
                    timestamp=event.get("timestamp", 1733130000.0),
                    data=crypto.encrypt_text(json.dumps(event)),
                )
            )
