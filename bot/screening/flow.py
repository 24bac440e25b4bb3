"""Which question comes next, and what one patient message changes.

The screening form asks one thing at a time, but the patient may answer in any
order, several values at once, correct an earlier value, or not know. This
module holds that logic as pure functions over the form's slot values, so that
the Rasa action (``actions/screening.py``) only translates:

* :func:`required_slots` / :func:`next_question` – what is still to ask, in
  order: consent first; then the diagnosis, the number and size of the
  tumours, bilirubin and platelets; the Child-Pugh class for HCC only, asked
  directly, or worked out from its parts, or skipped. Pending read-backs,
  unit questions and "continue without it" offers come before all of them.
* :func:`handle_message` – one patient message to slot updates and the names
  of the responses to send.
* :func:`start` – what a new run of the form resets.
* :func:`call_kind` – whether the form runs on a new patient message, at its
  activation, or when it resumes after a detour.

Nothing health-related is read or kept before the patient agrees to it.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping

from bot.screening import answers, plausibility
from bot.screening.extraction import (
    UNIT_CHOICES,
    Extractor,
    Finding,
    convert,
    extract,
    is_payload,
    read_answer,
)
from bot.screening.fields import (
    CHILD_PUGH_FIELDS,
    HEALTH_FIELDS,
    LABELS,
    MAIN_FIELDS,
    coerce,
    describe_raw,
    describe_value,
    empty_health_values,
    format_number,
)

FORM_NAME = "screening_form"

# Slots of the form (the same names in domain.yml).
CONSENT = "health_consent"
PENDING_CONFIRMATION = "pending_confirmation"
PENDING_UNIT = "pending_unit"
READBACK = "screening_readback"
CHILD_PUGH_ROUTE = "child_pugh_route"
SKIPPED = "screening_skipped"
SKIP_OFFERED = "screening_skip_offered"
ATTEMPTS = "screening_attempts"
TYPED = "screening_typed"

#: Conversation state, reset when a new run of the form starts.
STATE_SLOTS = (
    PENDING_CONFIRMATION,
    PENDING_UNIT,
    READBACK,
    CHILD_PUGH_ROUTE,
    SKIPPED,
    SKIP_OFFERED,
    ATTEMPTS,
)

# Child-Pugh routes: ask for it (None), offered to work it out, working it
# out from its parts, or continuing without it.
ROUTE_OFFER = "offer"
ROUTE_COMPUTE = "compute"
ROUTE_SKIP = "skip"

# Questions that are not a health value; each has a response utter_ask_<name>.
ASK_CONFIRM = "screening_confirm_value"
ASK_SKIP = "screening_skip_offer"
ASK_CHILD_PUGH_OFFER = "child_pugh_offer"
ASK_UNIT: Mapping[str, str] = {
    "bilirubin_mg_dl": "bilirubin_unit",
    "max_lesion_cm": "lesion_size_unit",
    "albumin_g_dl": "albumin_unit",
    "bile_duct_distance_mm": "bile_duct_unit",
}
PSEUDO_QUESTIONS = frozenset(
    {ASK_CONFIRM, ASK_SKIP, ASK_CHILD_PUGH_OFFER, *ASK_UNIT.values()}
)

#: After this many answers that did not answer the same question, the bot
#: explains where to find the value and offers to continue without it.
MAX_ATTEMPTS = 2

# Intents the form never handles: the rules answer them (emergency first),
# then resume the form or end it.
DETOUR_INTENTS = frozenset(
    {
        "urgent_symptoms",
        "request_human",
        "stop",
        "delete_data",
        "withdraw_consent",
        # A file sent on WhatsApp, or a review of the records asked for.
        "share_media",
        "request_record_review",
    }
)
# Questions and small talk: left to the rules too, unless the message is in
# fact an answer ("mm" read as a question about tumour size, "thanks, it's
# HCC"). A message with a question mark is always a question.
QUESTION_INTENTS = frozenset(
    {
        "faq",
        "greet",
        "goodbye",
        "thank",
        "bot_challenge",
        "other_language",
        "empty_message",
        "check_eligibility",
    }
)

# Responses sent by the form's validation (data/responses/screening.yml).
R_CONSENT_UNCLEAR = "utter_screening_consent_unclear"
R_NOT_UNDERSTOOD = "utter_screening_not_understood"
R_IMPOSSIBLE = "utter_screening_impossible_value"
R_NOTED = "utter_screening_noted"
R_CORRECTED = "utter_screening_corrected"
R_VALUE_DROPPED = "utter_screening_value_dropped"
R_VALUE_UNCLEAR = "utter_screening_value_unclear"
R_FIELD_SKIPPED = "utter_screening_field_skipped"
R_CHILD_PUGH_SKIPPED = "utter_screening_child_pugh_skipped"
R_CHILD_PUGH_COMPUTED = "utter_screening_child_pugh_computed"
R_PREFIX_HELP = "utter_screening_help_"


@dataclass(frozen=True)
class Message:
    """The patient's latest message, as the form sees it."""

    text: str
    intent: str = ""

    @property
    def base_intent(self) -> str:
        """The intent without a retrieval key (``faq/risks`` → ``faq``)."""
        return (self.intent or "").split("/", 1)[0]


