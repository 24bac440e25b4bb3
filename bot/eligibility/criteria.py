"""The selection criteria for liver cryoablation, as data with citations.

Every threshold of ``spec/eligibility.md`` is one :class:`Rule` below: the field
it reads, the operator and limit of the range that raises its flag, the
preferred range shown to coordinators, the unit, the flag, the effect on the
outcome, the exact line of the source document it comes from, the section of
the spec that states it, and the words a patient reads when it is raised (its
reason, and the next step that belongs to it, if any). The engine
(:mod:`bot.eligibility.engine`) evaluates these objects and holds no threshold
of its own, so that a reviewer can check this file line by line against the
source.

Source of the criteria: ``seeds/000_4c5dabd8a3483595.txt`` ("Patient and
Lesion Selection Criteria" table and the FAQ on cirrhosis, TACE and
transplantation), last reviewed by its authors on June 4, 2026. Table rows are
quoted with their cells joined by `` | ``; everything else is quoted verbatim.

One table here does NOT come from that source: the Child-Pugh points table
(:data:`CHILD_PUGH_NUMERIC_BANDS`, :data:`CHILD_PUGH_CATEGORY_POINTS`). The
source uses Child-Pugh classes but never defines them; the table is the
standard Child-Turcotte-Pugh classification (:data:`CHILD_PUGH_REFERENCE`),
added by the spec so that a class can be worked out with a patient who does not
know it. A class worked out that way is less certain than one a doctor wrote
(:data:`CHILD_PUGH_COMPUTED`): B8-C computed gives a team review, never
"unlikely suitable", and the patient is told how it was worked out.

Decisions the spec leaves open, taken here and kept in one place:

* Child-Pugh given as a class letter alone: ``"A"`` is within the preferred
  range (A is always 5-6 points), ``"C"`` is unlikely suitable (C is always
  10-15 points), and ``"B"`` cannot be told apart between the accepted B7 and
  the high-risk B8-B9. ``"B"`` alone therefore raises the flag
  ``child_pugh_score_needed`` (team review: the score is needed), and not
  ``hepatology_review``, which would wrongly place B7 among the high-risk
  classes.
* Child-Pugh and BCLC are HCC criteria: they do not apply when the diagnosis
  is ``metastasis`` or ``other``. When the diagnosis is not yet known they are
  applied, so that a Child-Pugh B8-C or a BCLC C-D answer gives
  ``unlikely_suitable`` "whatever else is missing", as the spec's outcome order
  requires. ``child_pugh`` is listed as missing only once the diagnosis is
  known to be ``hcc``.
* The Milan flag needs a diagnosis known to be ``hcc``; ``multi_probe`` and
  ``within_milan`` give notes (``Result.notes``), never reasons, and never
  change the outcome.
* ``child_pugh_source`` says where a given ``child_pugh`` comes from
  (``"report"``, the default, or ``"computed"``); a class that ``assess``
  works out itself from bilirubin, albumin, INR, ascites and encephalopathy
  is always ``"computed"``.
* Inputs: ``None`` or a blank string means "not given". Numbers must be real,
  finite ``int``/``float`` values (no strings, no bools): conversion from what
  patients type belongs to the lab-value extraction. Zero is impossible for
  ``lesion_count``, ``max_lesion_cm`` and ``inr``; the other numbers must not
  be negative. ``lesion_count`` may be a float holding a whole number (a Rasa
  float slot). Categorical values ignore case and surrounding spaces.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot import fields

# The source's "Last reviewed" date plus a revision number of these rules:
# bump the revision whenever a rule or its wording changes without a new
# source review, and reset it when the source is reviewed again.
SOURCE_FILE = "seeds/000_4c5dabd8a3483595.txt"
SOURCE_REVIEWED = date(2026, 6, 4)
RULES_REVISION = 2
RULES_VERSION = f"{SOURCE_REVIEWED.isoformat()}.{RULES_REVISION}"

# Outcomes, in the spec's order of precedence (the first that applies wins).
UNLIKELY_SUITABLE = "unlikely_suitable"
INCOMPLETE = "incomplete"
NEEDS_REVIEW = "needs_review"
LIKELY_SUITABLE = "likely_suitable"
OUTCOMES = (UNLIKELY_SUITABLE, INCOMPLETE, NEEDS_REVIEW, LIKELY_SUITABLE)

# Effect of a rule whose flag is raised: one of the outcomes above, or NO_EFFECT
# for the informational flags (multi_probe, within_milan).
NO_EFFECT = "none"

# Field names, value spaces and the Child-Pugh classes are defined once, in the
# field registry (bot.fields); the rules below only read them.
HCC = fields.HCC
METASTASIS = fields.METASTASIS
OTHER = fields.OTHER_DIAGNOSIS
DIAGNOSES = fields.DIAGNOSES
BCLC_STAGES = fields.BCLC_STAGES

# Required fields in the spec's order; child_pugh only when the diagnosis is hcc.
REQUIRED_FIELDS = fields.REQUIRED_FIELDS
OPTIONAL_FIELDS = fields.OPTIONAL_FIELDS
# Inputs of child_pugh(); bilirubin_mg_dl is shared with the criteria above.
CHILD_PUGH_COMPONENTS = fields.names_where_rule(fields.CHILD_PUGH_TABLE)

# Child-Pugh classes and the scores each class allows (spec "Child-Pugh").
CHILD_PUGH_CLASS_SCORES = fields.CHILD_PUGH_CLASS_SCORES
CHILD_PUGH_VALUES = tuple(
    f"{letter}{score}"
    for letter, scores in CHILD_PUGH_CLASS_SCORES.items()
    for score in scores
)

# Where the Child-Pugh value comes from (spec "The outcome", "Child-Pugh"): a
# report or letter written by a doctor (the default), or worked out in the
# conversation from what a patient or relative typed.
CHILD_PUGH_REPORT = "report"
CHILD_PUGH_COMPUTED = "computed"
CHILD_PUGH_SOURCES = (CHILD_PUGH_REPORT, CHILD_PUGH_COMPUTED)

#: What the bot says whenever it shows a class it worked out (spec
#: "Child-Pugh"): both phrases, in every such message (a test checks).
COMPUTED_FROM_ANSWERS = "worked out from the answers given"
DOCTORS_MAY_GRADE = "the doctors may grade it differently"
#: The note of a result whose Child-Pugh class was worked out and is within
#: the preferred range (B8-C worked out says so in its reason instead).
COMPUTED_CHILD_PUGH_NOTE = (
    "The Child-Pugh class used here ({child_pugh}) was "
    f"{COMPUTED_FROM_ANSWERS}; {DOCTORS_MAY_GRADE}."
)

# Operators a rule may use. "between" includes both ends; "gt_le" is
# "> low and ≤ high", the multi-probe band of the spec.
OPERATORS = ("<", "<=", ">", ">=", "between", "gt_le", "in")


def compare(value: object, operator: str, limit: object) -> bool:
    """Tell whether ``value <operator> limit`` holds.

    Args:
        value: A validated number, or a normalised string for ``"in"``.
        operator: One of :data:`OPERATORS`.
        limit: A number, a ``(low, high)`` pair for ``"between"`` and
            ``"gt_le"``, or a collection for ``"in"``.

    Returns:
        True when the comparison holds. Boundaries are exactly as written:
        ``"<="`` includes the limit, ``"<"`` and ``">"`` do not.

    Raises:
        ValueError: For an operator not in :data:`OPERATORS`.

    """
    if operator == "in":
        return value in limit  # type: ignore[operator]
    if operator == "<":
        return value < limit  # type: ignore[operator]
    if operator == "<=":
        return value <= limit  # type: ignore[operator]
    if operator == ">":
        return value > limit  # type: ignore[operator]
    if operator == ">=":
        return value >= limit  # type: ignore[operator]
    if operator == "between":
        low, high = limit  # type: ignore[misc]
        return low <= value <= high  # type: ignore[operator]
    if operator == "gt_le":
        low, high = limit  # type: ignore[misc]
        return low < value <= high  # type: ignore[operator]
    raise ValueError(f"unknown operator {operator!r}")


def describe(operator: str, limit: object, unit: str = "") -> str:
    """Render a condition for coordinators, e.g. ``"≤ 5 cm"`` or ``"1–3"``.

    Args:
        operator: One of :data:`OPERATORS`.
        limit: The limit the operator compares with.
        unit: The unit to append, if any.

    Returns:
        A short human-readable condition.

    """
    symbols = {"<": "<", "<=": "≤", ">": ">", ">=": "≥"}
    # "/µL" reads as part of the number ("50,000/µL"); other units are spaced.
    suffix = (unit if unit.startswith("/") else f" {unit}") if unit else ""
    if operator in symbols:
        return f"{symbols[operator]} {_number(limit)}{suffix}"
    if operator == "between":
        low, high = limit  # type: ignore[misc]
        return f"{_number(low)}–{_number(high)}{suffix}"
    if operator == "gt_le":
        low, high = limit  # type: ignore[misc]
        return f"> {_number(low)} and ≤ {_number(high)}{suffix}"
    values = sorted(limit, key=_value_order)  # type: ignore[arg-type]
    return ", ".join(str(v) for v in values)


def _number(value: object) -> str:
    """Format a limit with thousands separators and no needless ``.0``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and value >= 10000:
        return f"{value:,}"
    return str(value)


