"""From one patient message to candidate values, through the lab-value extractor.

The extractor of :mod:`bot.nlp.labs` reads values stated with their name, in
any order, several per message ("bilirubin 34 umol/L, plt 1.2 lakh"). The form
also needs to read bare answers to its own question ("2" after "how many
tumours?"); :func:`read_answer` gives the extractor that context by naming the
field in front of the answer, so that units and conversions stay in one place.

Text starting with ``/`` is never read: it is a button payload or an attempt
to inject ``/inform{...}``, and neither may set a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Callable, Dict, Mapping, Tuple

from bot.screening import answers
from bot.screening.fields import HEALTH_FIELDS


@dataclass(frozen=True)
class Finding:
    """One value found in a message.

    Attributes:
        field: canonical field name (``bilirubin_mg_dl`` …).
        value: canonical value; ``None`` when it cannot be used without asking.
        raw: the number as typed, when the value came from a number.
        unit: the unit as typed (in the bot's spelling, e.g. ``µmol/L``).
        ambiguous: the value cannot be used without asking the patient.
        reason: why it is ambiguous: :data:`NO_UNIT` (ask for the unit), or
            another of the extractor's reasons (a bound, a range …: ask for
            the value again).
        options: for a number without its unit, the canonical value under
            each unit the patient may mean (``{"mg/dL": 34.0, "µmol/L": 1.99}``).
        text: the span of the message the value was read from.

    """

    field: str
    value: Any
    raw: float | None = None
    unit: str | None = None
    ambiguous: bool = False
    reason: str | None = None
    options: Mapping[str, Any] = dataclass_field(default_factory=dict)
    text: str | None = None

    @property
    def needs_unit(self) -> bool:
        """Tell whether the bot should ask which unit the number is in."""
        return self.ambiguous and self.reason == NO_UNIT and self.raw is not None


#: The extractor's reason for a number without its unit.
NO_UNIT = "no_unit"

#: Reads a message into findings by field; injectable for tests.
Extractor = Callable[[str], Dict[str, Finding]]

#: Units the bot offers when a value's unit is ambiguous (first = most usual).
UNIT_CHOICES: Mapping[str, Tuple[str, ...]] = {
    "bilirubin_mg_dl": ("mg/dL", "µmol/L"),
    "max_lesion_cm": ("cm", "mm"),
    "albumin_g_dl": ("g/dL", "g/L"),
    "bile_duct_distance_mm": ("mm", "cm"),
}

#: How to name a field around a bare answer so that the extractor reads it.
_CONTEXT: Mapping[str, str] = {
    "lesion_count": "{answer} tumours",
    "max_lesion_cm": "largest tumour {answer}",
    "bilirubin_mg_dl": "total bilirubin {answer}",
    "platelets_per_ul": "platelet count {answer}",
    "child_pugh": "Child-Pugh {answer}",
    "albumin_g_dl": "albumin {answer}",
    "inr": "INR {answer}",
    "bile_duct_distance_mm": "{answer} from the bile duct",
    "bclc_stage": "BCLC stage {answer}",
    "diagnosis": "{answer}",
}


def is_payload(text: str | None) -> bool:
    """Tell whether the text starts with ``/`` (a button or an injected intent)."""
    return (text or "").lstrip().startswith("/")


def extract(text: str) -> Dict[str, Finding]:
    """Every screening value stated in ``text``, by field.

    Args:
        text: the patient's message.

    Returns:
        Findings by field; empty for a payload (``/…``) or empty text.

    """
    if not text or is_payload(text):
        return {}
    # Imported here: the extractor builds a spaCy pipeline on first use, and
    # rasa_sdk imports every action module at start-up.
    from bot.nlp.labs.extractor import extract_lab_findings

    return _normalise(extract_lab_findings(text))


def _normalise(found: Any) -> Dict[str, Finding]:
    """Turn the extractor's ``LabFinding`` objects into :class:`Finding` by field."""
    items = (
        found.items()
        if isinstance(found, Mapping)
        else ((_get(item, "field"), item) for item in found or ())
    )
    result: Dict[str, Finding] = {}
    for name, item in items:
        if name not in HEALTH_FIELDS:
            continue
        ambiguous = bool(_get(item, "ambiguous"))
        value = None if ambiguous else _get(item, "value")
        if value is None and not ambiguous:
            continue
        raw = _get(item, "raw_value")
        is_number = isinstance(raw, (int, float)) and not isinstance(raw, bool)
        result[name] = Finding(
            field=name,
            value=value,
            raw=float(raw) if is_number else None,
            unit=_get(item, "unit") or _get(item, "raw_unit") or None,
            ambiguous=ambiguous,
            reason=_get(item, "reason"),
            options=dict(_get(item, "options") or {}),
            text=_get(item, "text"),
        )
    return result


def _get(item: Any, name: str) -> Any:
    if isinstance(item, Mapping):
        return item.get(name)
    return getattr(item, name, None)


def read_answer(
    field: str, text: str, extractor: Extractor = extract
) -> Finding | None:
    """Read a reply to the bot's question about ``field``.

    Tries, in order: the extractor on the text as it is; the extractor on the
    text with the field named ("2" → "2 tumours"); the short-answer parsers of
    :mod:`bot.screening.answers`; and a bare number for fields whose unit the
    patient has to tell (marked ambiguous, so that the bot asks).

    Args:
        field: the field the bot asked about.
        text: the patient's reply.
        extractor: the message reader (tests inject one).

    Returns:
        A finding for ``field``, or ``None`` when the reply does not answer it.

    """
    if not text or is_payload(text):
        return None
    found = extractor(text).get(field)
    if found is None and field in _CONTEXT:
        found = extractor(_CONTEXT[field].format(answer=text)).get(field)
    if found is not None:
        return found
    word = _WORD_ANSWERS.get(field)
    if word is not None:
        value = word(text)
        return Finding(field, value) if value is not None else None
    number = answers.parse_bare_number(text)
    if number is None:
        return None
    if field in ("lesion_count", "inr"):
        return Finding(field, number, raw=number)
    if field in UNIT_CHOICES:
        return Finding(
            field, None, raw=number, ambiguous=True, reason=NO_UNIT, text=text
        )
    return None


_WORD_ANSWERS: Mapping[str, Callable[[str], str | None]] = {
    "diagnosis": answers.parse_diagnosis,
    "ascites": answers.parse_ascites,
    "encephalopathy": answers.parse_encephalopathy,
}


def convert(
    field: str, raw: float, unit: str, extractor: Extractor = extract
) -> Finding | None:
    """Convert ``raw`` in ``unit`` to the canonical unit, as the extractor does.

    Args:
        field: the field the number belongs to.
        raw: the number the patient typed.
        unit: the unit the patient chose.
        extractor: the message reader (tests inject one).

    Returns:
        The finding, or ``None`` if the extractor cannot read it.

    """
    typed = f"{raw:g} {unit}"
    text = _CONTEXT.get(field, "{answer}").format(answer=typed)
    found = extractor(text).get(field)
    if found is None or found.ambiguous or found.value is None:
        return None
    return Finding(field, found.value, raw=raw, unit=unit, text=typed)
