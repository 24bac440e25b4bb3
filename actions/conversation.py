"""Actions of the general conversation: greeting, clarification, emergencies."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted
from rasa_sdk.executor import CollectingDispatcher

from actions import channel_of
from bot.channels.guard import UNKNOWN_PAYLOAD
from bot.dialogue import last_bot_action
from bot.faq import clarify_buttons, starter_buttons
from bot.handoff.escalation import escalate_urgent, request_coordinator

logger = logging.getLogger(__name__)


class ActionSessionStart(Action):
    """Start a session with the greeting that says what the assistant is."""

    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        # The safety text must be the first bot message of every conversation.
        dispatcher.utter_message(response="utter_greet")
        return [SessionStarted(), ActionExecuted("action_listen")]


class ActionClarify(Action):
    """Two-stage fallback: offer the two likeliest topics, then the way out."""

    def name(self) -> Text:
        return "action_clarify"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        latest = tracker.latest_message or {}
        buttons = clarify_buttons(latest)
        if not buttons and latest.get("text") == UNKNOWN_PAYLOAD:
            # A button for a topic that does not exist (an old page, a forged
            # payload): nothing was misread, so ask with the broadest topics.
            buttons = starter_buttons()
        if last_bot_action(tracker.events) == self.name() or not buttons:
            # Second miss in a row (or nothing to offer): no more guessing.
            dispatcher.utter_message(response="utter_default")
            return []
        dispatcher.utter_message(
            response="utter_clarify",
            buttons=buttons
            + [{"title": "Something else", "payload": "/request_human"}],
        )
        return []


class ActionEmergency(Action):
    """Emergency advice first, whatever else is going on; then escalate."""

    def name(self) -> Text:
        return "action_emergency"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_emergency")
        escalate_urgent(
            channel=channel_of(tracker),
            sender_id=tracker.sender_id,
            text=(tracker.latest_message or {}).get("text") or "",
        )
        return []


class ActionRequestHuman(Action):
    """A patient asks for a person: open a ticket and say what happens next."""

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        request_coordinator(
            channel=channel_of(tracker),
            sender_id=tracker.sender_id,
            reason="patient_request",
        )
        dispatcher.utter_message(response="utter_request_human_received")
        return []
