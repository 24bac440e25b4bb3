"""The screening's conversation state, and the question it puts on screen.

Everything the form remembers between messages, apart from the health values
themselves (one slot per field) and the consent (``health_consent``), is one
slot, ``screening_state``: a plain dict that :class:`ScreeningState` reads and
writes. The question on screen is Rasa's ``requested_slot``; which question
comes next follows from the state and the values alone
(:func:`required_questions`), in this order:

1. consent, first and alone;
2. a question about something just typed: a value to confirm, a unit, which
   of a field's values, or the offer to continue without a value;
3. "what would you like to change?", when the patient asked to change;
4. the diagnosis, the number and size of the tumours, bilirubin, platelets;
   for HCC the Child-Pugh class (asked, offered to be worked out, its parts,
   or skipped);
5. the read-back of every value ("All correct" / "Change something");
6. the result, shown once for the values it was worked out from; after it,
   nothing is asked (``screening_next_step``): the result's next-step buttons
   are on screen and corrections are still read.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any, Dict, List, Mapping

from bot import fields as F
from bot.screening.values import CHILD_PUGH_FIELDS, HEALTH_FIELDS, MAIN_FIELDS

FORM_NAME = "screening_form"

# Slots of the form (the same names in domain.yml).
CONSENT = "health_consent"
STATE = "screening_state"
READBACK = "screening_readback"
OUTCOME = "screening_outcome"

# Questions that are no health value; each has a response utter_ask_<name>,
# or the action action_ask_<name> (the result).
ASK_CONFIRM = "screening_confirm_value"
ASK_SKIP = "screening_skip_offer"
ASK_CHILD_PUGH_OFFER = "child_pugh_offer"
ASK_CHECK = "screening_check"
ASK_CHANGE = "screening_change"
ASK_RESULT = "screening_result"
#: After the result: nothing is asked (there is no response of this name).
NEXT_STEP = "screening_next_step"
ASK_UNIT: Mapping[str, str] = {
    "bilirubin_mg_dl": "bilirubin_unit",
    "max_lesion_cm": "lesion_size_unit",
    "albumin_g_dl": "albumin_unit",
    "bile_duct_distance_mm": "bile_duct_unit",
}
#: Which of a choice field's values ("liver cancer": started there or spread?).
ASK_WHICH: Mapping[str, str] = {
    "diagnosis": "diagnosis_origin",
    "ascites": "ascites_amount",
    "encephalopathy": "encephalopathy_severity",
}
PSEUDO_QUESTIONS = frozenset(
    {
        ASK_CONFIRM,
        ASK_SKIP,
        ASK_CHILD_PUGH_OFFER,
        ASK_CHECK,
        ASK_CHANGE,
        ASK_RESULT,
        NEXT_STEP,
        *ASK_UNIT.values(),
        *ASK_WHICH.values(),
    }
)

# Child-Pugh routes: asked for it (None), offered to work it out, working it
# out from its parts, or continuing without it.
ROUTE_OFFER = "offer"
ROUTE_COMPUTE = "compute"
ROUTE_SKIP = "skip"

# Why a run of the form ended (read by action_screening_end).
ENDED_REFUSED = "refused"
ENDED_HANDOFF = "handoff"
ENDED_CLOSED = "closed"


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


@dataclass
class ScreeningState:
    """What the form remembers between messages (the ``screening_state`` slot).

    Attributes:
        pending: implausible values waiting for the patient to confirm them,
            oldest first (``{"field", "value", "raw", "unit", "text"}``).
        unit: a number typed without its unit, that the bot asks about
            (``{"field", "raw", "options", "text"}``).
        which: a choice field whose value the bot asks about ("liver cancer").
        route: the Child-Pugh route (``None``, offer, compute, skip).
        skipped: fields the patient chose to continue without.
        skip_offered: the field for which continuing without it is offered.
        misses: per question, the answers in a row that did not answer it.
        typed: per field, what the patient typed (``{"raw", "unit", "text"}``).
        computed: the Child-Pugh class was worked out from its parts.
        changing: the patient asked to change a value, from the read-back
            (``"check"``) or after the result (``"result"``).
        checked: the values the patient confirmed in the read-back (a key).
        shown: the values the result was shown for (a key).
        outcome: the outcome of the result shown.
        ended: why the run ended (refused, handoff, closed), else ``None``.

    """

    pending: List[Dict[str, Any]] = field(default_factory=list)
    unit: Dict[str, Any] | None = None
    which: str | None = None
    route: str | None = None
    skipped: List[str] = field(default_factory=list)
    skip_offered: str | None = None
    misses: Dict[str, int] = field(default_factory=dict)
    typed: Dict[str, Dict[str, Any]] = field(default_factory=dict)
    computed: bool = False
    changing: str | None = None
    checked: str | None = None
    shown: str | None = None
    outcome: str | None = None
    ended: str | None = None

    @classmethod
    def from_slot(cls, value: Any) -> "ScreeningState":
        """Read the slot (``None`` or a dict; unknown keys are ignored)."""
        if not isinstance(value, Mapping):
            return cls()
        known = {
            name: value[name] for name in cls.__dataclass_fields__ if name in value
        }
        # A copy: what one message changes must not change the tracker's slot.
        return cls(**json.loads(json.dumps(known)))

    def to_slot(self) -> Dict[str, Any]:
        """The slot's value (JSON-serialisable)."""
        return asdict(self)

    def new_run(self) -> "ScreeningState":
        """The state of a new run: what was typed stays, the rest starts afresh.

        A Child-Pugh class worked out from its parts stays worked out from
        them: a corrected part still changes it.
        """
        return ScreeningState(
            typed=dict(self.typed),
            computed=self.computed,
            route=ROUTE_COMPUTE if self.computed else None,
        )