def _value_order(value: object) -> tuple[str, int]:
    """Sort "B7" before "B10" and letters before letter+score."""
    text = str(value)
    digits = "".join(ch for ch in text if ch.isdigit())
    return (text.rstrip("0123456789"), int(digits) if digits else -1)


@dataclass(frozen=True)
class Rule:
    """One threshold of the selection criteria.

    Attributes:
        id: Stable identifier of the rule (used in ``Result.checks``).
        field: The input field the rule reads.
        operator: Operator of the range that raises the flag (the spec's
            "when not preferred" column).
        limit: Limit of that range.
        preferred_operator: Operator of the preferred range.
        preferred_limit: Limit of the preferred range.
        unit: Unit of the field, empty for categorical fields.
        flag: The flag raised when ``value <operator> limit`` holds.
        effect: The outcome the flag leads to, or :data:`NO_EFFECT`.
        applies_to: Diagnoses the rule applies to; ``None`` for all.
        source: The exact line of the source document the rule comes from.
        spec_section: Where ``spec/eligibility.md`` states the rule.
        reason: Plain-language sentence for the patient when the flag is
            raised; no figure that the source does not state, no flag name.
        review_topic: What the team will look at, for the needs_review next
            step (empty for rules that never lead to a team review).
        requires: Id of a rule whose preferred range must hold for this rule to
            raise its flag (multi-probe only applies up to 5 cm).
        next_step: The next step that belongs to this rule, shown whenever
            its flag is raised (spec "Next steps": each step belongs to the
            rule that raised it); empty for none.
        next_step_source: The line of the source the next step rests on,
            when it is not ``source``.
        effect_when_computed: For the Child-Pugh rules, the effect when the
            class was worked out in the conversation (``None``: as ``effect``).
        reason_when_computed: For the Child-Pugh rules, the reason when the
            class was worked out in the conversation (empty: as ``reason``).
        review_topic_when_computed: The review topic in that case.

    """

    id: str
    field: str
    operator: str
    limit: object
    preferred_operator: str
    preferred_limit: object
    unit: str
    flag: str
    effect: str
    applies_to: frozenset[str] | None
    source: str
    spec_section: str
    reason: str
    review_topic: str = ""
    requires: str | None = None
    next_step: str = ""
    next_step_source: str = ""
    effect_when_computed: str | None = None
    reason_when_computed: str = ""
    review_topic_when_computed: str = ""

    def effect_for(self, child_pugh_source: str | None) -> str:
        """The rule's effect, for a Child-Pugh value from ``child_pugh_source``."""
        if child_pugh_source == CHILD_PUGH_COMPUTED and self.effect_when_computed:
            return self.effect_when_computed
        return self.effect

    def reason_for(self, child_pugh_source: str | None) -> str:
        """The rule's reason, for a Child-Pugh value from ``child_pugh_source``."""
        if child_pugh_source == CHILD_PUGH_COMPUTED and self.reason_when_computed:
            return self.reason_when_computed
        return self.reason

    def review_topic_for(self, child_pugh_source: str | None) -> str:
        """The rule's review topic, for a Child-Pugh value from that source."""
        if child_pugh_source == CHILD_PUGH_COMPUTED and self.review_topic_when_computed:
            return self.review_topic_when_computed
        return self.review_topic

    @property
    def preferred(self) -> str:
        """The preferred range, as coordinators read it (e.g. ``"≤ 5 cm"``)."""
        return describe(self.preferred_operator, self.preferred_limit, self.unit)

    @property
    def citation(self) -> str:
        """Source line and spec section, for the per-criterion breakdown."""
        return (
            f'{SOURCE_FILE}: "{self.source}" (spec/eligibility.md, {self.spec_section})'
        )


