"""Actions for the patient's privacy requests made in the chat."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import channel_of
from bot.handoff.escalation import request_coordinator
from bot.handoff.privacy_requests import withdraw_consent


class ActionWithdrawConsent(Action):
    """Stop storing health data from now on, and say what that means."""

    def name(self) -> Text:
        return "action_withdraw_consent"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        stored = withdraw_consent(
            channel=channel_of(tracker),
            sender_id=tracker.sender_id,
        )
        dispatcher.utter_message(
            response="utter_consent_withdrawn" if stored else "utter_try_again_later"
        )
        events: List[EventType] = []
        if "health_consent" in domain.get("slots", {}):
            events.append(SlotSet("health_consent", False))
        return events


class ActionRequestErasure(Action):
    """Pass a "delete my data" request to the coordinators, who carry it out."""

    def name(self) -> Text:
        return "action_request_erasure"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        ticket = request_coordinator(
            channel=channel_of(tracker),
            sender_id=tracker.sender_id,
            reason="erasure_request",
            events=tracker.events,
            slots=tracker.slots,
        )
        dispatcher.utter_message(
            response="utter_erasure_requested" if ticket else "utter_try_again_later"
        )
        return []
