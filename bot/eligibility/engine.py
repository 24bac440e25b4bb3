"""Pure evaluation of the cryoablation selection criteria.

:func:`assess` compares what a patient told the bot with the published
criteria of :mod:`bot.eligibility.criteria` and returns a :class:`Result`: the
outcome, the flags, the missing required fields, plain-language reasons and
next steps for the patient, and a per-criterion breakdown for coordinators.
Nothing here performs I/O or imports Rasa; the same function serves the
actions, the staff console, scripts and tests.

The bot never decides who is treated: the outcome is a comparison with the
published criteria and a suggested next step, never a medical decision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot import fields
from bot.eligibility.criteria import (
    BCLC_STAGES,
    CHILD_PUGH_CATEGORY_POINTS,
    CHILD_PUGH_CLASS_SCORES,
    CHILD_PUGH_COMPONENTS,
    CHILD_PUGH_COMPUTED,
    CHILD_PUGH_NUMERIC_BANDS,
    CHILD_PUGH_REPORT,
    CHILD_PUGH_SOURCES,
    COMPUTED_CHILD_PUGH_NOTE,
    DIAGNOSES,
    HCC,
    INCOMPLETE,
    LIKELY_SUITABLE,
    MILAN,
    NEEDS_REVIEW,
    NO_EFFECT,
    OPTIONAL_FIELDS,
    REQUIRED_FIELDS,
    RULES,
    RULES_BY_ID,
    RULES_VERSION,
    UNLIKELY_SUITABLE,
    Rule,
    compare,
    is_finite_number,
)

# Status of one criterion in Result.checks.
WITHIN = "within"
OUTSIDE = "outside"
MISSING = "missing"
NOT_APPLICABLE = "not_applicable"

# Next-step sentences, by outcome (spec "Next steps"). The last step of every
# outcome names something a coordinator can act on. Steps that belong to one
# rule (Child-Pugh B8-C, Milan) live with that rule in criteria.py. Neutral
# wording ("the records", "the case"): a relative may be the one reading.
STEP_SEND_RECORDS = (
    "Send the imaging (CT or MRI scans) and reports for a specialist review of "
    "the records."
)
#: likely_suitable: the optional criteria not given (spec "Next steps").
STEP_NOT_CHECKED = "The imaging review will settle what I could not check: {fields}."
STEP_COORDINATOR_LIKELY = (
    "A CancerFax coordinator can help collect the scans and reports and send "
    "them for that review."
)
STEP_TEAM_REVIEW = (
    "A multidisciplinary team should review the full records. They would look "
    "at: {topics}."
)
STEP_COORDINATOR_REVIEW = (
    "Send the imaging (CT or MRI scans) and reports; a CancerFax coordinator "
    "can help collect them and arrange the team review."
)
STEP_SPECIALIST_FIRST = (
    "A hepatologist or oncologist should review the case first, before "
    "cryoablation is considered."
)
STEP_COORDINATOR_UNLIKELY = (
    "A CancerFax coordinator can help arrange that specialist review, and can "
    "also help explore other treatments or clinical trials."
)
STEP_ASK_MISSING = (
    "To compare the case with all the published criteria, please share: {fields}."
)
STEP_COORDINATOR_INCOMPLETE = (
    "If you do not have these details, a CancerFax coordinator can read the "
    "reports and continue with you."
)

# Whole numbers, fields for which zero is impossible ("zero lesions", a lesion
# of no size, an INR of zero; every other number only has to be
# non-negative), and the numeric fields: all from the field registry.
_INTEGER_FIELDS = frozenset(fields.names_where(whole=True))
_POSITIVE_FIELDS = frozenset(fields.names_where(positive=True))
_NUMERIC_FIELDS = tuple(f.name for f in fields.FIELDS if f.numeric)
_CHILD_PUGH_PATTERN = re.compile(r"^([A-Z])-?(\d{1,2})?$")


class InvalidValueError(ValueError):
    """An impossible input value; ``field`` names the offending field."""

    def __init__(self, field_name: str, message: str) -> None:
        self.field = field_name
        super().__init__(f"{field_name}: {message}")


@dataclass(frozen=True)
class Check:
    """How one criterion compares with the patient's value.

    Attributes:
        criterion: Id of the rule in :data:`bot.eligibility.criteria.RULES`, or
            ``"milan"``.
        field: The input field the criterion reads.
        value: The normalised value (``None`` when missing).
        status: ``"within"``, ``"outside"``, ``"missing"`` or
            ``"not_applicable"``.
        within: True when within the preferred range, False when outside it,
            None when missing or not applicable. For the Milan criterion, True
            means within the Milan criteria.
        preferred: The preferred range, as coordinators read it.
        flag: The flag this criterion raised, if any.
        citation: The source line and spec section the criterion comes from.

    """

    criterion: str
    field: str
    value: Any
    status: str
    within: bool | None
    preferred: str
    flag: str | None
    citation: str


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`assess`.

    Attributes:
        outcome: ``"likely_suitable"``, ``"needs_review"``,
            ``"unlikely_suitable"`` or ``"incomplete"``.
        flags: Flags raised by the criteria.
        missing: Required fields not given, in the spec's order.
        reasons: One plain-language sentence per criterion not met.
        next_steps: Plain-language next steps; the last one is something a
            coordinator can act on.
        notes: Plain-language information that does not change the outcome
            (multi-probe strategy, Milan criteria).
        checks: Per-criterion breakdown for coordinators.
        child_pugh: The Child-Pugh value used ("B7", or a class letter alone),
            given or computed; None when unknown or not applicable.
        child_pugh_points: Points per component and ``"total"`` when the
            Child-Pugh value was computed from its components, else None.
        child_pugh_source: ``"report"`` or ``"computed"`` (worked out in the
            conversation) when there is a Child-Pugh value, else None.
        not_checked: The optional fields that apply but were not given (the
            distance from the bile duct, the BCLC stage): criteria the result
            could not check, which the imaging review settles.
        rules_version: Version of the rules that produced this result.

    """

    outcome: str
    flags: frozenset[str]
    missing: list[str]
    reasons: list[str]
    next_steps: list[str]
    notes: list[str] = field(default_factory=list)
    checks: tuple[Check, ...] = ()
    child_pugh: str | None = None
    child_pugh_points: dict[str, int] | None = None
    child_pugh_source: str | None = None
    not_checked: list[str] = field(default_factory=list)
    rules_version: str = RULES_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable copy (for slots, logs and the console)."""
        return {
            "outcome": self.outcome,
            "flags": sorted(self.flags),
            "missing": list(self.missing),
            "reasons": list(self.reasons),
            "next_steps": list(self.next_steps),
            "notes": list(self.notes),
            "checks": [
                {
                    "criterion": c.criterion,
                    "field": c.field,
                    "value": c.value,
                    "status": c.status,
                    "within": c.within,
                    "preferred": c.preferred,
                    "flag": c.flag,
                    "citation": c.citation,
                }
                for c in self.checks
            ],
            "child_pugh": self.child_pugh,
            "child_pugh_points": (
                dict(self.child_pugh_points) if self.child_pugh_points else None
            ),
            "child_pugh_source": self.child_pugh_source,
            "not_checked": list(self.not_checked),
            "rules_version": self.rules_version,
        }


# ---------------------------------------------------------------------------
# Validation: every given value is checked before any rule is evaluated, and an
# impossible one raises InvalidValueError naming its field; nothing is guessed.
# ---------------------------------------------------------------------------


def _is_absent(value: object) -> bool:
    """None or a blank string means "not given" (a form slot not yet filled)."""
    return value is None or (isinstance(value, str) and not value.strip())


def _validate_number(field_name: str, value: object) -> int | float:
    """Check a numeric field: a finite real number, not a bool or a string."""
    if not is_finite_number(value):
        raise InvalidValueError(field_name, f"expected a finite number, got {value!r}")
    number: int | float = value  # type: ignore[assignment]
    if number < 0:
        raise InvalidValueError(field_name, f"cannot be negative, got {number!r}")
    if field_name in _POSITIVE_FIELDS and number == 0:
        raise InvalidValueError(field_name, "cannot be zero")
    if field_name in _INTEGER_FIELDS:
        if number != int(number):
            raise InvalidValueError(
                field_name, f"expected a whole number, got {number!r}"
            )
        number = int(number)
    return number


def _validate_choice(field_name: str, value: object, choices: Iterable[str]) -> str:
    """Check a categorical field, ignoring case and surrounding spaces."""
    allowed = tuple(choices)
    if not isinstance(value, str):
        raise InvalidValueError(
            field_name, f"expected one of {', '.join(allowed)}, got {value!r}"
        )
    text = value.strip().lower()
    for choice in allowed:
        if text == choice.lower():
            return choice
    raise InvalidValueError(
        field_name, f"expected one of {', '.join(allowed)}, got {value!r}"
    )


def parse_child_pugh(value: object) -> str:
    """Normalise a Child-Pugh value to ``"B7"`` or to a class letter alone.

    Examples: ``"B7"``, ``"b7"`` and ``" B 7 "`` give ``"B7"``; ``"b"`` gives
    ``"B"``. The score must belong to its class: A5-A6, B7-B9, C10-C15.

    Args:
        value: The Child-Pugh value as given.

    Returns:
        The class letter followed by the score, or the letter alone.

    Raises:
        InvalidValueError: For anything else (``"A7"``, ``"D5"``, ``7``, ...),
            naming the field ``child_pugh``.

    """
    if not isinstance(value, str):
        raise InvalidValueError(
            "child_pugh", f"expected a class and score such as 'B7', got {value!r}"
        )
    text = "".join(value.split()).upper()
    match = _CHILD_PUGH_PATTERN.match(text)
    if not match or match.group(1) not in CHILD_PUGH_CLASS_SCORES:
        raise InvalidValueError(
            "child_pugh", f"unknown Child-Pugh value {value!r}; expected e.g. 'B7'"
        )
    letter, digits = match.group(1), match.group(2)
    if digits is None:
        return letter
    scores = CHILD_PUGH_CLASS_SCORES[letter]
    score = int(digits)
    if score not in scores:
        raise InvalidValueError(
            "child_pugh",
            f"score {score} does not belong to class {letter} "
            f"({letter}{scores[0]}-{letter}{scores[-1]}), got {value!r}",
        )
    return f"{letter}{score}"


def _validate_bclc(value: object) -> str:
    """Check a BCLC stage: "0", "A", "B", "C" or "D" (0 may be an integer)."""
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return "0"
    return _validate_choice("bclc_stage", value, BCLC_STAGES)


def _validate(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise every known field that is given.

    Unknown keys are ignored (callers pass whole slot dictionaries); absent
    fields stay absent.
    """
    if not isinstance(facts, Mapping):
        raise TypeError(f"assess() expects a mapping, got {type(facts).__name__}")
    values: dict[str, Any] = {}
    for name, raw in facts.items():
        if _is_absent(raw):
            continue
        if name in _NUMERIC_FIELDS:
            values[name] = _validate_number(name, raw)
        elif name == "diagnosis":
            values[name] = _validate_choice(name, raw, DIAGNOSES)
        elif name == "child_pugh":
            values[name] = parse_child_pugh(raw)
        elif name == "bclc_stage":
            values[name] = _validate_bclc(raw)
        elif name in CHILD_PUGH_CATEGORY_POINTS:
            values[name] = _validate_choice(name, raw, CHILD_PUGH_CATEGORY_POINTS[name])
        elif name == "child_pugh_source":
            values[name] = _validate_choice(name, raw, CHILD_PUGH_SOURCES)
    return values