_HCC_ONLY = frozenset({HCC})
_CRITERIA = "The criteria"

# Quoted lines of the source document (table cells joined by " | ").
SOURCE_LESIONS = (
    "Number of lesions | 1–3 | Oligometastatic disease; more lesions can be "
    "treated in staged sessions"
)
SOURCE_DIAMETER = (
    "Maximum lesion diameter | ≤5 cm | Lesions 3–5 cm require multi-probe "
    "strategy; >5 cm use with caution"
)
SOURCE_CHILD_PUGH = (
    "Child-Pugh score (for HCC) | A or B7 | Child-Pugh B8–C: high procedural "
    "risk; TACE or systemic preferred"
)
SOURCE_BILIRUBIN = (
    "Bilirubin | <2 mg/dL | Elevated bilirubin indicates compromised hepatic reserve"
)
SOURCE_PLATELETS = (
    "Platelet count | >50,000/µL | Lower counts require pre-procedure platelet "
    "transfusion"
)
SOURCE_BILE_DUCT = (
    "Distance from bile duct | >5 mm preferred | Proximity increases biloma "
    "risk; biliary cooling may be needed"
)
SOURCE_BCLC = (
    "Treats HCC (Barcelona Clinic Liver Cancer stages 0–A) and oligometastatic "
    "liver disease with curative or disease-control intent"
)
SOURCE_TACE = (
    "Combined TACE followed by cryoablation is a well-established strategy in "
    "Chinese hepatology centres for intermediate HCC."
)
SOURCE_DIAGNOSIS = (
    "Image-guided cryoablation destroys hepatocellular carcinoma and liver "
    "metastases by generating a precisely controlled ice-ball"
)
SOURCE_REVIEW = (
    "Deviation from these parameters should prompt multidisciplinary team review."
)
SOURCE_MILAN = (
    "For HCC patients listed for transplant, cryoablation maintains tumour "
    "within Milan criteria (≤1 lesion ≤5 cm, or ≤3 lesions all ≤3 cm) during "
    "the waiting period."
)

