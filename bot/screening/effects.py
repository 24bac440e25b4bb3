"""The effects of the screening's transitions: what one message changes.

Each method of :class:`Run` named in ``machine.TRANSITIONS`` is one effect
(``take_answer``, ``start_change``, ``hand_over`` ...): it changes values and
state and says what to reply. The next question then follows from the state
(:func:`bot.screening.state.required_questions`). The values are taken here
too (:meth:`Run.apply`): checked for plausibility, read back when implausible,
asked about when a unit or a choice is missing, recorded with what the patient
typed, and Child-Pugh worked out from its parts.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from bot import fields as F
from bot.eligibility import (
    COMPUTED_FROM_ANSWERS,
    DOCTORS_MAY_GRADE,
    child_pugh,
    parse_child_pugh,
)
from bot.screening import plausibility
from bot.screening.extraction import Extractor, Finding, convert
from bot.screening.reading import Reading, verdict
from bot.screening.replies import Reply, Turn
from bot.screening.state import (
    ASK_CHANGE,
    ASK_CHECK,
    ASK_CHILD_PUGH_OFFER,
    ASK_CONFIRM,
    ASK_SKIP,
    ASK_UNIT,
    ASK_WHICH,
    CONSENT,
    ENDED_CLOSED,
    ENDED_HANDOFF,
    ENDED_REFUSED,
    READBACK,
    ROUTE_COMPUTE,
    ROUTE_OFFER,
    ROUTE_SKIP,
    STATE,
    ScreeningState,
    Stage,
    next_question,
    stage_of,
    values_key,
)
from bot.screening.values import (
    CHILD_PUGH_FIELDS,
    CHILD_PUGH_INPUTS,
    HEALTH_FIELDS,
    bullet_lines,
    describe_typed,
    empty_health_values,
    format_number,
    readback_line,
)

#: Beside a Child-Pugh class worked out in the conversation, wherever it is
#: shown (spec "Child-Pugh"): how it was obtained, and that it may differ.
COMPUTED_READBACK_NOTE = f"{COMPUTED_FROM_ANSWERS}; {DOCTORS_MAY_GRADE}"
#: A read-back line for a value the patient chose to continue without.
NOT_GIVEN = "{label}: not given"

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


class Run:
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
        """Set a slot (and remember it as an update of this turn)."""
        self.slots[name] = value
        self.updates[name] = value

    def say(self, response: str, **variables: Any) -> None:
        """Add a response to send, by name."""
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
        """The question was answered: its misses start counting afresh."""
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
        """Record consent; take the values typed with it."""
        self.set(CONSENT, True)
        self.consent_given = True
        self.answered(CONSENT)
        self.apply(reading.findings)

    def refuse_consent(self, *_: Any) -> None:
        """Forget every value; end (general information only)."""
        for name, value in empty_health_values().items():
            self.set(name, value)
        self.set(CONSENT, False)
        self.state = ScreeningState(ended=ENDED_REFUSED)

    def consent_unclear(self, *_: Any) -> None:
        """Ask for a clear yes or no."""
        if not self.miss(CONSENT):
            self.say(R_CONSENT_UNCLEAR)

    # -- answers ----------------------------------------------------------------

    def take_answer(self, reading: Reading, question: str | None, *_: Any) -> None:
        """Take the value(s); the question is answered."""
        self.answered(question)
        self.apply(reading.findings)

    def take_other_values(
        self, reading: Reading, question: str | None, *_: Any
    ) -> None:
        """Take the value(s); ask the question again."""
        self.apply(reading.findings)
        if question and self.slots.get(question) is None:
            self.miss(question)

    def value_unclear(
        self, reading: Reading, question: str | None, focus: str | None
    ) -> None:
        """Say why the value cannot be used; ask again."""
        found = reading.findings.pop(focus) if focus else None
        self.apply(reading.findings)
        if found is not None:
            self._say_unusable(found)
        if not self.miss(question) and found is None:
            self.say(R_NOT_UNDERSTOOD)

    def not_understood(self, reading: Reading, question: str | None, *_: Any) -> None:
        """Say the message did not answer; ask again."""
        if not self.miss(question):
            self.say(R_NOT_UNDERSTOOD)

    def take_unit(
        self, reading: Reading, question: str | None, focus: str | None
    ) -> None:
        """Convert the number with the unit named."""
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
        """Say where to find it; offer to go on without it."""
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
        """Go on without the value."""
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
        """Offer to work Child-Pugh out from its parts."""
        self.answered("child_pugh")
        if self.slots.get("bilirubin_mg_dl") is None:
            # Bilirubin is one of the parts: without it there is nothing to offer.
            self.skip_child_pugh()
        else:
            self.state.route = ROUTE_OFFER

    def compute_child_pugh(self, *_: Any) -> None:
        """Ask for the parts of Child-Pugh."""
        self.answered(ASK_CHILD_PUGH_OFFER)
        self.state.route = ROUTE_COMPUTE

    def skip_child_pugh(self, *_: Any) -> None:
        """Go on without Child-Pugh."""
        self.answered(ASK_CHILD_PUGH_OFFER)
        self.state.route = ROUTE_SKIP
        self.say(R_CHILD_PUGH_SKIPPED)

    # -- read-backs ---------------------------------------------------------------

    def confirm_value(self, *_: Any) -> None:
        """Take the value read back."""
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
        """Leave the value read back out."""
        self.answered(ASK_CONFIRM)
        self._drop_first_pending()

    def _drop_first_pending(self) -> None:
        if self.state.pending:
            first = self.state.pending.pop(0)
            self.say(R_VALUE_DROPPED, field_label=F.label(first["field"]))

    def values_checked(self, *_: Any) -> None:
        """The values are confirmed: show the result."""
        self.answered(ASK_CHECK)
        self.state.checked = values_key(self.slots)

    def start_change(self, *_: Any) -> None:
        """Ask what to change."""
        self.answered(ASK_CHECK)
        self.state.changing = "result" if self.state.shown else "check"

    def correct_values(self, reading: Reading, question: str | None, *_: Any) -> None:
        """Take the corrected value(s); read back or recompute."""
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
        """Nothing to change: back to the read-back or the result."""
        self.answered(ASK_CHANGE)
        if self.state.changing == "check":
            self.state.checked = values_key(self.slots)
        self.state.changing = None

    # -- after the result ---------------------------------------------------------

    def hand_over(self, *_: Any) -> None:
        """End; a coordinator takes the screening over."""
        self.state.ended = ENDED_HANDOFF

    def close(self, *_: Any) -> None:
        """End the screening."""
        self.state.ended = ENDED_CLOSED

    def new_run(self, *_: Any) -> None:
        """Ask for what is missing again, keeping the values."""
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
            return bullet_lines(self.check_lines())
        return self.slots.get(READBACK)

    def check_lines(self) -> List[str]:
        """The read-back's lines: every value, normalised and as typed."""
        lines = []
        for name in HEALTH_FIELDS:
            value = self.slots.get(name)
            if value is not None:
                note = (
                    COMPUTED_READBACK_NOTE
                    if name == "child_pugh" and self.state.computed
                    else ""
                )
                lines.append(
                    readback_line(name, value, self.state.typed.get(name), note)
                )
            elif name in self.state.skipped:
                lines.append(NOT_GIVEN.format(label=F.label(name)))
        if (
            self.slots.get("diagnosis") == F.HCC
            and self.slots.get("child_pugh") is None
            and self.state.route == ROUTE_SKIP
        ):
            lines.append(NOT_GIVEN.format(label=F.label("child_pugh")))
        return lines


#: Every effect a transition can name is a method of the run (a test checks).
