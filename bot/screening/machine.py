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

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable, Dict, Iterable, List, Mapping

from bot import fields as F
from bot.eligibility import child_pugh, parse_child_pugh
from bot.screening import answers, plausibility, result
from bot.screening.extraction import Extractor, Finding, convert, extract
from bot.screening.reading import Message, Outcome, Reading, read, read_values, verdict
from bot.screening.replies import Reply
from bot.screening.state import (
    ASK_CHANGE,
    ASK_CHECK,
    ASK_CHILD_PUGH_OFFER,
    ASK_CONFIRM,
    ASK_RESULT,
    ASK_SKIP,
    ASK_UNIT,
    ASK_WHICH,
    CONSENT,
    ENDED_CLOSED,
    ENDED_HANDOFF,
    ENDED_REFUSED,
    FORM_NAME,
    NEXT_STEP,
    READBACK,
    ROUTE_COMPUTE,
    ROUTE_OFFER,
    ROUTE_SKIP,
    STATE,
    ScreeningState,
    next_question,
    values_key,
)
from bot.screening.values import (
    CHILD_PUGH_FIELDS,
    CHILD_PUGH_INPUTS,
    HEALTH_FIELDS,
    MAIN_FIELDS,
    bullet_lines,
    describe_typed,
    empty_health_values,
    format_number,
    readback_line,
)

#: After this many answers in a row that did not answer the same question, the
#: bot offers a way on instead of asking it a third time: where to find the
#: value, continuing without it, a coordinator.
MAX_MISSES = 2

# Responses sent by the form (data/responses/screening.yml).
R_CONSENT_UNCLEAR = "utter_screening_consent_unclear"
R_CONSENT_HELP = "utter_screening_consent_help"
R_NOT_UNDERSTOOD = "utter_screening_not_understood"
R_IMPOSSIBLE = "utter_screening_impossible_value"
R_VALUE_UNCLEAR = "utter_screening_value_unclear"
R_NOTED = "utter_screening_noted"
R_CORRECTED = "utter_screening_corrected"
R_UNCHANGED = "utter_screening_unchanged"
R_VALUE_DROPPED = "utter_screening_value_dropped"
R_FIELD_SKIPPED = "utter_screening_field_skipped"
R_CHILD_PUGH_SKIPPED = "utter_screening_child_pugh_skipped"
R_CHILD_PUGH_COMPUTED = "utter_screening_child_pugh_computed"
R_CHECK_HELP = "utter_screening_check_help"
R_ASK_AGAIN = "utter_screening_ask_again"
R_PREFIX_HELP = "utter_screening_help_"


class Stage(str, Enum):
    """The kind of question on screen."""

    CONSENT = "consent"
    FIELD = "field"  # diagnosis, tumours, size, bilirubin, platelets
    CHILD_PUGH = "child_pugh"  # "do you know the Child-Pugh class?"
    CHILD_PUGH_PART = "child_pugh_part"  # albumin, INR, fluid, confusion
    WHICH = "which"  # "did it start in the liver, or spread there?"
    UNIT = "unit"  # "which unit does the report print?"
    CONFIRM = "confirm"  # "you wrote 300: is it right?"
    SKIP_OFFER = "skip_offer"  # "continue without it, or a coordinator"
    CHILD_PUGH_OFFER = "child_pugh_offer"  # "shall we work it out?"
    CHECK = "check"  # the read-back: "All correct" / "Change something"
    CHANGE = "change"  # "what would you like to change?"
    RESULT = "result"  # the result and its next-step buttons


def stage_of(question: str | None) -> Stage | None:
    """Return the stage of a question (``requested_slot``), ``None`` for none."""
    if question is None:
        return None
    if question == CONSENT:
        return Stage.CONSENT
    if question in MAIN_FIELDS:
        return Stage.FIELD
    if question == "child_pugh":
        return Stage.CHILD_PUGH
    if question in CHILD_PUGH_FIELDS:
        return Stage.CHILD_PUGH_PART
    if question in ASK_UNIT.values():
        return Stage.UNIT
    if question in ASK_WHICH.values():
        return Stage.WHICH
    return {
        ASK_CONFIRM: Stage.CONFIRM,
        ASK_SKIP: Stage.SKIP_OFFER,
        ASK_CHILD_PUGH_OFFER: Stage.CHILD_PUGH_OFFER,
        ASK_CHECK: Stage.CHECK,
        ASK_CHANGE: Stage.CHANGE,
        ASK_RESULT: Stage.RESULT,
        NEXT_STEP: Stage.RESULT,
    }.get(question)


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