SOURCE_CIRRHOSIS = (
    "Child-Pugh B8–C cirrhosis significantly increases the risk of "
    "post-procedural liver decompensation, and such patients should be "
    "evaluated by a hepatologist before ablation is considered."
)
SOURCE_HELPS = (
    "If this option is not suitable, we help explore other relevant "
    "treatments, clinical trials, or advanced care pathways."
)
SOURCE_BRIDGE = (
    "It also serves as a bridge to transplantation, maintaining patients "
    "within Milan criteria while awaiting organ availability."
)

_HIGH_RISK_CHILD_PUGH = frozenset(
    {"C", *(v for v in CHILD_PUGH_VALUES if v not in {"A5", "A6", "B7"})}
)

# What the source says about Child-Pugh B8-C, shared by the reasons of a class
# from a report and of a class worked out in the conversation.
_B8_C_WORDS = (
    "The published criteria prefer Child-Pugh A or B7, and note a high "
    "procedural risk for B8–C."
)

RULES: tuple[Rule, ...] = (
    Rule(
        id="diagnosis",
        field="diagnosis",
        operator="in",
        limit=frozenset({OTHER}),
        preferred_operator="in",
        preferred_limit=frozenset({HCC, METASTASIS}),
        unit="",
        flag="other_diagnosis",
        effect=NEEDS_REVIEW,
        applies_to=None,
        source=SOURCE_DIAGNOSIS,
        spec_section=_CRITERIA,
        reason=(
            "The published criteria describe cryoablation for hepatocellular "
            "carcinoma (HCC) and liver metastases; for another diagnosis, a "
            "specialist team needs to look at the case."
        ),
        review_topic=fields.label("diagnosis"),
    ),
    Rule(
        id="lesion_count",
        field="lesion_count",
        operator=">",
        limit=3,
        preferred_operator="between",
        preferred_limit=(1, 3),
        unit="",
        flag="staged_sessions",
        effect=NEEDS_REVIEW,
        applies_to=None,
        source=SOURCE_LESIONS,
        spec_section=_CRITERIA,
        reason=(
            "More than 3 tumours were mentioned; the published criteria prefer "
            "1–3, and note that more lesions can be treated in staged sessions."
        ),
        review_topic=(
            f"{fields.label('lesion_count')} and whether staged sessions could work"
        ),
    ),
    Rule(
        id="max_lesion_size",
        field="max_lesion_cm",
        operator=">",
        limit=5,
        preferred_operator="<=",
        preferred_limit=5,
        unit="cm",
        flag="large_lesion",
        effect=NEEDS_REVIEW,
        applies_to=None,
        source=SOURCE_DIAMETER,
        spec_section=_CRITERIA,
        reason=(
            "The largest tumour is bigger than 5 cm; the published criteria "
            "prefer 5 cm or less, and say to use cryoablation with caution "
            "above that size."
        ),
        review_topic=fields.label("max_lesion_cm"),
    ),
    Rule(
        id="optimal_lesion_size",
        field="max_lesion_cm",
        operator="gt_le",
        limit=(3, 5),
        preferred_operator="<=",
        preferred_limit=3,
        unit="cm",
        flag="multi_probe",
        effect=NO_EFFECT,
        applies_to=None,
        source=SOURCE_DIAMETER,
        spec_section=_CRITERIA,
        # Still within the preferred range: shown as a note, not as a reason.
        reason=(
            "Tumours of 3–5 cm may require a multi-probe strategy (several "
            "cryoprobes placed at the same time), planned from the CT or MRI."
        ),
        requires="max_lesion_size",
    ),
    Rule(
        id="child_pugh",
        field="child_pugh",
        operator="in",
        limit=_HIGH_RISK_CHILD_PUGH,
        preferred_operator="in",
        preferred_limit=frozenset({"A", "A5", "A6", "B7"}),
        unit="",
        flag="hepatology_review",
        effect=UNLIKELY_SUITABLE,
        applies_to=_HCC_ONLY,
        source=SOURCE_CHILD_PUGH,
        spec_section=_CRITERIA,
        reason=f"The Child-Pugh class given is in the B8–C range. {_B8_C_WORDS}",
        # The only step that names other treatments (spec "Next steps").
        next_step=(
            "For Child-Pugh B8–C, the source says that TACE or systemic therapy "
            "is preferred, and that a hepatologist should evaluate the patient "
            "before ablation is considered."
        ),
        next_step_source=SOURCE_CIRRHOSIS,
        # A class worked out from what a patient typed is less certain than
        # one a doctor wrote: a team review, never "unlikely suitable".
        effect_when_computed=NEEDS_REVIEW,
        reason_when_computed=(
            f"The Child-Pugh class {COMPUTED_FROM_ANSWERS} is in the B8–C "
            f"range; {DOCTORS_MAY_GRADE}. {_B8_C_WORDS}"
        ),
        review_topic_when_computed=(
            f"the Child-Pugh class ({COMPUTED_FROM_ANSWERS}) and a "
            "hepatologist's evaluation"
        ),
    ),
    Rule(
        id="child_pugh_score",
        field="child_pugh",
        operator="in",
        limit=frozenset({"B"}),
        preferred_operator="in",
        preferred_limit=frozenset({"A", "A5", "A6", "B7"}),
        unit="",
        flag="child_pugh_score_needed",
        effect=NEEDS_REVIEW,
        applies_to=_HCC_ONLY,
        source=SOURCE_CHILD_PUGH,
        spec_section=_CRITERIA,
        reason=(
            "The Child-Pugh class B was given without its score. The published "
            "criteria prefer Child-Pugh A or B7 and note a high procedural risk "
            "for B8–C, so the full score (or the blood tests and findings it is "
            "worked out from) is needed."
        ),
        review_topic="the full Child-Pugh score",
    ),
    Rule(
        id="bilirubin",
        field="bilirubin_mg_dl",
        operator=">=",
        limit=2,
        preferred_operator="<",
        preferred_limit=2,
        unit="mg/dL",
        flag="hepatic_reserve",
        effect=NEEDS_REVIEW,
        applies_to=None,
        source=SOURCE_BILIRUBIN,
        spec_section=_CRITERIA,
        reason=(
            "The bilirubin given is 2 mg/dL or higher; the published criteria "
            "prefer below 2 mg/dL, because an elevated bilirubin indicates "
            "compromised hepatic reserve (the liver has less in reserve)."
        ),
        review_topic=(
            f"{fields.label('bilirubin_mg_dl')} and how much reserve the liver has"
        ),
    ),
    Rule(
        id="platelets",
        field="platelets_per_ul",
        operator="<=",
        limit=50000,
        preferred_operator=">",
        preferred_limit=50000,
        unit="/µL",
        flag="platelet_transfusion",
        effect=NEEDS_REVIEW,
        applies_to=None,
        source=SOURCE_PLATELETS,
        spec_section=_CRITERIA,
        reason=(
            "The platelet count given is 50,000/µL or lower; the published "
            "criteria prefer more than 50,000/µL, and lower counts require a "
            "platelet transfusion before the procedure."
        ),
        review_topic=(
            f"{fields.label('platelets_per_ul')} and a platelet transfusion before "
            "the procedure"
        ),
    ),
    Rule(
        id="bile_duct_distance",
        field="bile_duct_distance_mm",
        operator="<=",
        limit=5,
        preferred_operator=">",
        preferred_limit=5,
        unit="mm",
        flag="biliary_protection",
        effect=NEEDS_REVIEW,
        applies_to=None,
        source=SOURCE_BILE_DUCT,
        spec_section=_CRITERIA,
        reason=(
            "The tumour is 5 mm or less from a bile duct; the published criteria "
            "prefer more than 5 mm, because proximity increases the risk of a "
            "bile collection (biloma), and biliary cooling may be needed."
        ),
        review_topic=(
            f"{fields.label('bile_duct_distance_mm')} and whether the bile ducts "
            "need cooling"
        ),
    ),
    Rule(
        id="bclc_intermediate",
        field="bclc_stage",
        operator="in",
        limit=frozenset({"B"}),
        preferred_operator="in",
        preferred_limit=frozenset({"0", "A"}),
        unit="",
        flag="tace_combination",
        effect=NEEDS_REVIEW,
        applies_to=_HCC_ONLY,
        source=SOURCE_TACE,
        spec_section=_CRITERIA,
        reason=(
            "The BCLC stage given is B; the published criteria describe "
            "cryoablation for stages 0–A. For intermediate HCC, TACE followed "
            "by cryoablation is a well-established strategy in Chinese "
            "hepatology centres."
        ),
        review_topic=(
            f"{fields.label('bclc_stage')} and whether TACE followed by "
            "cryoablation could fit"
        ),
    ),
    Rule(
        id="bclc_advanced",
        field="bclc_stage",
        operator="in",
        limit=frozenset({"C", "D"}),
        preferred_operator="in",
        preferred_limit=frozenset({"0", "A"}),
        unit="",
        flag="outside_indication",
        effect=UNLIKELY_SUITABLE,
        applies_to=_HCC_ONLY,
        source=SOURCE_BCLC,
        spec_section=_CRITERIA,
        # The source names no other treatment for BCLC C-D: neither does this.
        reason=(
            "The BCLC stage given (C or D) is outside the stages 0–A for which "
            "the published criteria describe cryoablation of HCC."
        ),
    ),
)

