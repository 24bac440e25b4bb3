"""Actions of issue 14: one greeting, honest scope answers, follow-ups, relatives.

Thin adapters: what to say is decided in :mod:`bot.faq`, :mod:`bot.dialogue`
and :mod:`bot.nlp.relation`; responses are sent by name.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher


def _latest(tracker: Tracker) -> Dict[str, Any]:
    return tracker.latest_message or {}


#: Channels that show the session's greeting when the chat opens, before the
#: patient types anything (bot/channels/widget.py).
GREETS_ON_OPEN = frozenset({"socketio"})


class ActionGreetBack(Action):
    """Greet back, but never twice in a row.

    A "hi" that opens the session arrives with the greeting itself (REST,
    WhatsApp): nothing more is said. In the widget the greeting was on screen
    before the patient typed: a short prompt follows, not a second hello.
    """

    def name(self) -> Text:
        """Return the action's name."""
        return "action_greet_back"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Send ``utter_greet_back``, a prompt, or nothing (see the class)."""
        from actions import channel_of
        from bot.dialogue import first_message_of_session

        if not first_message_of_session(tracker.events):
            dispatcher.utter_message(response="utter_greet_back")
        elif channel_of(tracker) in GREETS_ON_OPEN:
            dispatcher.utter_message(response="utter_how_can_i_help")
        return []


class ActionOutOfScope(Action):
    """The honest out-of-scope answer; a coordinator offer for medical ones."""

    def name(self) -> Text:
        """Return the action's name."""
        return "action_out_of_scope"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Choose the medical or the general answer from the scope check."""
        scope = _latest(tracker).get("scope") or {}
        if scope.get("medical"):
            dispatcher.utter_message(response="utter_out_of_scope_medical")
        else:
            dispatcher.utter_message(response="utter_out_of_scope")
        return []


class ActionNotCovered(Action):
    """Say which liver subject the source does not cover; offer a coordinator."""

    def name(self) -> Text:
        """Return the action's name."""
        return "action_not_covered"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Send ``utter_not_covered`` naming the subject found in the message."""
        from bot.faq import uncovered_subject_text

        scope = _latest(tracker).get("scope") or {}
        subject = uncovered_subject_text(scope.get("uncovered") or [])
        dispatcher.utter_message(response="utter_not_covered", subject=subject)
        return []


class ActionFaqFollowup(Action):
    """After the main answer: the second question's button, or what is uncovered."""

    def name(self) -> Text:
        """Return the action's name."""
        return "action_faq_followup"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Send one reply per ``faq_followup`` entity of the latest message."""
        from bot.faq import followup_replies
        from bot.nlp.understanding import second_topics

        values = second_topics(_latest(tracker).get("entities") or [])
        for response, variables in followup_replies(values):
            dispatcher.utter_message(response=response, **variables)
        return []


class ActionRememberPatient(Action):
    """Fill the patient slots from each message (a custom slot mapping)."""

    def name(self) -> Text:
        """Return the action's name."""
        return "action_remember_patient"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        """Set the patient slots when the message says who the patient is.

        Nothing is returned when the message says nothing new, so the tracker
        records a change only.
        """
        from bot.nlp.relation import detect_patient

        latest = _latest(tracker)
        text = latest.get("text") or ""
        intent = (latest.get("intent") or {}).get("name")
        if text.startswith("/") or intent == "out_of_scope":
            # A button says nothing about the patient; "my uncle has a kidney
            # tumour" is about someone the bot cannot help with.
            return []
        patient = detect_patient(text)
        if patient is None or tracker.get_slot("patient_relation") == patient.relation:
            return []
        return [
            SlotSet("patient_relation", patient.relation),
            SlotSet("patient_ref", patient.ref),
            SlotSet("patient_poss", patient.poss),
        ]
