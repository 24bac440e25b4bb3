"""Helpers to run rasa_sdk actions the way the action server does."""

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(
    events: Optional[List[Dict[str, Any]]] = None,
    latest_message: Optional[Dict[str, Any]] = None,
    slots: Optional[Dict[str, Any]] = None,
    sender_id: str = "patient-1",
    active_loop: Optional[Dict[str, Any]] = None,
) -> Tracker:
    latest = latest_message or {"text": "", "intent": {}, "entities": []}
    events = list(events or [])
    if not any(e.get("event") == "user" for e in events):
        events.append(
            {
                "event": "user",
                "text": latest.get("text"),
                "parse_data": latest,
                "input_channel": "rest",
            }
        )
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest,
        events=events,
        paused=False,
        followup_action=None,
        active_loop=active_loop or {},
        latest_action_name=None,
    )


def run_action(action, tracker, domain=None):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return dispatcher, events


@pytest.fixture
def tracker_factory():
    return make_tracker


@pytest.fixture
def run():
    return run_action
