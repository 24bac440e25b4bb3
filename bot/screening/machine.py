"""The screening conversation as a state machine: one message, one transition.

The state is the question on screen (Rasa's ``requested_slot``), seen as a
:class:`Stage`; the input is the :class:`~bot.screening.reading.Outcome` of
reading the patient's message (:mod:`bot.screening.reading`); the transition
is one *effect* from :data:`TRANSITIONS`, the table that ``README.md`` in this
package writes out (a test compares the two). An effect changes values and
state and says what to reply; the next question then follows from the state
(:func:`bot.screening.state.required_questions`). Nothing else decides.

Three entry points, one per way Rasa runs the form:

* :func:`start` – a new run (the form is activated);
* :func:`step` – a new patient message while the form is active;
* :func:`resume` – the form runs again after the rules answered a message it
  left to them (an FAQ answer, emergency advice).

All three are pure: slot values in, a :class:`Turn` out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, List, Mapping

from bot import fields as F
from bot.screening import answers, result
from bot.screening.effects import MAX_MISSES, Run
from bot.screening.extraction import Extractor, Finding, extract
from bot.screening.reading import Message, Outcome, read, read_values
from bot.screening.replies import Reply, Turn
from bot.screening.state import (
    CONSENT,
    ENDED_CLOSED,
    ENDED_HANDOFF,
    ENDED_REFUSED,
    FORM_NAME,
    STATE,
    ScreeningState,
    Stage,
    stage_of,
)
from bot.screening.values import HEALTH_FIELDS

_ANSWERS_AND_DETOURS = {
    Outcome.QUESTION: "detour",
    Outcome.DETOUR: "detour",
}
_VALUES = {
    Outcome.ANSWER: "take_answer",
    Outcome.OTHER_VALUES: "take_other_values",
    Outcome.UNCLEAR: "value_unclear",
}

#: The transitions: per stage, the effect of each outcome; ``None`` is
#: "anything else". README.md in this package writes this table out.
TRANSITIONS: Mapping[Stage, Mapping[Outcome | None, str]] = {
    Stage.CONSENT: {
        Outcome.YES: "give_consent",
        Outcome.NO: "refuse_consent",
        **_ANSWERS_AND_DETOURS,
        None: "consent_unclear",
    },
    Stage.FIELD: {
        **_VALUES,
        Outcome.DONT_KNOW: "offer_skip",
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.CHILD_PUGH: {
        **_VALUES,
        Outcome.DONT_KNOW: "offer_child_pugh_computation",
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.CHILD_PUGH_PART: {
        **_VALUES,
        Outcome.DONT_KNOW: "skip_child_pugh",
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.WHICH: {
        **_VALUES,
        Outcome.DONT_KNOW: "offer_skip",
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.UNIT: {
        Outcome.ANSWER: "take_unit",
        Outcome.OTHER_VALUES: "take_other_values",
        Outcome.UNCLEAR: "value_unclear",
        Outcome.DONT_KNOW: "offer_skip",
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.CONFIRM: {
        Outcome.YES: "confirm_value",
        Outcome.NO: "drop_value",
        Outcome.DONT_KNOW: "drop_value",
        **_VALUES,
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.SKIP_OFFER: {
        Outcome.SKIP: "skip_field",
        Outcome.DONT_KNOW: "skip_field",
        **_VALUES,
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.CHILD_PUGH_OFFER: {
        Outcome.YES: "compute_child_pugh",
        Outcome.NO: "skip_child_pugh",
        Outcome.DONT_KNOW: "skip_child_pugh",
        **_VALUES,
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.CHECK: {
        Outcome.YES: "values_checked",
        Outcome.NO: "start_change",
        Outcome.CHANGE: "start_change",
        Outcome.OTHER_VALUES: "correct_values",
        Outcome.NAMED_ONLY: "ask_again",
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.CHANGE: {
        Outcome.OTHER_VALUES: "correct_values",
        Outcome.NAMED_ONLY: "ask_again",
        Outcome.YES: "end_change",
        Outcome.NO: "end_change",
        **_ANSWERS_AND_DETOURS,
        None: "not_understood",
    },
    Stage.RESULT: {
        Outcome.OTHER_VALUES: "correct_values",
        Outcome.NAMED_ONLY: "ask_again",
        Outcome.CHANGE: "start_change",
        Outcome.COORDINATOR: "hand_over",
        Outcome.NEW_RUN: "new_run",
        Outcome.CLOSE: "close",
        None: "detour",
    },
}

#: What each effect does, in a few words (README.md shows these).
EFFECTS: Mapping[str, str] = {
    "give_consent": "record consent; take the values typed with it",
    "refuse_consent": "forget every value; end (general information only)",
    "consent_unclear": "ask for a clear yes or no",
    "take_answer": "take the value(s); the question is answered",
    "take_other_values": "take the value(s); ask the question again",
    "value_unclear": "say why the value cannot be used; ask again",
    "take_unit": "convert the number with the unit named",
    "offer_skip": "say where to find it; offer to go on without it",
    "offer_child_pugh_computation": "offer to work Child-Pugh out from its parts",
    "skip_child_pugh": "go on without Child-Pugh",
    "confirm_value": "take the value read back",
    "drop_value": "leave the value read back out",
    "skip_field": "go on without the value",
    "compute_child_pugh": "ask for the parts of Child-Pugh",
    "values_checked": "the values are confirmed: show the result",
    "start_change": "ask what to change",
    "correct_values": "take the corrected value(s); read back or recompute",
    "ask_again": "forget the value(s) named; ask for them again",
    "end_change": "nothing to change: back to the read-back or the result",
    "hand_over": "end; a coordinator takes the screening over",
    "new_run": "ask for what is missing again, keeping the values",
    "close": "end the screening",
    "not_understood": "say the message did not answer; ask again",
    "detour": "leave the message to the rules; ask again after them",
}

#: Asked more than twice in a row, a question is replaced by a way on.
_WAY_ON = "way on"


# ---------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------

ACTIVATION = "activation"
VALIDATION = "validation"
RESUME = "resume"


def call_kind(events: Iterable[Mapping[str, Any]], form_name: str = FORM_NAME) -> str:
    """Tell why the form runs, from the tracker's events (oldest first).

    Returns:
        :data:`ACTIVATION` when the form was just activated, :data:`RESUME`
        when it runs again after another action (an FAQ answer, emergency
        advice), :data:`VALIDATION` when it runs on a new patient message.

    """
    for event in reversed(list(events)):
        kind = event.get("event")
        if kind == "user":
            return VALIDATION
        if kind == "active_loop" and event.get("name") == form_name:
            return ACTIVATION
        if kind == "action" and event.get("name") not in (form_name, "action_listen"):
            return RESUME
    return VALIDATION


def start(
    slots: Mapping[str, Any], message: Message, extractor: Extractor = extract
) -> Turn:
    """Start a new run of the form: keep the values, start the state afresh.

    Values given earlier in the conversation stay (the patient does not type
    them twice), fields skipped before are asked again, the read-back comes
    again before a result, and values in the message that started the form
    are read once consent is on record.
    """
    run = Run(slots, extractor)
    run.state = run.state.new_run()
    if slots.get(CONSENT) is False:
        run.set(CONSENT, None)  # refused last time, asked again: ask again
    elif slots.get(CONSENT) is True and message.text:
        findings, _, _ = read_values(message.text, None, extractor)
        run.apply(findings)
    return run.finish("start")


def step(
    slots: Mapping[str, Any],
    message: Message,
    question: str | None,
    extractor: Extractor = extract,
) -> Turn:
    """Apply one patient message to the screening.

    Args:
        slots: the form's slot values before the message.
        message: the message, its intent and the buttons on screen.
        question: the question on screen (``requested_slot``).
        extractor: the message reader (tests inject one).

    Returns:
        The :class:`Turn`; ``detour`` for a message the rules answer.

    """
    run = Run(slots, extractor)
    stage = stage_of(question) or Stage.CONSENT
    focus = run.focus(stage, question)
    reading = read(
        message,
        stage.value,
        focus,
        outcome_offers_coordinator=run.state.outcome in result.COORDINATOR_OUTCOMES,
        unit_choices=F.field(focus).ask_unit if stage is Stage.UNIT and focus else (),
        extractor=extractor,
    )
    transitions = TRANSITIONS[stage]
    effect = transitions.get(reading.outcome, transitions[None])
    if effect == "detour":
        return Turn(detour=True, effect=effect)
    getattr(run, effect)(reading, question, focus)
    return run.finish(effect)


def resume(
    slots: Mapping[str, Any],
    message: Message,
    question: str | None,
    extractor: Extractor = extract,
) -> Turn:
    """Run again after the rules answered the last message: ask the question again.

    The message the rules answered may also have given values ("is my 3 cm
    tumour too big?"): those the extractor reads as the patient's own are
    taken now (never the lay readings of a question, "is confusion bad?").
    A question asked again after a question counts as a miss; after emergency
    advice it does not.
    """
    run = Run(slots, extractor)
    stage = stage_of(question)
    if slots.get(CONSENT) is not True or stage is None:
        return run.finish("resume")
    if message.base_intent not in (
        "urgent_symptoms",
        "withdraw_consent",
        "delete_data",
    ):
        if stage is not Stage.RESULT and message.text:
            own = {
                name: found
                for name, found in extractor(message.text).items()
                if name in HEALTH_FIELDS and not _asked_about(message.text, found)
            }
            run.apply(own)
        if stage is not Stage.RESULT and question and run.slots.get(question) is None:
            run.miss(question)
    return run.finish("resume")


def _asked_about(text: str, found: Finding) -> bool:
    """Tell whether a value sits in a request for information ("tell me about …")."""
    for start, end in answers.clauses(text):
        if start <= max(found.start, 0) < end:
            return answers.is_request_for_information(text[start:end])
    return False


@dataclass(frozen=True)
class Ending:
    """How a run of the form ended, for ``action_screening_end``.

    Attributes:
        reason: ``refused``, ``handoff``, ``closed``, or ``None`` (consent
            withdrawn, which its own action answers).
        replies: what to say.
        summary: for a handoff, what the coordinator should know (stored
            encrypted in the ticket, never logged).

    """

    reason: str | None
    replies: List[Reply]
    summary: str = ""


R_NO_CONSENT = "utter_screening_no_consent"
R_CLOSED = "utter_screening_closed"


def ending(slots: Mapping[str, Any]) -> Ending:
    """Say how the run of the form ended and what to reply."""
    state = ScreeningState.from_slot(slots.get(STATE))
    if state.ended == ENDED_REFUSED:
        return Ending(ENDED_REFUSED, [Reply(R_NO_CONSENT)])
    if state.ended == ENDED_HANDOFF:
        run = Run(slots, extract)
        lines = "; ".join(run.check_lines())
        summary = f"Screening result: {state.outcome or 'not given'}. Values: {lines}"
        # The handoff's own replies (what happens next, when) are sent by the
        # action that escalates.
        return Ending(ENDED_HANDOFF, [], summary)
    if state.ended == ENDED_CLOSED:
        return Ending(ENDED_CLOSED, [Reply(R_CLOSED)])
    return Ending(None, [])


def on_screen(slots: Mapping[str, Any], question: str | None) -> List[str]:
    """Return the responses whose buttons are on screen for ``question``."""
    if stage_of(question) is Stage.RESULT:
        state = ScreeningState.from_slot(slots.get(STATE))
        return [result.next_step_response(state.outcome)] if state.outcome else []
    return [f"utter_ask_{question}"] if question else []


# ---------------------------------------------------------------------------
# The effects
# ---------------------------------------------------------------------------


EFFECT_METHODS: Mapping[str, Callable[..., None]] = {
    name: getattr(Run, name) for name in EFFECTS if name != "detour"
}

__all__ = [
    "ACTIVATION",
    "EFFECTS",
    "Ending",
    "MAX_MISSES",
    "RESUME",
    "Message",
    "Reply",
    "Run",
    "Stage",
    "TRANSITIONS",
    "Turn",
    "VALIDATION",
    "call_kind",
    "ending",
    "on_screen",
    "resume",
    "stage_of",
    "start",
    "step",
]
