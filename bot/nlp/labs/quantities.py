"""Numbers with their units, as written in a message.

:func:`scan_quantities` finds every number of a normalised text with what
follows it: a unit ("34 umol/L", "1,20,000 /cumm", "65 x10^9/L"), the other
dimensions of a size ("4.2 x 3.1 cm"), the second end of a range ("2-3 cm")
or of a change ("from 2.1 to 1.5"). Dates and times are left out. Which field
a number belongs to is decided by the readers (``readers/``), which mark the
quantities they take as *claimed*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Tuple

from bot.nlp.labs import units as U

#: How far before a range "from" is looked for ("from 2.1 to 1.5" is a change,
#: not a range): "from" and a few spaces.
CHANGE_CUE_WINDOW = 8


@dataclass
class Quantity:
    """A number (or several: "4.2 x 3.1", "2-3") with the unit after it.

    Attributes:
        start: where the first number starts in the normalised text.
        end: where the quantity (its unit included) ends.
        numbers: the numbers, as floats.
        raws: the numbers as typed.
        units: the unit of each number (dimensions may each have one).
        shape: ``"single"``, ``"dims"`` (a size in two or three dimensions),
            ``"range"`` or ``"change"``.
        unit: the unit of the quantity (the last one written).
        unit_span: where that unit is written.
        claimed: a reader has taken it (see ``readers/__init__.py``).

    """

    start: int
    end: int
    numbers: Tuple[float, ...]
    raws: Tuple[str, ...]
    units: Tuple[str | None, ...]
    shape: str
    unit: str | None
    unit_span: Tuple[int, int] | None
    claimed: bool = False

    @property
    def first(self) -> float:
        """The first number."""
        return self.numbers[0]

    @property
    def is_length(self) -> bool:
        """Tell whether one of its units is a length (cm, mm)."""
        return any(u in U.LENGTH_UNITS for u in self.units)

    @property
    def is_integer(self) -> bool:
        """Tell whether it is one whole number without a unit (a count)."""
        return (
            self.shape == "single"
            and self.unit is None
            and self.first == int(self.first)
        )


_NUM_CORE = re.compile(U.NUMBER_CORE)

_DIM_SEP = re.compile(r"\s*(?:x|\*|by)\s*(?=[-.\d])", re.IGNORECASE)

_RANGE_SEP = re.compile(r"\s*(?:-|to)\s*(?=[.\d])", re.IGNORECASE)

_LENGTH_UNIT = re.compile(
    r"[ ]*(cm|cms|centimet(?:er|re)s?|mm|mms|millimet(?:er|re)s?)\b", re.IGNORECASE
)

_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"

_DATE_RE = re.compile(
    r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:\s*,?\s*\d{{4}})?"
    rf"|\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:\s*,?\s*\d{{4}})?"
    rf"|\b{_MONTHS}\s+\d{{4}}\b"
    r"|\b(?:in|since|year|dated|from)\s+(?:19|20)\d{2}\b",
    re.IGNORECASE,
)


def _length_unit(text: str, pos: int) -> Tuple[str, int, int] | None:
    found = _LENGTH_UNIT.match(text, pos)
    if not found:
        return None
    unit = U.MM if found.group(1).lower().startswith("m") else U.CM
    return unit, found.start(1), found.end()


def _read_quantity(text: str, match: re.Match[str]) -> Quantity:
    """Read the quantity starting at the number ``match``: dims, range, unit."""
    raw = match.group()
    value = U.parse_number(raw)
    assert value is not None
    start, pos = match.start(), match.end()

    # "4.2 x 3.1 cm", "42 x 31 x 30 mm", "4.2cm x 3.1cm": a length is required.
    nums, raws, units = [value], [raw], []
    unit_after = _length_unit(text, pos)
    units.append(unit_after[0] if unit_after else None)
    cursor = unit_after[2] if unit_after else pos
    span = unit_after[1:] if unit_after else None
    while len(nums) < 3:
        sep = _DIM_SEP.match(text, cursor)
        nxt = _NUM_CORE.match(text, sep.end()) if sep else None
        if not nxt or text[nxt.end() : nxt.end() + 1].isdigit():
            break
        if re.match(r"10\s*(?:\^|\*|e|⁹|³|⁴|\s+[934]\s*/)", text[nxt.start() :], re.I):
            break  # "x 10^9/L" is a unit, not a dimension
        nums.append(U.parse_number(nxt.group()) or 0.0)
        raws.append(nxt.group())
        unit_after = _length_unit(text, nxt.end())
        units.append(unit_after[0] if unit_after else None)
        cursor = unit_after[2] if unit_after else nxt.end()
        span = unit_after[1:] if unit_after else span
    if len(nums) > 1 and units[-1] is not None:
        last = units[-1]
        filled = tuple(u or last for u in units)
        return Quantity(
            start, cursor, tuple(nums), tuple(raws), filled, "dims", last, span
        )

    unit = U.match_unit(text, pos)
    if unit:
        name, unit_start, unit_end = unit
        return Quantity(
            start,
            unit_end,
            (value,),
            (raw,),
            (name,),
            "single",
            name,
            (unit_start, unit_end),
        )

    # "1.2-1.5", "2 to 3 cm"; "from 2.1 to 1.5" is a change, not a range.
    sep = _RANGE_SEP.match(text, pos)
    nxt = _NUM_CORE.match(text, sep.end()) if sep else None
    if sep and nxt and not text[nxt.end() : nxt.end() + 1].isdigit():
        second = U.parse_number(nxt.group())
        if second is not None:
            closing = re.match(r"[ ]*[)\]]", text[nxt.end() :])
            unit = U.match_unit(text, nxt.end()) or (
                U.match_unit(text, nxt.end() + closing.end()) if closing else None
            )
            name = unit[0] if unit else None
            end = unit[2] if unit else nxt.end()
            shape = (
                "change"
                if re.search(
                    r"\bfrom\s*$", text[max(0, start - CHANGE_CUE_WINDOW) : start], re.I
                )
                else "range"
            )
            return Quantity(
                start,
                end,
                (value, second),
                (raw, nxt.group()),
                (name, name),
                shape,
                name,
                (unit[1], unit[2]) if unit else None,
            )
    return Quantity(start, pos, (value,), (raw,), (None,), "single", None, None)


def scan_quantities(text: str) -> List[Quantity]:
    """Every number in normalised ``text`` with its unit, dates and times left out."""
    skipped = [m.span() for m in _DATE_RE.finditer(text)]
    found: List[Quantity] = []
    pos = 0
    for match in U.NUMBER_RE.finditer(text):
        if match.start() < pos or any(a <= match.start() < b for a, b in skipped):
            continue
        quantity = _read_quantity(text, match)
        found.append(quantity)
        pos = quantity.end
    return found
