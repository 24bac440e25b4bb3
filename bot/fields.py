"""The screening fields, defined once: the registry every part of the bot reads.

Each field of ``spec/eligibility.md`` is one :class:`Field` below: its name
(also the Rasa slot's name), its kind, its canonical unit and the units a
patient may type, the words a patient reads for it, the range a typed value is
double-checked against, whether it is a whole number, and which rules read it.
:mod:`bot.eligibility` (validation, next steps), :mod:`bot.screening` (the
questions, read-backs, safeguards) and :mod:`bot.nlp.labs` (what the extractor
finds) all import these definitions; none keeps a copy.

To add a field: add a :class:`Field` to :data:`FIELDS` (and a slot with the
same name to ``domain.yml``); the tests in ``tests/test_fields.py`` say what
else it needs (a question, a help text, a rule or a role).

Nothing here imports the rest of the bot, so that every package can import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional, Tuple

# Kinds of value.
NUMBER = "number"  # a measurement, with its canonical unit (INR: a ratio)
COUNT = "count"  # a number of things (tumours): a fraction is a typing slip
CHOICE = "choice"  # one of a few words ("hcc", "mild", "B")
KINDS = (NUMBER, COUNT, CHOICE)

# Roles in the screening (spec "Required fields").
REQUIRED = "required"  # always needed for a result
REQUIRED_FOR_HCC = "required_for_hcc"  # needed when the diagnosis is HCC
CHILD_PUGH_PART = "child_pugh_part"  # asked when Child-Pugh is worked out
OPTIONAL = "optional"  # read when typed, never asked
ROLES = (REQUIRED, REQUIRED_FOR_HCC, CHILD_PUGH_PART, OPTIONAL)

# Rules (``bot.eligibility.criteria.RULES`` ids) that are not a row of the
# criteria table but read fields too.
MILAN_RULE = "milan"
CHILD_PUGH_TABLE = "child_pugh_table"

# Values of the choice fields.
HCC = "hcc"
METASTASIS = "metastasis"
OTHER_DIAGNOSIS = "other"

#: Child-Pugh classes and the total scores each allows (class A is 5-6 points,
#: B 7-9, C 10-15: Pugh RNH et al., Br J Surg 1973;60:646-649, the table of
#: spec/eligibility.md "Child-Pugh"). A value is a letter with its score
#: ("B7") or the letter alone ("B").
CHILD_PUGH_CLASS_SCORES: Mapping[str, range] = {
    "A": range(5, 7),
    "B": range(7, 10),
    "C": range(10, 16),
}


def child_pugh_class_of(score: int) -> Optional[str]:
    """Return the Child-Pugh class letter a total score belongs to, if any.

    >>> child_pugh_class_of(7), child_pugh_class_of(16)
    ('B', None)
    """
    for letter, scores in CHILD_PUGH_CLASS_SCORES.items():
        if score in scores:
            return letter
    return None


@dataclass(frozen=True)
class Field:
    """One screening field.

    Attributes:
        name: canonical name (``spec/eligibility.md``), the Rasa slot's name.
        kind: :data:`NUMBER`, :data:`COUNT` or :data:`CHOICE`.
        role: :data:`REQUIRED`, :data:`REQUIRED_FOR_HCC`,
            :data:`CHILD_PUGH_PART` or :data:`OPTIONAL`.
        label: what a patient reads when a sentence names the field ("the
            platelet count"); the one place these words live.
        short: the name before a value in a read-back ("platelets 120,000 per
            µL"); for counts and choices the wording of
            :func:`bot.screening.values.describe_value` is used.
        hint: what the next steps add when asking for a missing value.
        unit: the canonical unit as shown to patients (``None``: none).
        units: canonical names (``bot.nlp.labs.units``) of the units a typed
            value may carry; conversion happens in the extractor.
        ask_unit: the units the bot offers when a number comes without one
            (first: the most usual); empty when a bare number is read as is.
        choices: for choice fields, each value and the words shown for it.
        whole: a whole number (a count of tumours, platelets per µL).
        positive: zero is impossible for the rules (``assess`` refuses it).
        zero_on_report: a report can show zero (a tumour touching a duct).
        plausible: ``(low, high)`` in canonical units: outside, a typed value
            is read back for confirmation (a safeguard against typing slips,
            not a clinical criterion); ``None`` leaves a side open.
        rules: ids of the rules that read the field (criteria rows,
            :data:`MILAN_RULE`, :data:`CHILD_PUGH_TABLE`).
        answer_context: how a bare answer to the field's question is put in
            words the extractor reads ("2" -> "2 tumours").

    """

    name: str
    kind: str
    role: str
    label: str
    short: str
    hint: str = ""
    unit: Optional[str] = None
    units: Tuple[str, ...] = ()
    ask_unit: Tuple[str, ...] = ()
    choices: Optional[Mapping[str, str]] = None
    whole: bool = False
    positive: bool = False
    zero_on_report: bool = False
    plausible: Tuple[Optional[float], Optional[float]] = (None, None)
    rules: Tuple[str, ...] = ()
    answer_context: str = "{answer}"

    @property
    def numeric(self) -> bool:
        """Tell whether the field holds a number (a measurement or a count)."""
        return self.kind in (NUMBER, COUNT)


_CHILD_PUGH_VALUES = {
    letter: f"class {letter}" for letter in CHILD_PUGH_CLASS_SCORES
} | {
    f"{letter}{score}": f"class {letter}, score {score}"
    for letter, scores in CHILD_PUGH_CLASS_SCORES.items()
    for score in scores
}

#: Every field, in the order the screening asks for them.
FIELDS: Tuple[Field, ...] = (
    Field(
        name="diagnosis",
        kind=CHOICE,
        role=REQUIRED,
        label="the diagnosis",
        short="diagnosis",
        hint="hepatocellular carcinoma, liver metastases or another diagnosis",
        choices={
            HCC: "liver cancer that started in the liver (HCC)",
            METASTASIS: "cancer that spread to the liver from elsewhere",
            OTHER_DIAGNOSIS: "another diagnosis",
        },
        rules=("diagnosis", MILAN_RULE),
    ),
    Field(
        name="lesion_count",
        kind=COUNT,
        role=REQUIRED,
        label="the number of tumours",
        short="tumours",
        whole=True,
        positive=True,
        plausible=(None, 15),
        rules=("lesion_count", MILAN_RULE),
        answer_context="{answer} tumours",
    ),
    Field(
        name="max_lesion_cm",
        kind=NUMBER,
        role=REQUIRED,
        label="the size of the largest tumour",
        short="largest tumour",
        unit="cm",
        units=("cm", "mm"),
        ask_unit=("cm", "mm"),
        positive=True,
        plausible=(None, 20),
        rules=("max_lesion_size", "optimal_lesion_size", MILAN_RULE),
        answer_context="largest tumour {answer}",
    ),
    Field(
        name="bilirubin_mg_dl",
        kind=NUMBER,
        role=REQUIRED,
        label="the bilirubin level",
        short="bilirubin",
        unit="mg/dL",
        units=("mg/dL", "mg", "µmol/L"),
        ask_unit=("mg/dL", "µmol/L"),
        plausible=(None, 30),
        rules=("bilirubin", CHILD_PUGH_TABLE),
        answer_context="total bilirubin {answer}",
    ),
    Field(
        name="platelets_per_ul",
        kind=NUMBER,
        role=REQUIRED,
        label="the platelet count",
        short="platelets",
        unit="per µL",
        units=(
            "/µL",
            "×10^9/L",
            "g/L",
            "×10^3/µL",
            "×10^4/µL",
            "thousand",
            "lakh",
            "L",
        ),
        whole=True,
        plausible=(5_000, 1_500_000),
        rules=("platelets",),
        answer_context="platelet count {answer}",
    ),
    Field(
        name="child_pugh",
        kind=CHOICE,
        role=REQUIRED_FOR_HCC,
        label="the Child-Pugh class",
        short="Child-Pugh",
        hint=(
            "or the albumin level, the INR, and whether there is fluid in the "
            "belly or confusion, so that it can be worked out"
        ),
        choices=_CHILD_PUGH_VALUES,
        rules=("child_pugh", "child_pugh_score"),
        answer_context="Child-Pugh {answer}",
    ),
    Field(
        name="albumin_g_dl",
        kind=NUMBER,
        role=CHILD_PUGH_PART,
        label="the albumin level",
        short="albumin",
        unit="g/dL",
        units=("g/dL", "g/L", "g"),
        ask_unit=("g/dL", "g/L"),
        plausible=(1, 7),
        rules=(CHILD_PUGH_TABLE,),
        answer_context="albumin {answer}",
    ),
    Field(
        name="inr",
        kind=NUMBER,
        role=CHILD_PUGH_PART,
        label="the INR",
        short="INR",
        positive=True,
        plausible=(0.5, 10),
        rules=(CHILD_PUGH_TABLE,),
        answer_context="INR {answer}",
    ),
    Field(
        name="ascites",
        kind=CHOICE,
        role=CHILD_PUGH_PART,
        label="fluid in the belly (ascites)",
        short="fluid in the belly",
        choices={
            "none": "none",
            "mild": "mild",
            "moderate": "moderate",
            "severe": "severe",
        },
        rules=(CHILD_PUGH_TABLE,),
    ),
    Field(
        name="encephalopathy",
        kind=CHOICE,
        role=CHILD_PUGH_PART,
        label="confusion or drowsiness (hepatic encephalopathy)",
        short="confusion or drowsiness",
        choices={"none": "none", "mild": "mild", "severe": "severe"},
        rules=(CHILD_PUGH_TABLE,),
    ),
    Field(
        name="bile_duct_distance_mm",
        kind=NUMBER,
        role=OPTIONAL,
        label="the distance from the bile duct",
        short="distance from the bile duct",
        unit="mm",
        units=("mm", "cm"),
        ask_unit=("mm", "cm"),
        # A tumour can touch a bile duct: zero millimetres is possible.
        zero_on_report=True,
        plausible=(None, 200),
        rules=("bile_duct_distance",),
        answer_context="{answer} from the bile duct",
    ),
    Field(
        name="bclc_stage",
        kind=CHOICE,
        role=OPTIONAL,
        label="the BCLC stage",
        short="BCLC stage",
        choices={stage: f"stage {stage}" for stage in ("0", "A", "B", "C", "D")},
        rules=("bclc_intermediate", "bclc_advanced"),
        answer_context="BCLC stage {answer}",
    ),
)

BY_NAME: Mapping[str, Field] = {field.name: field for field in FIELDS}
NAMES: Tuple[str, ...] = tuple(field.name for field in FIELDS)


def field(name: str) -> Field:
    """Return the field called ``name`` (``KeyError`` for an unknown name)."""
    return BY_NAME[name]


def label(name: str) -> str:
    """Return the words a patient reads for the field ``name``."""
    return BY_NAME[name].label


def names_with(role: str) -> Tuple[str, ...]:
    """Return the names of the fields with ``role``, in the asking order."""
    return tuple(f.name for f in FIELDS if f.role == role)


def names_where(**attributes: object) -> Tuple[str, ...]:
    """Return the names of the fields whose attributes have the given values.

    >>> names_where(whole=True)
    ('lesion_count', 'platelets_per_ul')
    """
    return tuple(
        f.name
        for f in FIELDS
        if all(getattr(f, key) == value for key, value in attributes.items())
    )


def names_where_rule(rule: str) -> Tuple[str, ...]:
    """Return the names of the fields a rule reads, in the asking order.

    >>> names_where_rule(CHILD_PUGH_TABLE)[:2]
    ('bilirubin_mg_dl', 'albumin_g_dl')
    """
    return tuple(f.name for f in FIELDS if rule in f.rules)


def choices(name: str) -> Tuple[str, ...]:
    """Return the values a choice field accepts, in their order."""
    return tuple(BY_NAME[name].choices or ())


def coerce(name: str, value: object) -> object:
    """Store a value in its field's type (Rasa may hand a count back as ``2.0``).

    ``int`` for whole numbers, ``float`` for other numbers, the value itself
    for choices.

    >>> coerce("lesion_count", 2.0), coerce("inr", 1), coerce("ascites", "mild")
    (2, 1.0, 'mild')
    """
    spec = BY_NAME[name]
    if spec.whole:
        return int(round(float(value)))  # type: ignore[arg-type]
    if spec.numeric:
        return float(value)  # type: ignore[arg-type]
    return value


#: Required fields in the spec's order (child_pugh only for HCC).
REQUIRED_FIELDS: Tuple[str, ...] = tuple(
    f.name for f in FIELDS if f.role in (REQUIRED, REQUIRED_FOR_HCC)
)
#: Optional fields: read when given, settled by the imaging review otherwise.
OPTIONAL_FIELDS: Tuple[str, ...] = names_with(OPTIONAL)
DIAGNOSES: Tuple[str, ...] = choices("diagnosis")
BCLC_STAGES: Tuple[str, ...] = choices("bclc_stage")
ASCITES_GRADES: Tuple[str, ...] = choices("ascites")
ENCEPHALOPATHY_GRADES: Tuple[str, ...] = choices("encephalopathy")

__all__ = [
    "ASCITES_GRADES",
    "BCLC_STAGES",
    "BY_NAME",
    "CHILD_PUGH_CLASS_SCORES",
    "DIAGNOSES",
    "ENCEPHALOPATHY_GRADES",
    "FIELDS",
    "Field",
    "NAMES",
    "OPTIONAL_FIELDS",
    "REQUIRED_FIELDS",
    "child_pugh_class_of",
    "choices",
    "coerce",
    "field",
    "label",
    "names_where",
    "names_where_rule",
    "names_with",
]
