"""Actions of the eligibility screening: the form's validation and the result.

Thin adapters: the conversation logic is in :mod:`bot.screening` (which
question next, what a message changes), the rules in :mod:`bot.eligibility`,
the storing in :mod:`bot.screening.storage`. Responses are sent by name.

Every screening slot has a ``custom`` mapping: only
:class:`ValidateScreeningForm` fills them, from the text of the patient's
message, so that entities (or a typed ``/inform{...}``) can never set one.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import channel_of

logger = logging.getLogger(__name__)


def _message(tracker: Tracker) -> Any:
    from bot.screening.flow import Message

    latest = tracker.latest_message or {}
    intent = (latest.get("intent") or {}).get("name") or ""
    return Message(text=latest.get("text") or "", intent=intent)


def _send(dispatcher: CollectingDispatcher, replies: List[Any]) -> None:
    for reply in replies:
        dispatcher.utter_message(response=reply.response, **dict(reply.variables))


class ValidateScreeningForm(FormValidationAction):
    """Read each answer of the screening form and choose the next question."""

    def name(self) -> str:
        """Return the action's name (Rasa calls it for ``screening_form``)."""
        return "validate_screening_form"

    async def required_slots(
        self,
        domain_slots: List[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[str]:
        """Return the questions in order (:func:`bot.screening.flow.required_slots`)."""
        from bot.screening.flow import required_slots

        return required_slots(tracker.slots)

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Apply the latest message (or the form's start) and request the next slot.

        Returns no slot event at all for a message the form does not handle (a
        question, an emergency, "stop"): Rasa then rejects the form for this
        turn and the rules answer, emergency advice first.
        """
        from bot.screening import flow, storage

        kind = flow.call_kind(tracker.events, flow.FORM_NAME)
        if kind == flow.ACTIVATION:
            turn = flow.start(tracker.slots, _message(tracker))
        elif kind == flow.RESUME:
            # Back from a detour: nothing to read, ask the open question again.
            turn = flow.Turn(handled=True)
        else:
            turn = flow.handle_message(
                tracker.slots, _message(tracker), tracker.get_slot(REQUESTED_SLOT)
            )
        if not turn.handled:
            return []
        if turn.consent is True:
            storage.record_consent(
                channel=channel_of(tracker), sender_id=tracker.sender_id
            )
        _send(dispatcher, turn.replies)
        events: List[EventType] = [
            SlotSet(name, value) for name, value in turn.updates.items()
        ]
        tracker.add_slots(events)
        next_slot = await self.next_requested_slot(dispatcher, tracker, domain)
        events.append(next_slot or SlotSet(REQUESTED_SLOT, None))
        return events

    async def next_requested_slot(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> EventType | None:
        """Return ``requested_slot``: the next question, or ``None`` to finish.

        Pseudo-questions (a read-back, a unit, an offer) have no slot of their
        own, so the next one is chosen by :func:`bot.screening.flow.next_question`
        rather than by looking for the first empty slot.
        """
        from bot.screening.flow import next_question

        return SlotSet(REQUESTED_SLOT, next_question(tracker.slots))


class ActionScreeningResult(Action):
    """End a run of the form: assess, store and report; or, without consent, stop.

    One action for every way the form finishes, so that the rules need not
    look at the consent slot: with consent the screening is assessed, stored
    and reported; without it (refused) nothing is assessed or stored and the
    patient is offered general information.
    """

    def name(self) -> str:
        """Return the action's name."""
        return "action_screening_result"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        """Send the outcome, the reasons, the next steps and the disclaimer."""
        from bot.screening import flow, result, storage

        if tracker.get_slot(flow.CONSENT) is not True:
            # Refused (or, by a stray prediction, never asked): nothing is
            # assessed or stored, general information only.
            dispatcher.utter_message(response="utter_screening_no_consent")
            return []
        try:
            screening = result.conclude(tracker.slots)
        except ValueError:
            logger.exception(
                "screening could not be assessed: sender=%s", tracker.sender_id
            )
            dispatcher.utter_message(response="utter_screening_error")
            dispatcher.utter_message(response=result.R_NOT_A_DECISION)
            dispatcher.utter_message(response=result.R_OFFER_COORDINATOR)
            return []
        outcome = screening.result
        storage.store_screening(
            channel=channel_of(tracker),
            sender_id=tracker.sender_id,
            values=screening.values,
            typed=tracker.get_slot(flow.TYPED),
            outcome=outcome.outcome,
            rules_version=outcome.rules_version,
            flags=sorted(outcome.flags),
            reasons=outcome.reasons,
        )
        _send(dispatcher, screening.replies)
        from actions.handoff import screening_offer_events

        return [
            SlotSet("screening_outcome", outcome.outcome),
            *[SlotSet(name, None) for name in flow.STATE_SLOTS],
            *screening_offer_events(outcome.outcome),
        ]