# ---------------------------------------------------------------------------
# Child-Pugh
# ---------------------------------------------------------------------------


def child_pugh_points(
    *,
    bilirubin_mg_dl: float,
    albumin_g_dl: float,
    inr: float,
    ascites: str,
    encephalopathy: str,
) -> dict[str, int]:
    """Return the Child-Pugh points of each component beside the total.

    Args:
        bilirubin_mg_dl: Total bilirubin in mg/dL.
        albumin_g_dl: Albumin in g/dL.
        inr: International normalised ratio.
        ascites: "none", "mild", "moderate" or "severe".
        encephalopathy: "none", "mild" (grade 1-2) or "severe" (grade 3-4).

    Returns:
        ``{"bilirubin_mg_dl": 1, "albumin_g_dl": 2, "inr": 1, "ascites": 2,
        "encephalopathy": 1, "total": 7}`` (an example).

    Raises:
        InvalidValueError: For an impossible value, naming its field.

    """
    given = {
        "bilirubin_mg_dl": bilirubin_mg_dl,
        "albumin_g_dl": albumin_g_dl,
        "inr": inr,
        "ascites": ascites,
        "encephalopathy": encephalopathy,
    }
    points: dict[str, int] = {}
    for name in CHILD_PUGH_COMPONENTS:
        raw = given[name]
        if name in CHILD_PUGH_NUMERIC_BANDS:
            number = _validate_number(name, raw)
            points[name] = next(
                band.points
                for band in CHILD_PUGH_NUMERIC_BANDS[name]
                if compare(number, band.operator, band.limit)
            )
        else:
            table = CHILD_PUGH_CATEGORY_POINTS[name]
            points[name] = table[_validate_choice(name, raw, table)]
    points["total"] = sum(points[name] for name in CHILD_PUGH_COMPONENTS)
    return points