@dataclass(frozen=True)
class Reply:
    """A response to send, by name, with its template variables."""

    response: str
    variables: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    """What one message does to the screening.

    Attributes:
        handled: ``False`` when the message is not an answer for the form
            (a question, an emergency, "stop"): the form then lets the rules
            answer it and changes nothing.
        updates: slot values to set (``None`` clears a slot).
        replies: responses to send, in order, before the next question.
        consent: ``True`` when the patient agreed in this message, ``False``
            when they refused, else ``None``.

    """

    handled: bool = True
    updates: Dict[str, Any] = field(default_factory=dict)
    replies: List[Reply] = field(default_factory=list)
    consent: bool | None = None


# ---------------------------------------------------------------------------
# Which question comes next
# ---------------------------------------------------------------------------


def required_slots(slots: Mapping[str, Any]) -> List[str]:
    """List the questions of the form in order (answered ones included).

    Args:
        slots: the form's slot values.

    Returns:
        Slot names and pseudo-questions (:data:`PSEUDO_QUESTIONS`); a field
        whose value is not ``None`` counts as answered. Empty when consent was
        refused, which ends the form.

    """
    consent = slots.get(CONSENT)
    if consent is False:
        return []
    if consent is not True:
        return [CONSENT]
    questions: List[str] = []
    if slots.get(PENDING_CONFIRMATION):
        questions.append(ASK_CONFIRM)
    pending_unit = slots.get(PENDING_UNIT) or {}
    if pending_unit.get("field") in ASK_UNIT:
        questions.append(ASK_UNIT[pending_unit["field"]])
    skipped = set(slots.get(SKIPPED) or ())
    offered = slots.get(SKIP_OFFERED)
    if offered and slots.get(offered) is None and offered not in skipped:
        questions.append(ASK_SKIP)
    questions += [name for name in MAIN_FIELDS if name not in skipped]
    if slots.get("diagnosis") == "hcc" and slots.get("child_pugh") is None:
        route = slots.get(CHILD_PUGH_ROUTE)
        if route is None:
            questions.append("child_pugh")
        elif route == ROUTE_OFFER:
            questions.append(ASK_CHILD_PUGH_OFFER)
        elif route == ROUTE_COMPUTE:
            questions += [name for name in CHILD_PUGH_FIELDS if name not in skipped]
    return questions


def next_question(slots: Mapping[str, Any]) -> str | None:
    """Return the next thing to ask, or ``None`` when the screening can be assessed."""
    for name in required_slots(slots):
        if name in PSEUDO_QUESTIONS or slots.get(name) is None:
            return name
    return None


# ---------------------------------------------------------------------------
# Where the form is called from
# ---------------------------------------------------------------------------

ACTIVATION = "activation"
VALIDATION = "validation"
RESUME = "resume"