@dataclass
class Turn:
    """What one message does to the screening.

    Attributes:
        detour: the message is left to the rules (a question, an emergency,
            "stop"): the form changes nothing and Rasa rejects it for this
            message.
        updates: slot values to set (``None`` clears a slot).
        replies: responses to send, in order, before the next question.
        consent_given: the patient agreed in this message (record it).
        effect: the transition taken (for tests and logs).

    """

    detour: bool = False
    updates: Dict[str, Any] = field(default_factory=dict)
    replies: List[Reply] = field(default_factory=list)
    consent_given: bool = False
    effect: str = ""


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
    run = _Run(slots, extractor)
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
    run = _Run(slots, extractor)
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
    run = _Run(slots, extractor)
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
R_HANDED_OVER = "utter_request_human_received"
R_CLOSED = "utter_screening_closed"


def ending(slots: Mapping[str, Any]) -> Ending:
    """Say how the run of the form ended and what to reply."""
    state = ScreeningState.from_slot(slots.get(STATE))
    if state.ended == ENDED_REFUSED:
        return Ending(ENDED_REFUSED, [Reply(R_NO_CONSENT)])
    if state.ended == ENDED_HANDOFF:
        run = _Run(slots, extract)
        lines = "; ".join(run._check_lines())
        summary = f"Screening result: {state.outcome or 'not given'}. Values: {lines}"
        return Ending(ENDED_HANDOFF, [Reply(R_HANDED_OVER)], summary)
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