def child_pugh_class(total: int) -> str:
    """Return the class letter of a Child-Pugh total (5-15 points).

    Raises:
        InvalidValueError: For a total outside 5-15, naming ``child_pugh``.

    """
    for letter, scores in CHILD_PUGH_CLASS_SCORES.items():
        if total in scores:
            return letter
    raise InvalidValueError("child_pugh", f"total {total!r} is outside 5-15")


def child_pugh(
    *,
    bilirubin_mg_dl: float,
    albumin_g_dl: float,
    inr: float,
    ascites: str,
    encephalopathy: str,
) -> str:
    """Compute the Child-Pugh class and score, e.g. ``"B7"``.

    Args:
        bilirubin_mg_dl: Total bilirubin in mg/dL.
        albumin_g_dl: Albumin in g/dL.
        inr: International normalised ratio.
        ascites: "none", "mild", "moderate" or "severe".
        encephalopathy: "none", "mild" (grade 1-2) or "severe" (grade 3-4).

    Returns:
        The class letter followed by the total score.

    Raises:
        InvalidValueError: For an impossible value, naming its field.

    """
    total = child_pugh_points(
        bilirubin_mg_dl=bilirubin_mg_dl,
        albumin_g_dl=albumin_g_dl,
        inr=inr,
        ascites=ascites,
        encephalopathy=encephalopathy,
    )["total"]
    return f"{child_pugh_class(total)}{total}"


