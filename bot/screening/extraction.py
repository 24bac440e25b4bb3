"""From one patient message to candidate values, through the lab-value extractor.

The extractor of :mod:`bot.nlp.labs` reads values stated with their name, in
any order, several per message ("bilirubin 34 umol/L, plt 1.2 lakh"). The form
also needs to read bare answers to its own question ("2" after "how many
tumours?"); :func:`read_number` gives the extractor that context by naming the
field around the answer (the registry's ``answer_context``), so that units and
conversions stay in one place.

Text starting with ``/`` is never read: it is a button payload or an attempt
to inject ``/inform{...}``, and neither may set a value.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, Callable, Dict, Mapping

from bot import fields as F
from bot.nlp.labs.extractor import extract_lab_findings
from bot.nlp.labs.findings import NO_UNIT, RANGE, LabFinding
from bot.screening import answers


@dataclass(frozen=True)
class Finding:
    """One value found in a message.

    Attributes:
        field: canonical field name (``bilirubin_mg_dl`` …).
        value: canonical value; ``None`` when it cannot be used without asking.
        raw: the number as typed, when the value came from a number.
        unit: the unit as typed (in the bot's spelling, e.g. ``µmol/L``).
        ambiguous: the value cannot be used without asking the patient.
        reason: why it is ambiguous: :data:`NO_UNIT` (ask for the unit),
            :data:`answers.WHICH` (ask which one), or another of the
            extractor's reasons (a bound, a range …: ask for the value again).
        options: for a number without its unit, the canonical value under
            each unit the patient may mean (``{"mg/dL": 34.0, "µmol/L": 1.99}``).
        text: the words the value was read from.
        start: where those words start in the message (``-1``: not known).
        end: where they end.

    """

    field: str
    value: Any
    raw: float | None = None
    unit: str | None = None
    ambiguous: bool = False
    reason: str | None = None
    options: Mapping[str, Any] = dataclass_field(default_factory=dict)
    text: str | None = None
    start: int = -1
    end: int = -1

    @property
    def needs_unit(self) -> bool:
        """Tell whether the bot should ask which unit the number is in."""
        return self.ambiguous and self.reason == NO_UNIT and self.raw is not None

    @property
    def needs_choice(self) -> bool:
        """Tell whether the bot should ask which of the field's values it is."""
        return self.ambiguous and self.reason == answers.WHICH


#: Reads a message into findings by field; injectable for tests.
Extractor = Callable[[str], Dict[str, Finding]]


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
    return {
        name: _finding(item)
        for name, item in extract_lab_findings(text).items()
        if item.ambiguous or item.value is not None
    }


def _finding(item: LabFinding) -> Finding:
    raw = item.raw_value
    is_number = isinstance(raw, (int, float)) and not isinstance(raw, bool)
    return Finding(
        field=item.field,
        value=None if item.ambiguous else item.value,
        raw=float(raw) if is_number else None,
        unit=item.unit or item.raw_unit or None,
        ambiguous=item.ambiguous,
        reason=item.reason,
        options=dict(item.options or {}),
        text=item.text,
        start=item.start,
        end=item.end,
    )


def read_number(
    field: str, text: str, extractor: Extractor = extract
) -> Finding | None:
    """Read a reply to the bot's question about a numeric field or Child-Pugh.

    Tries, in order: the extractor on the text as it is; the extractor on the
    text with the field named ("2" → "2 tumours"); and a bare number, used as
    it is for fields without a unit, or marked ambiguous for fields whose unit
    the patient has to tell (so that the bot asks).

    Args:
        field: the field the bot asked about.
        text: the patient's reply, without hedges ("about", "I think").
        extractor: the message reader (tests inject one).

    Returns:
        A finding for ``field``, or ``None`` when the reply does not answer it.

    """
    if not text or is_payload(text):
        return None
    spec = F.field(field)
    if answers.gives_alternatives(text, ranges=spec.kind == F.COUNT):
        # "3 or 4": the report says one of them; ask for it as printed.
        return Finding(field, None, ambiguous=True, reason=RANGE, text=text)
    found = extractor(text).get(field)
    if found is None:
        found = extractor(spec.answer_context.format(answer=text)).get(field)
    if found is not None:
        return found
    number = answers.parse_bare_number(text)
    if number is None or spec.kind == F.CHOICE:
        return None
    typed = f"{number:g}"  # the number as typed, without the words around it
    if not spec.ask_unit:
        return Finding(field, number, raw=number, text=typed)
    return Finding(field, None, raw=number, ambiguous=True, reason=NO_UNIT, text=typed)


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
    found = extractor(F.field(field).answer_context.format(answer=typed)).get(field)
    if found is None or found.ambiguous or found.value is None:
        return None
    return Finding(field, found.value, raw=raw, unit=unit, text=typed)