class _Run:
    """The slots, state and replies of one transition, and its effects."""

    def __init__(self, slots: Mapping[str, Any], extractor: Extractor) -> None:
        self.slots: Dict[str, Any] = dict(slots)
        self.state = ScreeningState.from_slot(slots.get(STATE))
        self.extractor = extractor
        self.updates: Dict[str, Any] = {}
        self.replies: List[Reply] = []
        self.noted: List[str] = []
        self.corrected: List[str] = []
        self.unchanged: List[str] = []
        self.consent_given = False

    # -- bookkeeping ----------------------------------------------------------

    def set(self, name: str, value: Any) -> None:
        self.slots[name] = value
        self.updates[name] = value

    def say(self, response: str, **variables: Any) -> None:
        self.replies.append(Reply(response, variables))

    def focus(self, stage: Stage, question: str | None) -> str | None:
        """The field the question on screen is about, if any."""
        if stage in (Stage.FIELD, Stage.CHILD_PUGH, Stage.CHILD_PUGH_PART):
            return question
        if stage is Stage.UNIT:
            return (self.state.unit or {}).get("field")
        if stage is Stage.WHICH:
            return self.state.which
        if stage is Stage.CONFIRM and self.state.pending:
            return self.state.pending[0]["field"]
        if stage is Stage.SKIP_OFFER:
            return self.state.skip_offered
        if stage is Stage.CHILD_PUGH_OFFER:
            return "child_pugh"
        return None

    def answered(self, question: str | None) -> None:
        if question:
            self.state.misses.pop(question, None)

    def miss(self, question: str | None) -> bool:
        """Count an answer that did not answer ``question``; at the limit, a way on.

        Returns:
            True when the way on was offered instead of asking again.

        """
        if not question:
            return False
        count = self.state.misses.get(question, 0) + 1
        self.state.misses[question] = count
        if count < MAX_MISSES:
            return False
        self.state.misses.pop(question, None)
        self._way_on(question)
        return True

    def _way_on(self, question: str) -> None:
        stage = stage_of(question)
        if stage is Stage.CONSENT:
            self.say(R_CONSENT_HELP)
        elif stage in (Stage.CHECK, Stage.CHANGE):
            self.state.changing = None
            self.say(R_CHECK_HELP)
        elif stage is Stage.CONFIRM:
            self._drop_first_pending()
        elif stage is Stage.CHILD_PUGH_OFFER:
            self.skip_child_pugh()
        elif stage is Stage.SKIP_OFFER:
            self.skip_field()
        elif stage is Stage.CHILD_PUGH:
            self.offer_child_pugh_computation()
        elif stage is Stage.UNIT:
            name = (self.state.unit or {}).get("field")
            self.state.unit = None
            self._offer_skip(name)
        elif stage is Stage.WHICH:
            name, self.state.which = self.state.which, None
            self._offer_skip(name)
        else:
            self._offer_skip(question)

    # -- consent --------------------------------------------------------------

    def give_consent(self, reading: Reading, *_: Any) -> None:
        self.set(CONSENT, True)
        self.consent_given = True
        self.answered(CONSENT)
        self.apply(reading.findings)

    def refuse_consent(self, *_: Any) -> None:
        for name, value in empty_health_values().items():
            self.set(name, value)
        self.set(CONSENT, False)
        self.state = ScreeningState(ended=ENDED_REFUSED)

    def consent_unclear(self, *_: Any) -> None:
        if not self.miss(CONSENT):
            self.say(R_CONSENT_UNCLEAR)

    # -- answers ----------------------------------------------------------------

    def take_answer(self, reading: Reading, question: str | None, *_: Any) -> None:
        self.answered(question)
        self.apply(reading.findings)

    def take_other_values(
        self, reading: Reading, question: str | None, *_: Any
    ) -> None:
        self.apply(reading.findings)
        if question and self.slots.get(question) is None:
            self.miss(question)

    def value_unclear(
        self, reading: Reading, question: str | None, focus: str | None
    ) -> None:
        found = reading.findings.pop(focus) if focus else None
        self.apply(reading.findings)
        if found is not None:
            self._say_unusable(found)
        if not self.miss(question) and found is None:
            self.say(R_NOT_UNDERSTOOD)

    def not_understood(self, reading: Reading, question: str | None, *_: Any) -> None:
        if not self.miss(question):
            self.say(R_NOT_UNDERSTOOD)

    def take_unit(
        self, reading: Reading, question: str | None, focus: str | None
    ) -> None:
        found = reading.findings.get(focus) if focus else None
        if found is not None and not found.ambiguous:
            # The value typed again, with its unit.
            self.answered(question)
            self.apply(reading.findings)
            return
        pending = self.state.unit or {}
        unit, raw = reading.unit, pending.get("raw")
        value = (pending.get("options") or {}).get(unit)
        if value is None and focus and unit and raw is not None:
            converted = convert(focus, raw, unit, self.extractor)
            value = converted.value if converted is not None else None
        if value is None or not focus:
            self.not_understood(reading, question)
            return
        self.state.unit = None
        self.answered(question)
        typed = pending.get("text") or format_number(raw)
        self.apply({focus: Finding(focus, value, raw, unit, text=typed)})

    def offer_skip(
        self, reading: Reading, question: str | None, focus: str | None
    ) -> None:
        self.answered(question)
        if question in ASK_UNIT.values():
            self.state.unit = None
        if question in ASK_WHICH.values():
            self.state.which = None
        name = focus or question
        if question in CHILD_PUGH_FIELDS:
            # "I don't know" to a part: Child-Pugh cannot be worked out.
            self.skip_child_pugh()
        else:
            self._offer_skip(name)

    def _offer_skip(self, name: str | None) -> None:
        """Say where to find a value; the next question offers to go on."""
        if not name:
            return
        self.state.skip_offered = name
        self.say(f"{R_PREFIX_HELP}{name}")

    def skip_field(self, *_: Any) -> None:
        offered, self.state.skip_offered = self.state.skip_offered, None
        self.answered(ASK_SKIP)
        if not offered:
            return
        if offered in CHILD_PUGH_FIELDS:
            self.skip_child_pugh()
            return
        self.state.skipped = sorted({*self.state.skipped, offered})
        self.say(R_FIELD_SKIPPED, field_label=F.label(offered))

    # -- Child-Pugh -------------------------------------------------------------

    def offer_child_pugh_computation(self, *_: Any) -> None:
        self.answered("child_pugh")
        if self.slots.get("bilirubin_mg_dl") is None:
            # Bilirubin is one of the parts: without it there is nothing to offer.
            self.skip_child_pugh()
        else:
            self.state.route = ROUTE_OFFER

    def compute_child_pugh(self, *_: Any) -> None:
        self.answered(ASK_CHILD_PUGH_OFFER)
        self.state.route = ROUTE_COMPUTE

    def skip_child_pugh(self, *_: Any) -> None:
        self.answered(ASK_CHILD_PUGH_OFFER)
        self.state.route = ROUTE_SKIP
        self.say(R_CHILD_PUGH_SKIPPED)

    # -- read-backs ---------------------------------------------------------------

    def confirm_value(self, *_: Any) -> None:
        first = self.state.pending.pop(0)
        self.answered(ASK_CONFIRM)
        self._store(
            Finding(
                first["field"],
                first["value"],
                first.get("raw"),
                first.get("unit"),
                text=first.get("text"),
            )
        )

    def drop_value(self, *_: Any) -> None:
        self.answered(ASK_CONFIRM)
        self._drop_first_pending()

    def _drop_first_pending(self) -> None:
        if self.state.pending:
            first = self.state.pending.pop(0)
            self.say(R_VALUE_DROPPED, field_label=F.label(first["field"]))

    def values_checked(self, *_: Any) -> None:
        self.answered(ASK_CHECK)
        self.state.checked = values_key(self.slots)

    def start_change(self, *_: Any) -> None:
        self.answered(ASK_CHECK)
        self.state.changing = "result" if self.state.shown else "check"

    def correct_values(self, reading: Reading, question: str | None, *_: Any) -> None:
        self.answered(question)
        self.state.changing = None
        self.apply(reading.findings)

    def ask_again(self, reading: Reading, question: str | None, *_: Any) -> None:
        """Forget the values named ("the bilirubin is wrong"): they are asked again."""
        self.answered(question)
        self.state.changing = None
        for name in reading.named:
            self._forget(name)
        self.say(R_ASK_AGAIN, fields=", ".join(F.label(n) for n in reading.named))

    def end_change(self, *_: Any) -> None:
        self.answered(ASK_CHANGE)
        if self.state.changing == "check":
            self.state.checked = values_key(self.slots)
        self.state.changing = None

    # -- after the result ---------------------------------------------------------

    def hand_over(self, *_: Any) -> None:
        self.state.ended = ENDED_HANDOFF

    def close(self, *_: Any) -> None:
        self.state.ended = ENDED_CLOSED

    def new_run(self, *_: Any) -> None:
        self.state = self.state.new_run()

    # -- values -------------------------------------------------------------------

    def apply(self, findings: Mapping[str, Finding]) -> None:
        """Take the values found, in the order of the questions."""
        order = {name: index for index, name in enumerate(HEALTH_FIELDS)}
        for found in sorted(findings.values(), key=lambda f: order.get(f.field, 99)):
            if found.field in order:
                self._take(found)

    def _take(self, found: Finding) -> None:
        name = found.field
        if found.needs_unit and name in ASK_UNIT:
            found = self._with_known_unit(found)
        if found.needs_unit and name in ASK_UNIT:
            self._drop_pending(name)
            self.state.unit = {
                "field": name,
                "raw": found.raw,
                "options": dict(found.options),
                "text": found.text,
            }
            return
        if found.needs_choice:
            self.state.which = name
            return
        if found.ambiguous or found.value is None:
            self._say_unusable(found)
            return
        if name == "child_pugh":
            try:
                found = Finding(
                    **{**found.__dict__, "value": parse_child_pugh(found.value)}
                )
            except ValueError:
                self._say_unusable(found)
                return
        seen = verdict(found)
        if seen is plausibility.Plausibility.IMPOSSIBLE:
            self._say_unusable(found)
            return
        self._drop_pending(name)
        if seen is plausibility.Plausibility.IMPLAUSIBLE:
            self.state.pending.append(
                {
                    "field": name,
                    "value": found.value,
                    "raw": found.raw,
                    "unit": found.unit,
                    "text": found.text,
                }
            )
            return
        self._store(found)

    def _with_known_unit(self, found: Finding) -> Finding:
        """A corrected number without its unit keeps the unit of the one it corrects.

        "change the bilirubin to 1.9" after "bilirubin 1.2 mg/dl", or "sorry,
        I meant 3.0" when "bilirubin 300 mg/dl" is read back.
        """
        name = found.field
        units = [p.get("unit") for p in self.state.pending if p["field"] == name]
        if self.slots.get(name) is not None:
            units.append((self.state.typed.get(name) or {}).get("unit"))
        known_unit = next((unit for unit in units if unit), None)
        if not known_unit or found.raw is None:
            return found
        value = (found.options or {}).get(known_unit)
        if value is None:
            converted = convert(name, found.raw, known_unit, self.extractor)
            value = converted.value if converted is not None else None
        if value is None:
            return found
        return Finding(name, value, found.raw, known_unit, text=found.text)

    def _say_unusable(self, found: Finding) -> None:
        name = found.field
        typed = found.raw if found.raw is not None else found.value
        if found.ambiguous or typed is None:
            self.say(R_VALUE_UNCLEAR, field_label=F.label(name))
            return
        shown = (
            describe_typed(name, typed, found.unit)
            if isinstance(typed, (int, float))
            else f"{F.field(name).short} {typed}"
        )
        self.say(R_IMPOSSIBLE, field_label=F.label(name), value=shown)

    def _store(self, found: Finding) -> None:
        name = found.field
        value = F.coerce(name, found.value)
        previous = self.slots.get(name)
        self.set(name, value)
        if found.raw is not None or found.unit or found.text:
            self.state.typed[name] = {
                "raw": found.raw,
                "unit": found.unit,
                "text": found.text,
            }
        else:
            self.state.typed.pop(name, None)
        if name == "child_pugh":
            # Given directly: it wins over working it out.
            self.state.computed = False
            if self.state.route is not None:
                self.state.route = None
        if name in self.state.skipped:
            self.state.skipped = [s for s in self.state.skipped if s != name]
        if self.state.skip_offered == name:
            self.state.skip_offered = None
        if self.state.which == name:
            self.state.which = None
        line = readback_line(name, value, self.state.typed.get(name))
        if previous is None:
            self.noted.append(line)
        elif previous != value:
            self.corrected.append(line)
        else:
            self.unchanged.append(line)

    def _forget(self, name: str) -> None:
        self.set(name, None)
        self.state.typed.pop(name, None)
        if name in CHILD_PUGH_INPUTS and self.state.computed:
            self.set("child_pugh", None)
        if name == "child_pugh":
            self.state.computed = False
            self.state.route = None

    def _drop_pending(self, name: str) -> None:
        """Close any question still open about a field that got a new value."""
        self.state.pending = [p for p in self.state.pending if p["field"] != name]
        if (self.state.unit or {}).get("field") == name:
            self.state.unit = None
        if self.state.which == name:
            self.state.which = None

    def _compute_child_pugh(self) -> str | None:
        """Work Child-Pugh out once all its parts are known; return a new value."""
        if self.state.route != ROUTE_COMPUTE and not self.state.computed:
            return None
        if any(self.slots.get(name) is None for name in CHILD_PUGH_INPUTS):
            return None
        try:
            value = child_pugh(**{n: self.slots[n] for n in CHILD_PUGH_INPUTS})
        except ValueError:
            # A part the rules refuse: continue without it rather than guess.
            self.skip_child_pugh()
            return None
        self.state.computed = True
        if value == self.slots.get("child_pugh"):
            return None
        self.set("child_pugh", value)
        return value

    # -- end of the message -------------------------------------------------------

    def finish(self, effect: str) -> Turn:
        """Work out Child-Pugh; say what changed; set the read-back text."""
        computed = self._compute_child_pugh()
        if self.corrected:
            self.say(R_CORRECTED, corrected=bullet_lines(self.corrected))
        if self.noted:
            self.say(R_NOTED, noted=bullet_lines(self.noted))
        if self.unchanged and not (self.corrected or self.noted):
            self.say(R_UNCHANGED, unchanged=bullet_lines(self.unchanged))
        if computed:
            self.say(R_CHILD_PUGH_COMPUTED, child_pugh=computed)
        self.set(STATE, self.state.to_slot())
        readback = self._readback(next_question(self.slots))
        if readback != self.slots.get(READBACK):
            self.set(READBACK, readback)
        return Turn(
            updates=dict(self.updates),
            replies=list(self.replies),
            consent_given=self.consent_given,
            effect=effect,
        )

    def _readback(self, question: str | None) -> str | None:
        """The text of the question's read-back (``{screening_readback}``)."""
        if question == ASK_CONFIRM and self.state.pending:
            first = self.state.pending[0]
            if first.get("raw") is not None and first["raw"] != first["value"]:
                return readback_line(first["field"], first["value"], first)
            shown = first["raw"] if first.get("raw") is not None else first["value"]
            return describe_typed(first["field"], shown, first.get("unit"))
        if question in ASK_UNIT.values() and self.state.unit:
            return describe_typed(self.state.unit["field"], self.state.unit["raw"])
        if question == ASK_CHECK:
            return bullet_lines(self._check_lines())
        return self.slots.get(READBACK)

    def _check_lines(self) -> List[str]:
        lines = []
        for name in HEALTH_FIELDS:
            value = self.slots.get(name)
            if value is not None:
                note = (
                    "worked out from your answers"
                    if name == "child_pugh" and self.state.computed
                    else ""
                )
                lines.append(
                    readback_line(name, value, self.state.typed.get(name), note)
                )
            elif name in self.state.skipped:
                lines.append(f"{F.label(name)}: not given")
        if (
            self.slots.get("diagnosis") == F.HCC
            and self.slots.get("child_pugh") is None
            and self.state.route == ROUTE_SKIP
        ):
            lines.append(f"{F.label('child_pugh')}: not given")
        return lines


#: Every effect a transition can name is a method of the run (a test checks).
EFFECT_METHODS: Mapping[str, Callable[..., None]] = {
    name: getattr(_Run, name) for name in EFFECTS if name != "detour"
}

__all__ = [
    "ACTIVATION",
    "EFFECTS",
    "Ending",
    "MAX_MISSES",
    "RESUME",
    "Message",
    "Reply",
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