# ---------------------------------------------------------------------------
# Assessment
# ---------------------------------------------------------------------------


def _rule_check(
    rule: Rule, value: Any, diagnosis: str | None, within_by_rule: dict[str, bool]
) -> Check:
    """Evaluate one rule; ``within_by_rule`` holds the rules evaluated so far."""
    if (
        rule.applies_to is not None
        and diagnosis is not None
        and diagnosis not in rule.applies_to
    ):
        # The value is still shown: a coordinator may want to see it.
        status, within, flag = NOT_APPLICABLE, None, None
    elif value is None:
        status, within, flag = MISSING, None, None
    else:
        within = compare(value, rule.preferred_operator, rule.preferred_limit)
        triggered = compare(value, rule.operator, rule.limit)
        if rule.requires is not None and not within_by_rule.get(rule.requires, False):
            # e.g. multi-probe only applies while the lesion is within 5 cm.
            triggered = False
        status = WITHIN if within else OUTSIDE
        flag = rule.flag if triggered else None
    within_by_rule[rule.id] = bool(within)
    return Check(
        criterion=rule.id,
        field=rule.field,
        value=value,
        status=status,
        within=within,
        preferred=rule.preferred,
        flag=flag,
        citation=rule.citation,
    )


def _milan_check(values: Mapping[str, Any], diagnosis: str | None) -> Check:
    """Evaluate the Milan criteria (HCC only; informational)."""
    count = values.get("lesion_count")
    size = values.get("max_lesion_cm")
    value = None
    if diagnosis is not None and diagnosis not in MILAN.applies_to:
        status, within = NOT_APPLICABLE, None
    elif diagnosis is None or count is None or size is None:
        status, within = MISSING, None
    else:
        within = MILAN.within(count, size)
        status = WITHIN if within else OUTSIDE
        value = {"lesion_count": count, "max_lesion_cm": size}
    return Check(
        criterion="milan",
        field="lesion_count, max_lesion_cm",
        value=value,
        status=status,
        within=within,
        preferred=MILAN.preferred,
        flag=MILAN.flag if within else None,
        citation=MILAN.citation,
    )