RULES_BY_ID: Mapping[str, Rule] = {rule.id: rule for rule in RULES}


@dataclass(frozen=True)
class MilanCriteria:
    """The Milan criteria for transplantation (spec "The criteria", Transplant).

    Within Milan: one lesion of at most ``single_max_cm``, or two to
    ``multiple_max_count`` lesions all of at most ``multiple_max_cm`` (with
    ``max_lesion_cm`` as the size of the largest). Informational only: the flag
    never changes the outcome, and its note and next step (bridging to
    transplantation) are not shown when the outcome is "unlikely suitable"
    (spec "Next steps").
    """

    single_max_cm: float
    multiple_max_count: int
    multiple_max_cm: float
    flag: str
    applies_to: frozenset[str]
    source: str
    spec_section: str
    note: str
    next_step: str
    next_step_source: str

    def within(self, lesion_count: int, max_lesion_cm: float) -> bool:
        """Tell whether the tumours are within the Milan criteria.

        Args:
            lesion_count: Number of lesions (at least 1).
            max_lesion_cm: Size of the largest lesion, in cm.

        Returns:
            True when within the criteria (limits included).

        """
        if lesion_count == 1:
            return max_lesion_cm <= self.single_max_cm
        return (
            lesion_count <= self.multiple_max_count
            and max_lesion_cm <= self.multiple_max_cm
        )

    @property
    def preferred(self) -> str:
        """The criteria as coordinators read them."""
        return (
            f"1 lesion ≤ {_number(self.single_max_cm)} cm, or 2–"
            f"{self.multiple_max_count} lesions all ≤ "
            f"{_number(self.multiple_max_cm)} cm"
        )

    @property
    def citation(self) -> str:
        """Source line and spec section, for the per-criterion breakdown."""
        return (
            f'{SOURCE_FILE}: "{self.source}" (spec/eligibility.md, {self.spec_section})'
        )


