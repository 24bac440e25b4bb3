"""The values the screening collects, and how they are shown back to a patient.

The fields, their labels and units are the registry's (:mod:`bot.fields`);
this module only orders them for the conversation and writes values in words.
The Rasa slots carry the fields' names, so that the facts for ``assess`` are
the slots as they are.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Mapping, Tuple

from bot import fields as F

#: Asked in this order; ``child_pugh`` only when the diagnosis is HCC.
MAIN_FIELDS: Tuple[str, ...] = F.names_with(F.REQUIRED)
#: Asked one by one when the patient agrees to work out the Child-Pugh class.
#: Bilirubin is one of the inputs too, but it is a main field: it is asked
#: before these anyway.
CHILD_PUGH_FIELDS: Tuple[str, ...] = F.names_with(F.CHILD_PUGH_PART)
#: Accepted when the patient types them, never asked: patients rarely know
#: them and the imaging review settles them (spec "Required fields").
OPTIONAL_FIELDS: Tuple[str, ...] = F.OPTIONAL_FIELDS
#: Every health value the screening may hold, in the registry's order.
HEALTH_FIELDS: Tuple[str, ...] = F.NAMES
#: The inputs of ``bot.eligibility.child_pugh``.
CHILD_PUGH_INPUTS: Tuple[str, ...] = F.names_where_rule(F.CHILD_PUGH_TABLE)

#: Beside a normalised value, what the patient typed, when it reads differently.
YOU_TYPED = "(you typed {typed})"
#: Longest stretch of a patient's words repeated in a read-back.
TYPED_SHOWN_CHARS = 60


def format_number(value: float) -> str:
    """Write a number the way a report does: no needless ``.0``, thousands split.

    >>> format_number(120000.0), format_number(1.99), format_number(2.0)
    ('120,000', '1.99', '2')
    """
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def describe_value(field: str, value: Any) -> str:
    """One value in plain words, as the bot reads it back ("bilirubin 2.3 mg/dL").

    Args:
        field: a field of :data:`HEALTH_FIELDS`.
        value: its canonical value.

    Returns:
        A short phrase naming the field and the value.

    """
    spec = F.field(field)
    if field == "lesion_count":
        count = int(value)
        return f"{count} tumour" + ("" if count == 1 else "s")
    if field == "bile_duct_distance_mm":
        return f"{format_number(value)} {spec.unit} from the bile duct"
    if spec.kind == F.CHOICE:
        if field in ("child_pugh", "bclc_stage"):
            return f"{spec.short} {value}"
        words = (spec.choices or {}).get(str(value), str(value))
        return f"{spec.short}: {words}"
    unit = f" {spec.unit}" if spec.unit else ""
    return f"{spec.short} {format_number(value)}{unit}"


def describe_typed(field: str, raw: Any, unit: str | None = None) -> str:
    """Show a number as the patient typed it, for a question about it ("bilirubin 34").

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
    return f"{F.field(field).short} {typed}"


def _comparable(text: str) -> str:
    return re.sub(r"[^a-z0-9.µ]+", " ", text.lower()).strip()


def readback_line(
    field: str, value: Any, typed: Mapping[str, Any] | None = None, note: str = ""
) -> str:
    """One line of the read-back: the value normalised, and what was typed.

    Args:
        field: a field of :data:`HEALTH_FIELDS`.
        value: its canonical value.
        typed: ``{"raw", "unit", "text"}`` as the patient typed it, if known.
        note: words added in brackets ("worked out from the answers given; …").

    Returns:
        e.g. ``"bilirubin 1.2 mg/dL (you typed 1.2)"``: what was typed is
        shown when it reads differently from the normalised value.

    """
    text = describe_value(field, value)
    said = _typed_text(typed or {})
    counted = F.field(field).kind == F.COUNT  # "two" or "2": the count says it
    if (
        said
        and not counted
        and _comparable(said) != _comparable(_value_words(field, value))
    ):
        shown = said if len(said) <= TYPED_SHOWN_CHARS else said[:TYPED_SHOWN_CHARS]
        quoted = f'"{shown}"' if F.field(field).kind == F.CHOICE else shown
        text += " " + YOU_TYPED.format(typed=quoted)
    if note:
        text += f" ({note})"
    return text


def _value_words(field: str, value: Any) -> str:
    """The value alone, as the bot writes it ("1.2 mg/dL", "mild", "B7")."""
    spec = F.field(field)
    if field in ("child_pugh", "bclc_stage"):
        return str(value)
    if spec.kind == F.CHOICE:
        return str((spec.choices or {}).get(str(value), value))
    unit = f" {spec.unit}" if spec.unit else ""
    return f"{format_number(value)}{unit}"


def _typed_text(typed: Mapping[str, Any]) -> str:
    if typed.get("text"):
        return str(typed["text"]).strip()
    raw, unit = typed.get("raw"), typed.get("unit")
    if raw is None:
        return ""
    return " ".join(part for part in (format_number(raw), unit or "") if part)


def empty_health_values() -> Dict[str, None]:
    """Slot updates that forget every health value (no consent, or refused)."""
    return {field: None for field in HEALTH_FIELDS}


def facts(slots: Mapping[str, Any]) -> Dict[str, Any]:
    """The health values the form filled, in the types ``assess`` wants.

    Args:
        slots: the form's slot values.

    Returns:
        The non-empty health fields (counts as ``int``; Rasa may hand back
        ``2.0`` for a count stored as ``2``).

    """
    return {
        name: F.coerce(name, slots[name])
        for name in HEALTH_FIELDS
        if slots.get(name) is not None
    }


def bullet_lines(items: Any) -> str:
    """Format sentences as "- " lines, one per item (empty for no items).

    The one list format of every screening message.

    >>> print(bullet_lines(["bilirubin 1.2 mg/dL", "2 tumours"]))
    - bilirubin 1.2 mg/dL
    - 2 tumours
    """
    return "\n".join(f"- {item}" for item in items)