def _next_steps(
    outcome: str,
    raised: list[Rule],
    review_topics: list[str],
    missing: list[str],
    within_milan: bool,
    not_checked: list[str],
) -> list[str]:
    """Build the next steps of the spec's "Next steps" section.

    Each step belongs to the rule or outcome that raised it: the steps of the
    raised rules (only Child-Pugh B8-C names other treatments) follow the
    outcome's own step; bridging to transplantation is never offered with an
    unlikely-suitable outcome; the last step is always a coordinator's.
    """
    rule_steps = [rule.next_step for rule in raised if rule.next_step]
    milan = [MILAN.next_step] if within_milan else []
    if outcome == UNLIKELY_SUITABLE:
        return [STEP_SPECIALIST_FIRST, *rule_steps, STEP_COORDINATOR_UNLIKELY]
    if outcome == INCOMPLETE:
        labels = [_asked_for(name) for name in missing]
        return [
            STEP_ASK_MISSING.format(fields="; ".join(labels)),
            *rule_steps,
            *milan,
            STEP_COORDINATOR_INCOMPLETE,
        ]
    if outcome == NEEDS_REVIEW:
        return [
            # Topics can contain "and": semicolons keep them apart.
            STEP_TEAM_REVIEW.format(topics="; ".join(review_topics)),
            *rule_steps,
            *milan,
            STEP_COORDINATOR_REVIEW,
        ]
    unchecked = [
        STEP_NOT_CHECKED.format(
            fields=" and ".join(fields.label(name) for name in not_checked)
        )
    ]
    return [
        STEP_SEND_RECORDS,
        *(unchecked if not_checked else []),
        *milan,
        STEP_COORDINATOR_LIKELY,
    ]


def _asked_for(name: str) -> str:
    """How the next steps ask for a missing field: its label, and its hint."""
    spec = fields.field(name)
    return f"{spec.label} ({spec.hint})" if spec.hint else spec.label