MILAN = MilanCriteria(
    single_max_cm=5,
    multiple_max_count=3,
    multiple_max_cm=3,
    flag="within_milan",
    applies_to=_HCC_ONLY,
    source=SOURCE_MILAN,
    spec_section="The criteria, Transplant",
    # Only the number and size of the tumours are known here: the note says
    # so, and gives the criteria as the source states them.
    note=(
        "The number and size of the tumours given are within the Milan "
        "criteria as the source states them (one tumour up to 5 cm, or up to "
        "3 tumours all 3 cm or smaller)."
    ),
    next_step=(
        "If a liver transplant is planned, the transplant team can say whether "
        "cryoablation could serve as a bridge to transplantation, keeping the "
        "cancer within the Milan criteria during the waiting period."
    ),
    next_step_source=SOURCE_BRIDGE,
)

# Every flag the rules can raise, for callers that validate or display them.
FLAGS = frozenset({rule.flag for rule in RULES} | {MILAN.flag})


@dataclass(frozen=True)
class PointBand:
    """Child-Pugh points for one band of a numeric component.

    The band is ``value <operator> limit``; bands are tried in order and the
    first that holds gives the points.
    """

    operator: str
    limit: object
    points: int


#: Where the Child-Pugh table comes from. NOT the clinical source, which uses
#: Child-Pugh classes without defining them: the standard Child-Turcotte-Pugh
#: classification, as the spec's "Child-Pugh" section gives it (the INR bands
#: are the usual modern stand-in for the original prothrombin-time bands).
CHILD_PUGH_REFERENCE = (
    "Pugh RNH, Murray-Lyon IM, Dawson JL, Pietroni MC, Williams R. Transection "
    "of the oesophagus for bleeding oesophageal varices. Br J Surg "
    "1973;60:646–649"
)

