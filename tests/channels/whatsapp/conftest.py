"""Fixtures of the WhatsApp tests (helpers in wa_world.py)."""

from __future__ import annotations

from typing import Iterator

import pytest
from wa_world import MetaPhone, TwilioPhone, World, start_world, stop_world


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """The product with both WhatsApp channels, talking to local stand-ins."""
    started = start_world(tmp_path_factory.mktemp("whatsapp-var"))
    try:
        yield started
    finally:
        stop_world(started)


@pytest.fixture
def phone(world: World) -> MetaPhone:
    """A new patient on Meta's Cloud API."""
    return MetaPhone(world)


@pytest.fixture
def twilio_phone(world: World) -> TwilioPhone:
    """A new patient on Twilio WhatsApp."""
    return TwilioPhone(world)