def call_kind(events: Iterable[Mapping[str, Any]], form_name: str = FORM_NAME) -> str:
    """Tell why the form's validation runs, from the tracker's events.

    Args:
        events: the tracker's events, oldest first (rasa_sdk dicts).
        form_name: the form's name.

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


# ---------------------------------------------------------------------------
# One message
# ---------------------------------------------------------------------------


def start(
    slots: Mapping[str, Any],
    message: Message,
    extractor: Extractor = extract,
) -> Turn:
    """Start a new run of the form: reset the conversation state, keep the values.

    Values given in earlier runs of this conversation stay (the patient does
    not type them twice), fields skipped before are asked again, and values
    in the message that started the form are read once consent is on record.

    Args:
        slots: the form's slot values.
        message: the message that started the form.
        extractor: the message reader (tests inject one).

    Returns:
        The turn: the reset, plus what the message adds.

    """
    reset: Dict[str, Any] = {name: None for name in STATE_SLOTS}
    if slots.get(CONSENT) is False:
        # Refused last time and asking again: ask for consent again.
        reset[CONSENT] = None
    fresh = {**slots, **reset}
    turn = Turn(updates=dict(reset))
    if fresh.get(CONSENT) is True and not is_payload(message.text):
        findings = extractor(message.text) if message.text else {}
        if findings:
            builder = _Builder(fresh, extractor)
            for finding in _in_field_order(findings):
                builder.apply(finding)
            builder.finish()
            turn.updates.update(builder.updates)
            turn.replies += builder.replies
    return turn


def handle_message(
    slots: Mapping[str, Any],
    message: Message,
    requested: str | None,
    extractor: Extractor = extract,
) -> Turn:
    """Apply one patient message to the screening.

    Args:
        slots: the form's slot values before the message.
        message: the message and its intent.
        requested: the question the bot asked last (``requested_slot``).
        extractor: the message reader (tests inject one).

    Returns:
        The :class:`Turn`. ``handled`` is ``False`` for detours (questions,
        emergencies, "stop"), which the rules answer.

    """
    intent = message.base_intent
    if intent in DETOUR_INTENTS:
        return Turn(handled=False)
    # A payload is a button or an injection attempt: its intent counts, its
    # text (and any JSON in it) is never read for values.
    text = "" if is_payload(message.text) else (message.text or "").strip()
    findings = extractor(text) if text else {}
    if intent in QUESTION_INTENTS and not _is_an_answer(
        intent, slots, requested, text, findings, extractor
    ):
        return Turn(handled=False)

    builder = _Builder(slots, extractor)
    if slots.get(CONSENT) is not True:
        decision = _yes_no(intent, text)
        if decision is None:
            builder.fail(CONSENT, reply=R_CONSENT_UNCLEAR)
            return builder.turn()
        if decision is False:
            # Refused: forget anything typed so far and end the form.
            builder.set_many(empty_health_values())
            builder.set_many({name: None for name in (*STATE_SLOTS, TYPED)})
            builder.set(CONSENT, False)
            return builder.turn(consent=False)
        builder.set(CONSENT, True)
        builder.consent = True
        requested = None  # the consent question is answered; values may follow
    else:
        builder.answer_question(requested, intent, text, findings)

    focus = _focus_field(builder.slots, requested)
    # A bare answer ("2", "mild") is read for the field asked about, but only
    # when the message names no value of its own.
    if focus and not findings and text and not builder.question_answered:
        answer = read_answer(focus, text, extractor)
        if answer is not None:
            findings = {**findings, focus: answer}
    for finding in _in_field_order(findings):
        builder.apply(finding)

    if not (
        builder.changed_values
        or builder.question_answered
        or builder.consent
        or builder.reacted
    ):
        builder.fail(requested)
    elif requested in (builder.slots.get(ATTEMPTS) or {}):
        # Answered: a later question of the same kind starts counting afresh.
        attempts = dict(builder.slots[ATTEMPTS])
        attempts.pop(requested)
        builder.set(ATTEMPTS, attempts)
    builder.finish()
    return builder.turn()


#: A message the classifier took for an FAQ question is still an answer when
#: it is this short ("mm", "liver metastases") or states numbers.
_SHORT_ANSWER_WORDS = 3


def _is_an_answer(
    intent: str,
    slots: Mapping[str, Any],
    requested: str | None,
    text: str,
    findings: Mapping[str, Finding],
    extractor: Extractor,
) -> bool:
    """Tell whether a message classified as a question or small talk answers."""
    if "?" in text:
        return False
    if intent == "faq":
        # "tell me about liver metastases" names a diagnosis but asks.
        if any(finding.raw is not None for finding in findings.values()):
            return True
        if len(text.split()) > _SHORT_ANSWER_WORDS:
            return False
    return bool(findings) or _answers(slots, requested, text, extractor)


def _answers(
    slots: Mapping[str, Any], requested: str | None, text: str, extractor: Extractor
) -> bool:
    """Tell whether a text is a plain answer to the question just asked."""
    if not text or requested is None:
        return False
    if requested in (CONSENT, ASK_CONFIRM, ASK_CHILD_PUGH_OFFER):
        return answers.parse_yes_no(text) is not None
    if requested == ASK_SKIP:
        return answers.parse_skip(text)
    pending = slots.get(PENDING_UNIT) or {}
    if requested in ASK_UNIT.values():
        choices = UNIT_CHOICES.get(pending.get("field"), ())
        return answers.parse_unit(text, choices) is not None
    if requested in HEALTH_FIELDS:
        return read_answer(requested, text, extractor) is not None
    return False


def _in_field_order(findings: Mapping[str, Finding]) -> List[Finding]:
    """Sort findings in the order of the questions, so read-backs follow it."""
    order = {name: index for index, name in enumerate(HEALTH_FIELDS)}
    return sorted(findings.values(), key=lambda f: order.get(f.field, len(order)))


def _yes_no(intent: str, text: str) -> bool | None:
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    return answers.parse_yes_no(text) if text else None


def _focus_field(slots: Mapping[str, Any], requested: str | None) -> str | None:
    """Return the health field the last question was about, if any."""
    if requested in HEALTH_FIELDS:
        return requested
    if requested == ASK_SKIP:
        return slots.get(SKIP_OFFERED)
    if requested == ASK_CHILD_PUGH_OFFER:
        return "child_pugh"
    return None


class _Builder:
    """Collects the slot updates and replies of one message."""

    def __init__(self, slots: Mapping[str, Any], extractor: Extractor) -> None:
        self.slots: Dict[str, Any] = copy.deepcopy(dict(slots))
        self.extractor = extractor
        self.updates: Dict[str, Any] = {}
        self.replies: List[Reply] = []
        self.noted: List[str] = []
        self.corrected: List[str] = []
        self.changed_values = False
        self.question_answered = False
        # Something was already said about the message (an impossible value).
        self.reacted = False
        self.consent: bool | None = None

    # -- slot bookkeeping --------------------------------------------------

    def set(self, name: str, value: Any) -> None:
        self.slots[name] = value
        self.updates[name] = value

    def set_many(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            self.set(name, value)

    def say(self, response: str, **variables: Any) -> None:
        self.replies.append(Reply(response, variables))

    def turn(self, consent: bool | None = None) -> Turn:
        return Turn(
            handled=True,
            updates=dict(self.updates),
            replies=list(self.replies),
            consent=consent if consent is not None else self.consent,
        )

    # -- the form's own questions -------------------------------------------

    def answer_question(
        self,
        requested: str | None,
        intent: str,
        text: str,
        findings: Mapping[str, Finding],
    ) -> None:
        """Answers that only make sense for the question just asked."""
        dont_know = intent == "dont_know"
        if requested == ASK_CONFIRM:
            self._answer_confirmation(intent, text, findings, dont_know)
        elif requested in ASK_UNIT.values():
            self._answer_unit(text, findings, dont_know)
        elif requested == ASK_CHILD_PUGH_OFFER:
            if "child_pugh" in findings:
                return
            decision = _yes_no(intent, text)
            if decision is True:
                self.set(CHILD_PUGH_ROUTE, ROUTE_COMPUTE)
                self.question_answered = True
            elif decision is False or dont_know:
                self._skip_child_pugh()
        elif requested == ASK_SKIP and (dont_know or answers.parse_skip(text)):
            self._skip_offered_field()
        elif dont_know and requested == "child_pugh":
            self._offer_child_pugh_computation()
            self.question_answered = True
        elif dont_know and requested in CHILD_PUGH_FIELDS:
            self._skip_child_pugh()
        elif dont_know and requested in MAIN_FIELDS:
            self._offer_skip(requested)
            self.question_answered = True

    def _answer_confirmation(
        self,
        intent: str,
        text: str,
        findings: Mapping[str, Finding],
        dont_know: bool,
    ) -> None:
        pending = list(self.slots.get(PENDING_CONFIRMATION) or [])
        if not pending:
            return
        first = pending[0]
        if first["field"] in findings:
            # A new value for the same field replaces the one read back.
            self.set(PENDING_CONFIRMATION, pending[1:])
            return
        decision = None if dont_know else _yes_no(intent, text)
        if decision is True:
            self.set(PENDING_CONFIRMATION, pending[1:])
            self._store(
                Finding(
                    first["field"],
                    first["value"],
                    first.get("raw"),
                    first.get("unit"),
                    text=first.get("text"),
                )
            )
            self.question_answered = True
        elif decision is False or dont_know:
            self.set(PENDING_CONFIRMATION, pending[1:])
            self.say(R_VALUE_DROPPED, field_label=LABELS[first["field"]])
            self.question_answered = True

    def _answer_unit(
        self, text: str, findings: Mapping[str, Finding], dont_know: bool
    ) -> None:
        pending = self.slots.get(PENDING_UNIT) or {}
        name = pending.get("field")
        if not name:
            return
        known = findings.get(name)
        if known is not None and not known.ambiguous:
            # The value was typed again with its unit: apply() takes it.
            self.set(PENDING_UNIT, None)
            return
        unit = answers.parse_unit(text, UNIT_CHOICES.get(name, ()))
        if unit is not None:
            known_value = (pending.get("options") or {}).get(unit)
            converted = (
                Finding(
                    name,
                    known_value,
                    raw=pending["raw"],
                    unit=unit,
                    text=f"{format_number(pending['raw'])} {unit}",
                )
                if known_value is not None
                else convert(name, pending["raw"], unit, self.extractor)
            )
            self.set(PENDING_UNIT, None)
            self.question_answered = True
            if converted is not None:
                self.apply(converted)
            else:
                self.say(R_NOT_UNDERSTOOD)
        elif dont_know:
            self.set(PENDING_UNIT, None)
            self._offer_skip(name)
            self.question_answered = True

    def _offer_child_pugh_computation(self) -> None:
        """Offer to work Child-Pugh out from its parts, or to go on without it."""
        if self.slots.get("bilirubin_mg_dl") is None:
            # Bilirubin is one of the parts: without it there is nothing to offer.
            self._skip_child_pugh()
        else:
            self.set(CHILD_PUGH_ROUTE, ROUTE_OFFER)

    def _skip_offered_field(self) -> None:
        """Continue without the field whose "continue without it" was offered."""
        offered = self.slots.get(SKIP_OFFERED)
        self.set(SKIP_OFFERED, None)
        self.question_answered = True
        if offered in CHILD_PUGH_FIELDS:
            # Without one of its parts, Child-Pugh cannot be worked out.
            self._skip_child_pugh()
            return
        self.set(SKIPPED, sorted({*(self.slots.get(SKIPPED) or ()), offered}))
        self.say(R_FIELD_SKIPPED, field_label=LABELS.get(offered, offered))

    def _skip_child_pugh(self) -> None:
        self.set(CHILD_PUGH_ROUTE, ROUTE_SKIP)
        self.say(R_CHILD_PUGH_SKIPPED)
        self.question_answered = True

    def _offer_skip(self, name: str) -> None:
        """Explain where to find a value; the next question offers to go on."""
        self.set(SKIP_OFFERED, name)
        self.say(f"{R_PREFIX_HELP}{name}")

    # -- values ------------------------------------------------------------------

    def apply(self, finding: Finding) -> None:
        """Take one value found in the message, if it can be used."""
        name = finding.field
        if name not in HEALTH_FIELDS:
            return
        if finding.ambiguous:
            self._drop_pending(name)
            if finding.needs_unit and name in ASK_UNIT:
                self.set(
                    PENDING_UNIT,
                    {
                        "field": name,
                        "raw": finding.raw,
                        "options": dict(finding.options),
                    },
                )
                self.changed_values = True
            else:
                # A bound, a range, two readings: ask for the value as printed.
                self.say(R_VALUE_UNCLEAR, field_label=LABELS[name])
                self.reacted = True
                self._count_failure(name)
            return
        typed = finding.raw if finding.raw is not None else finding.value
        if name == "child_pugh":
            finding = _normalise_child_pugh(finding)
        verdict = (
            plausibility.Plausibility.IMPOSSIBLE
            if finding.value is None
            else plausibility.check(name, finding.value)
        )
        if verdict is plausibility.Plausibility.IMPOSSIBLE:
            self.say(
                R_IMPOSSIBLE,
                field_label=LABELS[name],
                value=describe_raw(name, typed, finding.unit)
                if isinstance(typed, (int, float))
                else f"{LABELS[name]} {typed}",
            )
            self.reacted = True
            self._count_failure(name)
            return
        if verdict is plausibility.Plausibility.IMPLAUSIBLE:
            self._drop_pending(name)
            pending = list(self.slots.get(PENDING_CONFIRMATION) or [])
            pending.append(
                {
                    "field": name,
                    "value": finding.value,
                    "raw": finding.raw,
                    "unit": finding.unit,
                    "text": finding.text,
                }
            )
            self.set(PENDING_CONFIRMATION, pending)
            self.changed_values = True
            return
        self._drop_pending(name)
        self._store(finding)

    def _store(self, finding: Finding) -> None:
        name = finding.field
        value = coerce(name, finding.value)
        previous = self.slots.get(name)
        self.set(name, value)
        self.changed_values = True
        typed = dict(self.slots.get(TYPED) or {})
        if finding.raw is not None or finding.unit or finding.text:
            typed[name] = {
                "raw": finding.raw,
                "unit": finding.unit,
                "text": finding.text,
            }
        else:
            typed.pop(name, None)
        self.set(TYPED, typed)
        if name == "child_pugh" and self.slots.get(CHILD_PUGH_ROUTE) is not None:
            # Given directly: it wins over working it out.
            self.set(CHILD_PUGH_ROUTE, None)
        skipped = list(self.slots.get(SKIPPED) or ())
        if name in skipped:
            self.set(SKIPPED, [s for s in skipped if s != name])
        if self.slots.get(SKIP_OFFERED) == name:
            self.set(SKIP_OFFERED, None)
        text = describe_value(name, value, finding.raw, finding.unit)
        if previous is not None and previous != value:
            self.corrected.append(text)
        elif previous != value:
            self.noted.append(text)

    def _drop_pending(self, name: str) -> None:
        """Close any question still open about a field that got a new value."""
        pending = self.slots.get(PENDING_CONFIRMATION) or []
        kept = [item for item in pending if item["field"] != name]
        if len(kept) != len(pending):
            self.set(PENDING_CONFIRMATION, kept)
        if (self.slots.get(PENDING_UNIT) or {}).get("field") == name:
            self.set(PENDING_UNIT, None)

    # -- failures ------------------------------------------------------------

    def fail(self, requested: str | None, reply: str = R_NOT_UNDERSTOOD) -> None:
        """Say the message did not answer the question; at the limit, offer help."""
        if requested is None:
            self.say(reply)
            return
        if not self._count_failure(requested):
            self.say(reply)

    def _count_failure(self, question: str) -> bool:
        """Count a failed answer; at the limit, explain and offer to go on.

        Returns:
            True when the help and the offer were sent instead of a retry.

        """
        attempts = dict(self.slots.get(ATTEMPTS) or {})
        attempts[question] = attempts.get(question, 0) + 1
        # Always a slot update: the form must not be rejected for this message.
        self.set(ATTEMPTS, attempts)
        if attempts[question] < MAX_ATTEMPTS or self.slots.get(question) is not None:
            return False
        if question in PSEUDO_QUESTIONS:
            self._give_up_question(question)
            return True
        if question == "child_pugh":
            # Not found on the reports: offer to work it out instead.
            self._offer_child_pugh_computation()
            return True
        if question in MAIN_FIELDS or question in CHILD_PUGH_FIELDS:
            self._offer_skip(question)
            return True
        return False

    def _give_up_question(self, question: str) -> None:
        """Leave a question about what was typed that got no answer twice."""
        if question == ASK_CONFIRM:
            pending = list(self.slots.get(PENDING_CONFIRMATION) or [])
            if pending:
                self.set(PENDING_CONFIRMATION, pending[1:])
                self.say(R_VALUE_DROPPED, field_label=LABELS[pending[0]["field"]])
        elif question == ASK_CHILD_PUGH_OFFER:
            self._skip_child_pugh()
        elif question == ASK_SKIP:
            self._skip_offered_field()
        else:  # a unit question: where to find the value, and the offer
            name = (self.slots.get(PENDING_UNIT) or {}).get("field")
            self.set(PENDING_UNIT, None)
            if name:
                self._offer_skip(name)

    # -- end of the message ----------------------------------------------------------

    def finish(self) -> None:
        """Work out Child-Pugh when possible; read back; prepare the next question."""
        computed = self._compute_child_pugh()
        if self.corrected:
            self.say(R_CORRECTED, corrected=_lines(self.corrected))
        if self.noted:
            self.say(R_NOTED, noted=_lines(self.noted))
        if computed:
            self.say(R_CHILD_PUGH_COMPUTED, child_pugh=computed)
        readback = None
        pending = self.slots.get(PENDING_CONFIRMATION) or []
        pending_unit = self.slots.get(PENDING_UNIT) or {}
        if pending:
            first = pending[0]
            shown = first.get("raw") if first.get("raw") is not None else first["value"]
            readback = describe_raw(first["field"], shown, first.get("unit"))
            if first.get("raw") is not None and first.get("raw") != first["value"]:
                readback = describe_value(
                    first["field"], first["value"], first.get("raw"), first.get("unit")
                )
        elif pending_unit:
            readback = describe_raw(pending_unit["field"], pending_unit["raw"])
        if readback != self.slots.get(READBACK):
            self.set(READBACK, readback)

    def _compute_child_pugh(self) -> str | None:
        """Work out Child-Pugh once all its parts are known; return a new value."""
        if self.slots.get(CHILD_PUGH_ROUTE) != ROUTE_COMPUTE:
            return None
        parts = ("bilirubin_mg_dl",) + CHILD_PUGH_FIELDS
        if any(self.slots.get(name) is None for name in parts):
            return None
        from bot.eligibility import child_pugh

        try:
            value = child_pugh(**{name: self.slots[name] for name in parts})
        except ValueError:
            # A part the rules refuse: continue without it rather than guess.
            self._skip_child_pugh()
            return None
        if value == self.slots.get("child_pugh"):
            return None
        self.set("child_pugh", value)
        return value


def _normalise_child_pugh(finding: Finding) -> Finding:
    """Normalise "b 7" to "B7"; anything that is no Child-Pugh value has none."""
    from bot.eligibility import parse_child_pugh

    try:
        value = parse_child_pugh(finding.value)
    except ValueError:
        return Finding(finding.field, None, finding.raw, finding.unit)
    return Finding(finding.field, value, finding.raw, finding.unit)


def _lines(items: List[str]) -> str:
    """Format a list the way every screening message does: one "- " line each."""
    return "\n".join(f"- {item}" for item in items)