def assess(facts: Mapping[str, Any]) -> Result:
    """Compare a patient's facts with the published selection criteria.

    Args:
        facts: Values in the canonical units of the field names:
            ``diagnosis`` ("hcc", "metastasis" or "other"), ``lesion_count``,
            ``max_lesion_cm``, ``bilirubin_mg_dl``, ``platelets_per_ul``,
            ``child_pugh`` ("B7", or a class letter alone), and optionally
            ``bile_duct_distance_mm``, ``bclc_stage`` ("0", "A"-"D"),
            ``albumin_g_dl``, ``inr``, ``ascites`` and ``encephalopathy`` (from
            which ``child_pugh`` is computed for HCC when it is not given),
            and ``child_pugh_source``: ``"report"`` (the default: a doctor
            wrote the class) or ``"computed"`` (worked out in the
            conversation; a class computed here is always "computed").
            ``None`` or a blank string means not given; unknown keys are
            ignored.

    Returns:
        The :class:`Result`. Outcome order: ``unlikely_suitable`` (Child-Pugh
        B8-C from a report, or BCLC C-D, whatever else is missing), then
        ``incomplete`` (a required field is missing), then ``needs_review`` (a
        criterion outside its preferred range, Child-Pugh B8-C computed
        included), then ``likely_suitable``. Missing facts never give
        ``unlikely_suitable``.

    Raises:
        InvalidValueError: A ``ValueError`` naming the field, for an impossible
            value: negative, zero lesions, non-numeric, bool, NaN or infinite,
            an unknown diagnosis, BCLC stage or Child-Pugh string, a Child-Pugh
            score outside its class.
        TypeError: When ``facts`` is not a mapping.

    """
    values = _validate(facts)
    diagnosis: str | None = values.get("diagnosis")
    # Child-Pugh and BCLC are HCC criteria; they apply unless the diagnosis is
    # known to be something else.
    hcc_criteria_apply = diagnosis in (None, HCC)

    child_pugh_value: str | None = values.get("child_pugh")
    source: str = values.get("child_pugh_source", CHILD_PUGH_REPORT)
    points: dict[str, int] | None = None
    if (
        child_pugh_value is None
        and hcc_criteria_apply
        and all(name in values for name in CHILD_PUGH_COMPONENTS)
    ):
        points = child_pugh_points(
            **{name: values[name] for name in CHILD_PUGH_COMPONENTS}
        )
        child_pugh_value = f"{child_pugh_class(points['total'])}{points['total']}"
        source = CHILD_PUGH_COMPUTED
    if child_pugh_value is not None:
        values["child_pugh"] = child_pugh_value
    shown_child_pugh = child_pugh_value if hcc_criteria_apply else None
    child_pugh_source = source if shown_child_pugh is not None else None

    within_by_rule: dict[str, bool] = {}
    checks = [
        _rule_check(rule, values.get(rule.field), diagnosis, within_by_rule)
        for rule in RULES
    ]
    milan = _milan_check(values, diagnosis)
    checks.append(milan)

    raised_rules = [
        RULES_BY_ID[c.criterion]
        for c in checks
        if c.flag and c.criterion in RULES_BY_ID
    ]
    flags = frozenset(c.flag for c in checks if c.flag)
    # A Child-Pugh class worked out in the conversation is less certain than
    # one a doctor wrote: its rule may have another effect and reason.
    effect = {rule.id: rule.effect_for(child_pugh_source) for rule in raised_rules}

    missing = [
        name
        for name in REQUIRED_FIELDS
        if (name != "child_pugh" or diagnosis == HCC) and values.get(name) is None
    ]
    # Optional criteria that apply but were not given: the result says it
    # could not check them (the imaging review settles them).
    not_checked = list(
        dict.fromkeys(
            c.field
            for c in checks
            if c.status == MISSING and c.field in OPTIONAL_FIELDS
        )
    )

    effects = set(effect.values())
    if UNLIKELY_SUITABLE in effects:
        outcome = UNLIKELY_SUITABLE
    elif missing:
        outcome = INCOMPLETE
    elif NEEDS_REVIEW in effects:
        outcome = NEEDS_REVIEW
    else:
        outcome = LIKELY_SUITABLE

    reasons = [
        rule.reason_for(child_pugh_source)
        for rule in raised_rules
        if effect[rule.id] != NO_EFFECT
    ]
    notes = [rule.reason for rule in raised_rules if effect[rule.id] == NO_EFFECT]
    said_in_a_reason = any(
        rule.reason_when_computed
        for rule in raised_rules
        if effect[rule.id] != NO_EFFECT
    )
    if child_pugh_source == CHILD_PUGH_COMPUTED and not said_in_a_reason:
        # Whenever a computed class is used, say how it was obtained (a raised
        # B8-C says so in its reason).
        notes.append(COMPUTED_CHILD_PUGH_NOTE.format(child_pugh=shown_child_pugh))
    # Bridging to transplantation is never offered with "unlikely suitable".
    within_milan = bool(milan.flag) and outcome != UNLIKELY_SUITABLE
    if within_milan:
        notes.append(MILAN.note)
    review_topics = [
        rule.review_topic_for(child_pugh_source)
        for rule in raised_rules
        if effect[rule.id] == NEEDS_REVIEW
    ]

    return Result(
        outcome=outcome,
        flags=flags,
        missing=missing,
        reasons=reasons,
        next_steps=_next_steps(
            outcome, raised_rules, review_topics, missing, within_milan, not_checked
        ),
        notes=notes,
        checks=tuple(checks),
        child_pugh=shown_child_pugh,
        child_pugh_points=points,
        child_pugh_source=child_pugh_source,
        not_checked=not_checked,
        rules_version=RULES_VERSION,
    )
