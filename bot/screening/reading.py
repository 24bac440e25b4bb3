"""One patient message, read as an answer first: what it says, for which field.

:func:`read` gives the state machine (:mod:`bot.screening.machine`) one
:class:`Reading`: an :class:`Outcome` and the values found. The order of the
reading is the fix for answers filed under the wrong question:

1. **A button typed instead of tapped is that button** ("Yes, work it out").
2. **Emergencies and privacy requests go to their rules** at once.
3. **Each statement names its field.** The message is split into statements
   ("no, he is not confused" is "no" + "he is not confused"). A statement that
   names a field (the lab extractor's names: bilirubin, PLT, tumours …; or
   fluid in the belly, confusion, the diagnosis) is about that field,
   whatever the question on screen. The statements that name nothing are the
   answer to the question on screen, read by its kind: a number, a unit,
   "a small amount", "no", "not sure". Beside a statement about a field, a
   bare "no" or "sorry, just to be clear" answers nothing.
4. **Only then the intent counts**: "I don't know", a request for a person,
   "stop"; and a message that answers nothing and is a question leaves the
   form for the rules (an FAQ answer), never one that answers.

The topic model's intent is therefore never what decides whether a message is
an answer.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Dict, List, Mapping, Tuple

from bot.eligibility import parse_child_pugh
from bot.faq import RETRIEVAL_INTENT
from bot.nlp.labs.extractor import field_mentions
from bot.screening import answers, plausibility
from bot.screening.extraction import (
    Extractor,
    Finding,
    extract,
    is_payload,
    read_number,
)
from bot.screening.values import HEALTH_FIELDS


class Outcome(str, Enum):
    """What a message is, for the question on screen."""

    ANSWER = "answer"  # answers the question on screen (maybe more)
    OTHER_VALUES = "other values"  # values for other fields only
    NAMED_ONLY = "names a field"  # names a field, without a value
    YES = "yes"
    NO = "no"
    DONT_KNOW = "don't know"
    SKIP = "skip"
    CHANGE = "change something"
    UNCLEAR = "unusable value"  # a bound, a range, an impossible value
    COORDINATOR = "coordinator"  # after the result: a coordinator, please
    NEW_RUN = "check again"  # after the result: answer what is missing
    CLOSE = "stop"  # after the result: no more of this
    QUESTION = "question"  # answers nothing, asks or chats: for the rules
    DETOUR = "detour"  # emergency, privacy, a person, stop: for the rules
    NOT_UNDERSTOOD = "not understood"


# Intents whose rules always come first: emergency advice, privacy requests,
# and a file sent on WhatsApp (the channel's /share_media is never an answer).
FIRST_INTENTS = frozenset(
    {"urgent_symptoms", "withdraw_consent", "delete_data", "share_media"}
)
# Intents whose rules answer when the message is no answer.
CONTROL_INTENTS = frozenset({"request_human", "stop", "request_record_review"})
# Questions and small talk: the rules answer them, then the form goes on.
QUESTION_INTENTS = frozenset(
    {
        RETRIEVAL_INTENT,
        "greet",
        "goodbye",
        "thank",
        "bot_challenge",
        "other_language",
        "empty_message",
        "check_eligibility",
    }
)
# Words that make a question-shaped message a correction ("wait, bilirubin
# is 1.9, not 1.2?").
_CORRECTION = re.compile(
    r"\b(?:sorry|actually|correction|i meant|i mean|wrong|fix|change|update|instead"
    r"|mistake|typo|oops)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Message:
    """The patient's latest message, as the form sees it.

    Attributes:
        text: what was typed (or the payload of a tapped button).
        intent: the NLU intent (``faq/risks`` …).
        buttons: title -> payload of the buttons on screen, so that a typed
            title counts as the button.

    """

    text: str
    intent: str = ""
    buttons: Mapping[str, str] = field(default_factory=dict)

    @property
    def base_intent(self) -> str:
        """The intent without a retrieval key (``faq/risks`` → ``faq``)."""
        return (self.intent or "").split("/", 1)[0]


@dataclass
class Reading:
    """What one message says.

    Attributes:
        outcome: what the message is for the question on screen.
        findings: values found, by field (the one asked about included).
        named: fields named without a value ("the bilirubin is wrong").
        unit: the unit named, for a question about a unit.
        text: the words read (a typed button's payload, if it was one).
        intent: the intent read (a typed button's, if it was one).

    """

    outcome: Outcome
    findings: Dict[str, Finding] = field(default_factory=dict)
    named: List[str] = field(default_factory=list)
    unit: str | None = None
    text: str = ""
    intent: str = ""


def press(message: Message) -> Message:
    """Read a button's title typed instead of tapped as that button.

    Titles are compared without case, punctuation or extra spaces, allowing a
    small typo ("yes wrok it out").

    >>> press(Message("yes, work it out", "faq", {"Yes, work it out": "/affirm"}))
    Message(text='/affirm', intent='affirm', buttons={'Yes, work it out': '/affirm'})
    """
    typed = _title_key(message.text)
    if not typed or not message.buttons:
        return message
    keys = {_title_key(title): payload for title, payload in message.buttons.items()}
    payload = keys.get(typed)
    if payload is None:
        close = difflib.get_close_matches(typed, list(keys), n=1, cutoff=0.85)
        payload = keys[close[0]] if close and len(typed) > 6 else None
    if payload is None:
        return message
    intent = payload[1:] if payload.startswith("/") else message.intent
    return Message(payload, intent, message.buttons)


def _title_key(text: str) -> str:
    return re.sub(r"[^a-z0-9µ/]+", " ", (text or "").lower().replace("'", "")).strip()


def read(
    message: Message,
    stage: str,
    focus: str | None,
    *,
    outcome_offers_coordinator: bool = False,
    unit_choices: Tuple[str, ...] = (),
    extractor: Extractor = extract,
) -> Reading:
    """Read one message for the question on screen.

    Args:
        message: the message, its intent and the buttons on screen.
        stage: the kind of question on screen (``machine.Stage`` values).
        focus: the field the question is about, if any.
        outcome_offers_coordinator: after a result that offered a
            coordinator, "yes" accepts the offer.
        unit_choices: for a question about a unit, the units offered.
        extractor: the message reader (tests inject one).

    Returns:
        The :class:`Reading`.

    """
    pressed = press(message)
    by_button = pressed is not message or is_payload(message.text)
    message = pressed
    intent = message.base_intent
    text = "" if is_payload(message.text) else (message.text or "").strip()
    if intent in FIRST_INTENTS:
        return Reading(Outcome.DETOUR, text=text, intent=intent)
    findings, named, rest = read_values(text, focus, extractor)
    if by_button:
        # A button's words are the bot's, not the patient's: never "you typed".
        findings = {name: replace(f, text=None) for name, f in findings.items()}
    reading = Reading(Outcome.NOT_UNDERSTOOD, findings, named, text=text, intent=intent)
    asks = answers.is_question(text) and not _CORRECTION.search(text)
    if stage == "consent":
        reading.outcome = _consent(intent, text, asks)
    elif stage == "result":
        reading.outcome = _after_result(
            reading, intent, text, asks, outcome_offers_coordinator
        )
    else:
        reading.outcome = _answer(reading, stage, focus, intent, rest, asks)
        if stage == "unit" and reading.outcome is Outcome.ANSWER and rest:
            reading.unit = answers.parse_unit(rest, unit_choices)
    return reading


def _consent(intent: str, text: str, asks: bool) -> Outcome:
    decision = _yes_no(intent, text)
    if decision is not None and not (asks and "?" in text):
        return Outcome.YES if decision else Outcome.NO
    if asks or intent in QUESTION_INTENTS:
        return Outcome.QUESTION
    if intent in CONTROL_INTENTS:
        return Outcome.DETOUR
    return Outcome.NOT_UNDERSTOOD


def _after_result(
    reading: Reading, intent: str, text: str, asks: bool, offered: bool
) -> Outcome:
    """After the result: corrections first, then the next-step choices."""
    if reading.findings and not asks:
        return Outcome.OTHER_VALUES
    if reading.named and not asks:
        return Outcome.NAMED_ONLY
    if answers.says("change", text):
        return Outcome.CHANGE
    if intent == "request_human" or (offered and _yes_no(intent, text) is True):
        return Outcome.COORDINATOR
    if intent == "check_eligibility":
        return Outcome.NEW_RUN
    if intent == "stop":
        return Outcome.CLOSE
    return Outcome.QUESTION


def _answer(
    reading: Reading,
    stage: str,
    focus: str | None,
    intent: str,
    rest: str,
    asks: bool,
) -> Outcome:
    """Every other question: the answer to it, other values, or what else."""
    found = reading.findings.get(focus) if focus else None
    if stage == "unit" and found is not None and found.needs_unit:
        # A bare number is no answer to "which unit?" (nor a new value).
        del reading.findings[focus]
        found = None
    if found is not None and not (asks and _question_start(reading.text)):
        return Outcome.ANSWER if _usable(found) else Outcome.UNCLEAR
    if asks and (reading.findings or _question_start(reading.text) or not rest):
        # A question: the rules answer it; its values are read when the
        # form resumes (machine.resume).
        return Outcome.QUESTION
    if stage == "unit" and rest and answers.parse_unit(rest):
        return Outcome.ANSWER
    if stage in ("confirm", "child_pugh_offer", "check", "change"):
        decision = _yes_no(intent, rest) if not reading.findings else None
        if stage == "change" and rest and answers.says("nothing_to_change", rest):
            decision = True
        if decision is not None:
            return Outcome.YES if decision else Outcome.NO
    if stage == "check" and answers.says("change", rest):
        return Outcome.CHANGE
    if stage == "skip_offer" and answers.says("skip", rest):
        return Outcome.SKIP
    if reading.findings:
        return Outcome.OTHER_VALUES
    if reading.named and stage in ("check", "change"):
        return Outcome.NAMED_ONLY
    # "I don't know what Child-Pugh is" names the field on screen as it says
    # so: the words naming it are not left in ``rest``.
    about_focus = not reading.named or focus in reading.named
    said = rest or (reading.text if about_focus else "")
    if intent == "dont_know" or (said and answers.says("dont_know", said)):
        return Outcome.DONT_KNOW
    if intent in CONTROL_INTENTS:
        return Outcome.DETOUR
    if asks or intent in QUESTION_INTENTS:
        return Outcome.QUESTION
    return Outcome.NOT_UNDERSTOOD


def _question_start(text: str) -> bool:
    """Tell whether a statement of the message starts as a question."""
    return any(
        answers.is_question(text[a:b].replace("?", ""))
        for a, b in answers.clauses(text)
    )


def _yes_no(intent: str, text: str) -> bool | None:
    if intent == "affirm":
        return True
    if intent == "deny":
        return False
    return answers.parse_yes_no(text) if text else None


def _usable(finding: Finding) -> bool:
    """Tell whether a value for the question can be taken (or asked about)."""
    if finding.needs_unit or finding.needs_choice:
        return True
    if finding.ambiguous or finding.value is None:
        return False
    return verdict(finding) is not plausibility.Plausibility.IMPOSSIBLE


def verdict(finding: Finding) -> plausibility.Plausibility:
    """How a definite value looks as typed (impossible, implausible or fine)."""
    if finding.field == "child_pugh":
        try:
            parse_child_pugh(finding.value)
        except ValueError:
            return plausibility.Plausibility.IMPOSSIBLE
        return plausibility.Plausibility.OK
    return plausibility.check(finding.field, finding.value)


# ---------------------------------------------------------------------------
# Values: each statement on the field it names
# ---------------------------------------------------------------------------


def read_values(
    text: str, focus: str | None, extractor: Extractor = extract
) -> Tuple[Dict[str, Finding], List[str], str]:
    """Find the values a message gives, each for the field its statement names.

    Args:
        text: the message (no payload).
        focus: the field the question on screen is about, if any.
        extractor: the message reader.

    Returns:
        ``(findings, named, rest)``: the values by field; the fields named
        without a value; and the words that name no field (the answer to the
        question on screen, read for ``focus`` when it is given).

    """
    if not text:
        return {}, [], ""
    findings = {
        name: found for name, found in extractor(text).items() if name in HEALTH_FIELDS
    }
    spans = answers.clauses(text)
    for name, found in list(findings.items()):
        if name == "diagnosis" and found.start >= 0:
            # The statement, not the one word the extractor anchored on
            # ("hepatocellular carcinoma", not "hepatocellular").
            said = next((text[a:b] for a, b in spans if a <= found.start < b), None)
            findings[name] = replace(found, text=said or found.text)
    mentions = [*field_mentions(text), *answers.named_fields(text)]
    lay: Dict[str, List[Tuple[int, int]]] = {}
    named_spans: List[Tuple[int, int]] = []
    for start, end in spans:
        in_clause = [name for name, a, _ in mentions if start <= a < end]
        valued = [f for f in findings.values() if start <= f.start < end]
        if in_clause or valued:
            named_spans.append((start, end))
        for name in in_clause:
            if name in answers.CHOICE_READERS and name not in findings:
                lay.setdefault(name, []).append((start, end))
    for name, parts in lay.items():
        said = ", ".join(text[a:b] for a, b in parts)
        value = answers.CHOICE_READERS[name](said)
        if value is not None:
            findings[name] = _choice(name, value, said, parts)
    named = sorted(
        {name for name, _, _ in mentions if name not in findings},
        key=HEALTH_FIELDS.index,
    )
    rest_parts = [text[a:b] for a, b in spans if (a, b) not in named_spans]
    if findings or named:
        rest_parts = [p for p in rest_parts if not answers.is_interjection(p)]
    rest = ", ".join(rest_parts)
    if focus and focus not in findings and rest:
        found = read_focus(focus, rest, extractor)
        if found is not None:
            findings[focus] = found
    return findings, named, rest


def _choice(name: str, value: str, said: str, parts: List[Tuple[int, int]]) -> Finding:
    if value == answers.WHICH:
        return Finding(name, None, ambiguous=True, reason=answers.WHICH, text=said)
    return Finding(name, value, text=said, start=parts[0][0], end=parts[-1][1])


def read_focus(
    field_name: str, text: str, extractor: Extractor = extract
) -> Finding | None:
    """Read words that name no field as the answer to the question on ``field_name``.

    Args:
        field_name: the field asked about.
        text: the statements that name no field.
        extractor: the message reader.

    Returns:
        A finding for the field, or ``None`` when the words do not answer it.

    """
    if answers.says("dont_know", text):
        return None
    reader = answers.CHOICE_READERS.get(field_name)
    if reader is not None:
        value = reader(text)
        return _choice(field_name, value, text, [(0, len(text))]) if value else None
    # The whole answer first ("1.5 lakh"), then statement by statement ("only
    # one, in segment 6").
    candidates = [text, *(text[a:b] for a, b in answers.clauses(text))]
    for said in dict.fromkeys(candidates):
        plain = answers.strip_hedges(said)
        found = read_number(field_name, plain or said, extractor)
        if found is not None:
            return found if found.text else replace(found, text=said)
    return None


__all__ = [
    "FIRST_INTENTS",
    "QUESTION_INTENTS",
    "Message",
    "Outcome",
    "Reading",
    "press",
    "read",
    "read_focus",
    "read_values",
    "verdict",
]
