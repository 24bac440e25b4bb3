"""Actions of the general conversation: greeting, clarification, emergencies."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import channel_of
from actions.handoff import request_handoff
from bot.channels.guard import UNKNOWN_PAYLOAD
from bot.dialogue import last_bot_action
from bot.faq import CLARIFY_OTHER, clarify_buttons, starter_buttons
from bot.handoff.dialogue import HANDOFF_SLOT, OFFER_CLARIFICATION, OFFER_SLOT
from bot.handoff.escalation import escalate_urgent, handoff_state_of

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
        events: List[EventType] = [SessionStarted()]
        # Slots are not carried over: a request still open (or a coordinator
        # still in the chat) must survive the patient coming back tomorrow.
        if tracker.get_latest_input_channel():
            state = handoff_state_of(
                channel=channel_of(tracker), sender_id=tracker.sender_id
            )
            if state:
                events.append(SlotSet(HANDOFF_SLOT, state))
        return events + [ActionExecuted("action_listen")]


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
            # The response offers a coordinator; a "yes" to it escalates.
            dispatcher.utter_message(response="utter_default")
            return [SlotSet(OFFER_SLOT, OFFER_CLARIFICATION)]
        dispatcher.utter_message(
            response="utter_clarify",
            buttons=[*buttons, dict(CLARIFY_OTHER)],
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
        ticket = escalate_urgent(
            channel=channel_of(tracker),
            sender_id=tracker.sender_id,
            text=(tracker.latest_message or {}).get("text") or "",
            events=tracker.events,
            slots=tracker.slots,
        )
        # A coordinator who already has the chat keeps it; otherwise the
        # ticket waits for one (the bot keeps answering meanwhile).
        if ticket is not None and tracker.get_slot(HANDOFF_SLOT) != "active":
            return [SlotSet(HANDOFF_SLOT, "waiting")]
        return []


class ActionRequestHuman(Action):
    """A patient asks for a person: escalate and say what happens next.

    Also for a call back, a record review, an appointment, a cost estimate, or
    a report they sent (data/rules/handoff.yml).
    """

    def name(self) -> Text:
        return "action_request_human"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        return request_handoff(dispatcher, tracker)