def values_key(slots: Mapping[str, Any]) -> str:
    """A short key of the health values (to tell whether they changed)."""
    values = {name: slots.get(name) for name in HEALTH_FIELDS}
    encoded = json.dumps(values, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def required_questions(slots: Mapping[str, Any]) -> List[str]:
    """List the questions of the form in order (fields with a value included).

    Args:
        slots: the form's slot values.

    Returns:
        Slot names and pseudo-questions (:data:`PSEUDO_QUESTIONS`); a field
        whose value is not ``None`` counts as answered, a pseudo-question is
        listed only while it is open. Empty when the run has ended (consent
        refused, handed over, closed), which ends the form.

    """
    state = ScreeningState.from_slot(slots.get(STATE))
    consent = slots.get(CONSENT)
    if state.ended or consent is False:
        return []
    if consent is not True:
        return [CONSENT]
    questions: List[str] = []
    if state.pending:
        questions.append(ASK_CONFIRM)
    if state.unit and state.unit.get("field") in ASK_UNIT:
        questions.append(ASK_UNIT[state.unit["field"]])
    if state.which in ASK_WHICH:
        questions.append(ASK_WHICH[state.which])
    offered = state.skip_offered
    if offered and slots.get(offered) is None and offered not in state.skipped:
        questions.append(ASK_SKIP)
    if state.changing:
        questions.append(ASK_CHANGE)
    questions += [name for name in MAIN_FIELDS if name not in state.skipped]
    if slots.get("diagnosis") == F.HCC and slots.get("child_pugh") is None:
        if state.route is None:
            questions.append("child_pugh")
        elif state.route == ROUTE_OFFER:
            questions.append(ASK_CHILD_PUGH_OFFER)
        elif state.route == ROUTE_COMPUTE:
            questions += [n for n in CHILD_PUGH_FIELDS if n not in state.skipped]
    key = values_key(slots)
    if state.shown is None and state.checked != key:
        questions.append(ASK_CHECK)
    elif state.shown != key:
        questions.append(ASK_RESULT)
    else:
        questions.append(NEXT_STEP)
    return questions


def first_open(questions: List[str], slots: Mapping[str, Any]) -> str | None:
    """Return the first question still open: a pseudo-question, or an empty field."""
    for name in questions:
        if name in PSEUDO_QUESTIONS or slots.get(name) is None:
            return name
    return None


def next_question(slots: Mapping[str, Any]) -> str | None:
    """Return the question on screen next, or ``None`` when the run ends."""
    return first_open(required_questions(slots), slots)


def result_shown(slots: Mapping[str, Any], outcome: str | None) -> Dict[str, Any]:
    """The state once the result was shown for the current values.

    Args:
        slots: the form's slot values.
        outcome: the outcome shown (``None`` when none could be worked out).

    Returns:
        The new value of the ``screening_state`` slot.

    """
    state = ScreeningState.from_slot(slots.get(STATE))
    state.shown = values_key(slots)
    state.checked = state.shown
    state.outcome = outcome
    return state.to_slot()
