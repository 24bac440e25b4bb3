"""Actions of the eligibility screening: the form's validation, its result, its end.

Thin adapters: the conversation is the state machine of
:mod:`bot.screening.machine` (what one message changes, which question comes
next), the rules are :mod:`bot.eligibility`, the storing is
:mod:`bot.screening.storage`. Responses are sent by name.

Every screening slot has a ``custom`` mapping: only
:class:`ValidateScreeningForm` fills them, from the text of the patient's
message, so that entities (or a typed ``/inform{...}``) can never set one.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT
from rasa_sdk.types import DomainDict

from actions import channel_of
from actions.handoff import request_handoff
from bot.handoff.reasons import screening_reason
from bot.screening import machine, result, storage
from bot.screening.reading import Message
from bot.screening.replies import Reply
from bot.screening.state import (
    ENDED_HANDOFF,
    OUTCOME,
    STATE,
    ScreeningState,
    first_open,
    required_questions,
    result_shown,
)

logger = logging.getLogger(__name__)


def _send(dispatcher: CollectingDispatcher, replies: Iterable[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(response=reply.response, **dict(reply.variables))


def _buttons(domain: DomainDict, responses: Iterable[str]) -> Dict[str, str]:
    """Title -> payload of the buttons of ``responses`` (what is on screen)."""
    known = (domain or {}).get("responses") or {}
    return {
        button["title"]: button["payload"]
        for name in responses
        for variant in known.get(name) or ()
        for button in variant.get("buttons") or ()
    }


def _message(tracker: Tracker, domain: DomainDict, question: str | None) -> Message:
    latest = tracker.latest_message or {}
    buttons = _buttons(domain, machine.on_screen(tracker.slots, question))
    return Message(
        text=latest.get("text") or "",
        intent=(latest.get("intent") or {}).get("name") or "",
        buttons=buttons,
    )


class ValidateScreeningForm(FormValidationAction):
    """Read each message of the screening form and choose the next question.

    ``run`` is overridden because one message may answer several questions
    at once, or none (a question for the rules): the state machine decides
    for the whole message, where the SDK's default would validate slot by
    slot. The next question comes from :meth:`required_slots` through
    :meth:`next_requested_slot`, as in the SDK.
    """

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
        """Return the questions in order (``state.required_questions``)."""
        return required_questions(tracker.slots)

    async def next_requested_slot(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> EventType:
        """Return ``requested_slot``: the first open question, ``None`` to finish.

        Questions that are no slot (a read-back, a unit, the result) are open
        while they are listed, so the first one is not "the first empty slot"
        of the SDK's default.
        """
        questions = await self.required_slots(
            self.domain_slots(domain), dispatcher, tracker, domain
        )
        return SlotSet(REQUESTED_SLOT, first_open(questions, tracker.slots))

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[EventType]:
        """Apply the latest message (or the form's start) and request the next question.

        Returns no event at all for a message the form leaves to the rules (a
        question, an emergency, "stop"): Rasa then rejects the form for this
        message and the rules answer, emergency advice first.
        """
        question = tracker.get_slot(REQUESTED_SLOT)
        message = _message(tracker, domain, question)
        kind = machine.call_kind(tracker.events)
        if kind == machine.ACTIVATION:
            turn = machine.start(tracker.slots, message)
        elif kind == machine.RESUME:
            turn = machine.resume(tracker.slots, message, question)
        else:
            turn = machine.step(tracker.slots, message, question)
        if turn.detour:
            return []
        if turn.consent_given:
            storage.record_consent(
                channel=channel_of(tracker), sender_id=tracker.sender_id
            )
        _send(dispatcher, turn.replies)
        events: List[EventType] = [
            SlotSet(name, value) for name, value in turn.updates.items()
        ]
        tracker.add_slots(events)
        events.append(await self.next_requested_slot(dispatcher, tracker, domain))
        return events


class ActionAskScreeningResult(Action):
    """Show the result (the form's question ``screening_result``) and store it.

    Rasa runs it whenever the form asks ``screening_result``: after the
    read-back is confirmed, and again after a correction, so that every
    result shown is stored as a new screening (the earlier ones are kept).
    """

    def name(self) -> str:
        """Return the action's name (``action_ask_<question>``)."""
        return "action_ask_screening_result"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        """Send the outcome, reasons, next steps, disclaimer and next-step buttons."""
        state = ScreeningState.from_slot(tracker.get_slot(STATE))
        try:
            screening = result.conclude(tracker.slots, again=state.shown is not None)
        except ValueError as error:
            # The form's checks should have caught it; never a guess. The
            # field is named, never the value (health data stays out of logs).
            logger.error(
                "screening could not be assessed: sender=%s field=%s",
                tracker.sender_id,
                getattr(error, "field", "?"),
            )
            _send(dispatcher, result.failure_replies())
            return [SlotSet(STATE, result_shown(tracker.slots, None))]
        outcome = screening.result
        storage.store_screening(
            channel=channel_of(tracker),
            sender_id=tracker.sender_id,
            values=screening.values,
            typed=state.typed,
            outcome=outcome.outcome,
            rules_version=outcome.rules_version,
            flags=sorted(outcome.flags),
            reasons=outcome.reasons,
        )
        _send(dispatcher, screening.replies)
        return [
            SlotSet(OUTCOME, outcome.outcome),
            SlotSet(STATE, result_shown(tracker.slots, outcome.outcome)),
        ]


class ActionScreeningEnd(Action):
    """End a run of the form: consent refused, a coordinator takes over, or closed."""

    def name(self) -> str:
        """Return the action's name."""
        return "action_screening_end"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[str, Any],
    ) -> List[EventType]:
        """Say how the screening ended; hand it to a coordinator when asked.

        A coordinator asked for at the end of a screening is the same handoff
        as any other (what happens next, opening hours, a call back), with the
        screening as the reason and its summary as the packet's note.
        """
        end = machine.ending(tracker.slots)
        if end.reason == ENDED_HANDOFF:
            return request_handoff(
                dispatcher,
                tracker,
                reason_code=screening_reason(tracker.get_slot(OUTCOME)),
                note=end.summary,
            )
        _send(dispatcher, end.replies)
        return []
