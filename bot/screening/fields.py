"""The values the screening collects, and how they are shown back to a patient.

Field names are the canonical names of ``spec/eligibility.md``; the Rasa slots
carry the same names, so that the facts for ``assess`` are the slots as they
are. The labels are the words a patient reads ("platelet count"), never the
field names.
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Tuple

#: Asked in this order; ``child_pugh`` only when the diagnosis is HCC.
MAIN_FIELDS: Tuple[str, ...] = (
    "diagnosis",
    "lesion_count",
    "max_lesion_cm",
    "bilirubin_mg_dl",
    "platelets_per_ul",
)
#: Asked one by one when the patient agrees to work out the Child-Pugh class.
#: Bilirubin is one of the inputs too, but it is a main field: it is asked
#: before these anyway.
CHILD_PUGH_FIELDS: Tuple[str, ...] = (
    "albumin_g_dl",
    "inr",
    "ascites",
    "encephalopathy",
)
#: Accepted when the patient types them, never asked: patients rarely know
#: them and the imaging review settles them (spec "Required fields").
OPTIONAL_FIELDS: Tuple[str, ...] = ("bile_duct_distance_mm", "bclc_stage")

HEALTH_FIELDS: Tuple[str, ...] = (
    MAIN_FIELDS + ("child_pugh",) + CHILD_PUGH_FIELDS + OPTIONAL_FIELDS
)

#: Values that ``assess`` reads (``child_pugh`` included once known).
ASSESS_FIELDS: Tuple[str, ...] = MAIN_FIELDS + ("child_pugh",) + OPTIONAL_FIELDS

#: Fields kept as numbers; the others are words ("hcc", "B7", "mild").
NUMERIC_FIELDS = frozenset(
    {
        "lesion_count",
        "max_lesion_cm",
        "bilirubin_mg_dl",
        "platelets_per_ul",
        "albumin_g_dl",
        "inr",
        "bile_duct_distance_mm",
    }
)
INTEGER_FIELDS = frozenset({"lesion_count", "platelets_per_ul"})

LABELS: Mapping[str, str] = {
    "diagnosis": "the diagnosis",
    "lesion_count": "the number of tumours",
    "max_lesion_cm": "the size of the largest tumour",
    "bilirubin_mg_dl": "bilirubin",
    "platelets_per_ul": "the platelet count",
    "child_pugh": "the Child-Pugh class",
    "albumin_g_dl": "albumin",
    "inr": "INR",
    "ascites": "fluid in the belly (ascites)",
    "encephalopathy": "confusion or drowsiness",
    "bile_duct_distance_mm": "the distance from the bile duct",
    "bclc_stage": "the BCLC stage",
}

CANONICAL_UNITS: Mapping[str, str] = {
    "max_lesion_cm": "cm",
    "bilirubin_mg_dl": "mg/dL",
    "platelets_per_ul": "per µL",
    "albumin_g_dl": "g/dL",
    "bile_duct_distance_mm": "mm",
}

DIAGNOSIS_WORDS: Mapping[str, str] = {
    "hcc": "liver cancer that started in the liver (HCC)",
    "metastasis": "cancer that spread to the liver from elsewhere",
    "other": "another diagnosis",
}


def format_number(value: float) -> str:
    """Write a number the way a report does: no needless ``.0``, thousands split.

    >>> format_number(120000.0), format_number(1.99), format_number(2.0)
    ('120,000', '1.99', '2')
    """
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def coerce(field: str, value: Any) -> Any:
    """Store a value in the type its field uses (int counts, float measures).

    Args:
        field: a field of :data:`HEALTH_FIELDS`.
        value: the value from the extractor or an answer.

    Returns:
        An ``int`` for counts, a ``float`` for other numbers, the value itself
        for words.

    """
    if field in INTEGER_FIELDS:
        return int(round(float(value)))
    if field in NUMERIC_FIELDS:
        return float(value)
    return value


def describe_value(
    field: str, value: Any, raw: float | None = None, unit: str | None = None
) -> str:
    """One value in plain words, as the bot reads it back ("bilirubin 2.3 mg/dL").

    Args:
        field: a field of :data:`HEALTH_FIELDS`.
        value: its canonical value.
        raw: the number the patient typed, when it was converted.
        unit: the unit the patient typed with ``raw``.

    Returns:
        A short phrase; a converted value also names what was typed, so that
        the patient can check the conversion ("… (you typed 34 µmol/L)").

    """
    if field == "diagnosis":
        return f"diagnosis: {DIAGNOSIS_WORDS.get(str(value), str(value))}"
    if field == "lesion_count":
        count = int(value)
        return f"{count} tumour" + ("" if count == 1 else "s")
    if field == "max_lesion_cm":
        text = f"largest tumour {format_number(value)} cm"
    elif field == "child_pugh":
        return f"Child-Pugh {value}"
    elif field == "bclc_stage":
        return f"BCLC stage {value}"
    elif field in ("ascites", "encephalopathy"):
        return f"{LABELS[field]}: {value}"
    elif field == "bile_duct_distance_mm":
        text = f"{format_number(value)} mm from the bile duct"
    elif field == "inr":
        return f"INR {format_number(value)}"
    else:
        label = {"platelets_per_ul": "platelets"}.get(field, LABELS[field])
        text = f"{label} {format_number(value)} {CANONICAL_UNITS[field]}"
    if raw is not None and unit and float(raw) != float(value):
        # A converted value: show what was typed so the patient can check it.
        text += f" (you typed {format_number(raw)} {unit})"
    return text


def describe_raw(field: str, raw: Any, unit: str | None = None) -> str:
    """Show what the patient typed, for a question about it ("bilirubin 34").

    Args:
        field: a field of :data:`HEALTH_FIELDS`.
        raw: the number as typed.
        unit: the unit as typed, if any.

    Returns:
        A short phrase that names the field and repeats the number and unit.

    """
    number = format_number(raw) if isinstance(raw, (int, float)) else str(raw)
    typed = f"{number} {unit}" if unit else number
    if field == "lesion_count":
        return f"{typed} tumours"
    if field == "bile_duct_distance_mm":
        return f"{typed} from the bile duct"
    label = {
        "platelets_per_ul": "platelets",
        "max_lesion_cm": "largest tumour",
        "bilirubin_mg_dl": "bilirubin",
        "albumin_g_dl": "albumin",
    }.get(field, LABELS.get(field, field))
    return f"{label} {typed}"


def empty_health_values() -> Dict[str, None]:
    """Slot updates that forget every health value (no consent, or refused)."""
    return {field: None for field in HEALTH_FIELDS}