# The Child-Pugh table (CHILD_PUGH_REFERENCE, spec "Child-Pugh"; the clinical
# source does not give it); both ends of a middle band included.
CHILD_PUGH_NUMERIC_BANDS: Mapping[str, tuple[PointBand, ...]] = {
    "bilirubin_mg_dl": (
        PointBand("<", 2, 1),
        PointBand("between", (2, 3), 2),
        PointBand(">", 3, 3),
    ),
    "albumin_g_dl": (
        PointBand(">", 3.5, 1),
        PointBand("between", (2.8, 3.5), 2),
        PointBand("<", 2.8, 3),
    ),
    "inr": (
        PointBand("<", 1.7, 1),
        PointBand("between", (1.7, 2.3), 2),
        PointBand(">", 2.3, 3),
    ),
}
CHILD_PUGH_CATEGORY_POINTS: Mapping[str, Mapping[str, int]] = {
    "ascites": {"none": 1, "mild": 2, "moderate": 3, "severe": 3},
    # mild = grade 1-2, severe = grade 3-4
    "encephalopathy": {"none": 1, "mild": 2, "severe": 3},
}
CHILD_PUGH_SPEC_SECTION = "Child-Pugh"


def is_finite_number(value: object) -> bool:
    """Tell whether a value is a real, finite number (bool excluded)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)
