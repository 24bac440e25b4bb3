"""Pure helpers: text normalisation, numbers, unit recognition and conversion.

Nothing here needs spaCy or Rasa, so every rule can be tested on its own. The
extractor (``extractor.py``) finds *where* a value is; this module says *what*
the typed number and unit mean in the canonical units of ``eligibility.md``:

* bilirubin in mg/dL (µmol/L ÷ 17.1);
* albumin in g/dL (g/L ÷ 10);
* platelets per µL, an integer (×10^9/L, ×10^3/µL, "k", "thousand" × 1000;
  lakh/lac × 100,000);
* lengths in cm (lesion size) or mm (distance to the bile duct).

A value that cannot be converted without guessing (a bilirubin without its
unit, a unit that belongs to another test) converts to ``None``: the caller
marks it ambiguous and the conversation asks, it never picks a unit.
"""

from __future__ import annotations

import re
from typing import Dict, Tuple, Union

Number = Union[int, float]

#: µmol/L of bilirubin per mg/dL (molar mass 584.7 g/mol).
BILIRUBIN_UMOL_PER_MG_DL = 17.1

# Canonical unit names. They are also what ``LabFinding.unit`` reports.
MG_DL = "mg/dL"
MG = "mg"
UMOL_L = "µmol/L"
G_DL = "g/dL"
G_L = "g/L"  # albumin g/L, or platelets "G/L" (giga per litre = 10^9/L)
G = "g"
PER_UL = "/µL"
E9_L = "×10^9/L"
E3_UL = "×10^3/µL"
E4_UL = "×10^4/µL"
THOUSAND = "thousand"  # "k", "K/µL", "thousand", "tsd"
LAKH = "lakh"
L_BARE = "L"  # "1.5L" on Indian reports means lakh; only read so for platelets
CM = "cm"
MM = "mm"
OTHER = "other"  # a unit of some other test (U/L, ng/mL, mmol/L, years, %...)

# --------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------

# Every replacement is one character for one character, so offsets found in
# the normalised text are offsets in what the patient typed.
_CHAR_MAP: Dict[str, str] = {
    "\u00b5": "u",  # micro sign µ
    "\u03bc": "u",  # Greek small mu μ (Chinese and many PDF reports)
    "\u00d7": "x",  # multiplication sign ×
    "\u2715": "x",
    "\u2716": "x",
    "\u2217": "*",
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2212": "-",  # minus sign
    "\u2010": "-",
    "\u2011": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u02bc": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u00a0": " ",  # no-break space
    "\u202f": " ",  # narrow no-break space (French thousands)
    "\u2009": " ",  # thin space
    "\t": " ",
    "|": " ",  # table cells pasted from a report
    "\uff1a": ":",  # full-width colon (Chinese reports)
    "\uff0c": ",",
    "\uff08": "(",
    "\uff09": ")",
    "\uff1b": ";",
    "\uff1f": "?",
    "\u3002": ".",
    "\u066b": ".",  # Arabic decimal separator
    "\u066c": ",",  # Arabic thousands separator
    "\u060c": ",",  # Arabic comma
    "\u061b": ";",  # Arabic semicolon
    "\u061f": "?",  # Arabic question mark
    "\u2264": "<",  # ≤ and ≥ keep their meaning of a bound
    "\u2265": ">",
}
for _i in range(10):
    _CHAR_MAP[chr(0x0660 + _i)] = str(_i)  # Arabic-Indic digits
    _CHAR_MAP[chr(0x06F0 + _i)] = str(_i)  # Eastern Arabic (Persian/Urdu) digits
    _CHAR_MAP[chr(0xFF10 + _i)] = str(_i)  # full-width digits
_TRANSLATION = str.maketrans(_CHAR_MAP)


def normalise_text(text: str) -> str:
    """Map look-alike characters to ASCII without changing the text's length.

    Greek mu and the micro sign become ``u``, ``×`` becomes ``x``, Arabic-Indic
    and full-width digits become ASCII digits, typographic dashes and quotes
    become ASCII. Superscripts (``10⁹``) are kept: turning ``⁹`` into ``9``
    would make ``10⁹`` read as 109.

    Args:
        text: what the patient typed.

    Returns:
        A string of the same length, so spans map back to ``text``.

    Examples:
        >>> normalise_text("TBIL 34.2 μmol/L")
        'TBIL 34.2 umol/L'
        >>> normalise_text("PLT ٦٥ ×10⁹/L")
        'PLT 65 x10⁹/L'

    """
    normalised = text.translate(_TRANSLATION)
    assert len(normalised) == len(text)  # every mapping above is 1:1
    return normalised


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------

#: One number as typed: Indian grouping (1,20,000), Western grouping
#: (120,000), space or apostrophe grouping (150 000, 150'000), decimals with a
#: point or a comma (1.2, 1,2), a leading point (.8) and a leading minus.
NUMBER_CORE = (
    r"-?(?:\d{1,2}(?:,\d{2})+,\d{3}(?![\d,])"
    r"|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,])"
    r"|\d{1,3}(?:[ ']\d{3})+(?![\d.,]|\s*(?:cm|mm)\b)"
    r"|\d+(?:[.,]\d+)?"
    r"|\.\d+)"
)
#: ``NUMBER_CORE`` when it stands on its own: not glued to a short prefix
#: ("A6", "x10", "S7", "CA19-9"; a word of three letters or more may be glued,
#: as in "INR1.3"), not an ordinal ("3rd"), not part of a longer number.
NUMBER_RE = re.compile(
    r"(?:(?<![\w.,^*/])|(?<=[a-z]{3}))(?<!\d-)"
    + NUMBER_CORE
    + r"(?![\d])(?!(?:st|nd|rd|th)\b)",
    re.IGNORECASE,
)

_INDIAN = re.compile(r"^\d{1,2}(?:,\d{2})+,\d{3}$")
_WESTERN = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_SPACED = re.compile(r"^\d{1,3}(?:[ ']\d{3})+$")
_DECIMAL_COMMA = re.compile(r"^\d+,\d{1,2}$")
_DOT_THOUSANDS = re.compile(r"^\d{1,3}(?:\.\d{3})+$")


def parse_number(raw: str) -> float | None:
    """Return the value of one number as typed, ``None`` if it is not one.

    A comma is a thousands separator when it groups digits the Western
    (120,000) or Indian (1,20,000) way, and a decimal comma when one or two
    digits follow it (European "1,2", "34,2"). "0,800" reads as 0.8: a
    thousands group never follows a lone zero.

    Args:
        raw: the characters of the number, e.g. ``"1,20,000"``.

    Returns:
        The number as a float.

    Examples:
        >>> parse_number("1,20,000"), parse_number("1,2"), parse_number(".8")
        (120000.0, 1.2, 0.8)

    """
    text = raw.strip()
    sign = -1.0 if text.startswith("-") else 1.0
    text = text.lstrip("-").strip()
    if not text:
        return None
    if text.startswith("0,") and re.fullmatch(r"0,\d+", text):
        text = text.replace(",", ".")
    elif _INDIAN.match(text) or _WESTERN.match(text):
        text = text.replace(",", "")
    elif _SPACED.match(text):
        text = re.sub(r"[ ']", "", text)
    elif _DECIMAL_COMMA.match(text):
        text = text.replace(",", ".")
    try:
        return sign * float(text)
    except ValueError:
        return None


def dot_thousands_value(raw: str) -> float | None:
    """Read "150.000" with the dot as a thousands separator.

    Used only for platelets per µL/mm³, where "150.000/mm3" (a common
    continental European and Latin American way of writing 150,000) would
    otherwise read as 150 per µL.

    Args:
        raw: the characters of the number.

    Returns:
        The value without the dots, or ``None`` when ``raw`` is not in that form.

    """
    text = raw.strip()
    if _DOT_THOUSANDS.match(text):
        return float(text.replace(".", ""))
    return None


#: Number words patients use for a lesion count.
COUNT_WORDS: Dict[str, int] = {
    "one": 1,
    "single": 1,
    "solitary": 1,
    "unifocal": 1,
    "lone": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
}

#: Words that say "more than one" without a count: they never give a number.
UNCOUNTED_WORDS = frozenset(
    {"multiple", "several", "many", "numerous", "multifocal", "few", "some", "various"}
)


def parse_count_word(word: str) -> int | None:
    """Return the count a word or a digit string stands for.

    Args:
        word: e.g. ``"two"``, ``"Solitary"``, ``"3"``.

    Returns:
        The count, or ``None`` ("multiple", "a few", any other word).

    Examples:
        >>> parse_count_word("Two"), parse_count_word("3"), parse_count_word("multiple")
        (2, 3, None)

    """
    lowered = word.strip().lower()
    if lowered.isdigit():
        return int(lowered)
    return COUNT_WORDS.get(lowered)


# --------------------------------------------------------------------------
# Units
# --------------------------------------------------------------------------

_PER = r"\s*(?:/|per|\\)\s*"
_UL = (
    r"(?:u\s*l|mcl|micro\s*-?\s*lit(?:re|er)s?|cu\.?\s*mm|c\.?\s*mm|cumm|cmm"
    r"|mm\s*3|mm³|mm\s*\^\s*3|cubic\s+(?:mm|millimet(?:re|er)s?))"
)
_LITRE = r"(?:l|lit(?:re|er)s?|ltr)"
_DL = r"(?:dl|deci\s*lit(?:re|er)s?)"
_TIMES = r"(?:[x*]|times)\s*"
_CELLS = r"(?:\s*(?:cells|platelets))?"


def _power_of_ten(exponent: str, superscript: str) -> str:
    """Ways "×10^9" is typed, including a superscript lost in a copy-paste."""
    return (
        rf"(?:(?:{_TIMES})?10\s*(?:\^|\*{{1,2}}|e)\s*{exponent}"
        rf"|(?:{_TIMES})?10\s*{superscript}"
        rf"|{_TIMES}10\s*{exponent}(?={_CELLS}{_PER}))"
    )


#: (unit, regex) in the order they are tried right after a number; longer and
#: more specific spellings come first. All are matched case-insensitively on
#: normalised text (µ and μ already read as ``u``).
_UNIT_TABLE: Tuple[Tuple[str, str], ...] = (
    (E9_L, _power_of_ten("9", "⁹") + rf"(?:{_CELLS}{_PER}{_LITRE}\b)?"),
    (E3_UL, _power_of_ten("3", "³") + rf"(?:{_CELLS}{_PER}{_UL}\b)?"),
    (E4_UL, _power_of_ten("4", "⁴") + rf"(?:{_CELLS}{_PER}{_UL}\b)?"),
    (E9_L, rf"(?:giga|bn|billion){_PER}{_LITRE}\b|{_PER}n\s*l\b"),
    (PER_UL, rf"(?:cells\s*)?{_PER}{_UL}(?![a-z])|(?:cumm|cu\.?\s*mm|cmm|mm3|mm³)\b"),
    (LAKH, rf"(?:lakhs?|lacs?|lakh|lacks?|lkhs?)(?:{_PER}{_UL})?\b"),
    (THOUSAND, rf"(?:thousands?|thou|tsd)\.?(?:{_PER}{_UL})?(?![a-z])"),
    (THOUSAND, rf"k(?:{_PER}{_UL})?(?![a-z])"),
    (MG_DL, rf"mgs?{_PER}{_DL}\b|mgs?\s*%|mg{_PER}100\s*ml\b|mg\s*dl\b"),
    (UMOL_L, rf"(?:u|mc|micro)\s*-?\s*mol(?:e|es)?(?:{_PER}{_LITRE})?\b"),
    (G_DL, rf"(?:g|gm|gms|grams?){_PER}{_DL}\b|(?:g|gm|gms)\s*%|g{_PER}100\s*ml\b"),
    (G_L, rf"(?:g|gm|gms|grams?){_PER}{_LITRE}\b"),
    (CM, r"(?:cm|cms|centimet(?:er|re)s?)\b"),
    (MM, r"(?:mm|mms|millimet(?:er|re)s?)\b"),
    (
        OTHER,
        rf"(?:i?u{_PER}(?:l|ml)|ng{_PER}(?:ml|dl|l)|pg{_PER}ml|mmol{_PER}l"
        rf"|meq{_PER}l|mg{_PER}l|kg|kgs|ml|mls|cc|sec|secs|seconds?|years?|yrs?"
        r"|months?|days?|weeks?|wks?|hours?|hrs?|times|mins?|minutes?|ft|feet"
        r"|inch(?:es)?|bpm|mmhg|units?)\b|%",
    ),
    (MG, r"mgs?\b"),
    (G, r"(?:g|gm|gms|grams?)\b"),
    (L_BARE, r"l\b"),
)
_UNIT_RES = tuple(
    (unit, re.compile(pattern, re.IGNORECASE)) for unit, pattern in _UNIT_TABLE
)
_UNIT_LEAD = re.compile(r"[ ]*([(\[]?)[ ]*")
_UNIT_CLOSE = re.compile(r"[ ]*[)\]]")


def match_unit(text: str, pos: int) -> Tuple[str, int, int] | None:
    """Return the unit written at ``pos`` (after spaces or an opening bracket).

    Args:
        text: normalised text (see :func:`normalise_text`).
        pos: where the number ends.

    Returns:
        ``(unit, start, end)`` with the canonical unit name and the span of the
        unit's characters, or ``None`` when no known unit follows.

    Examples:
        >>> match_unit("65 x10^9/L", 2)[0], match_unit("34 umol/L", 2)[0]
        ('×10^9/L', 'µmol/L')

    """
    lead = _UNIT_LEAD.match(text, pos)
    start = lead.end() if lead else pos
    opened = bool(lead and lead.group(1))
    for unit, regex in _UNIT_RES:
        found = regex.match(text, start)
        if found and found.end() > start:
            end = found.end()
            closing = _UNIT_CLOSE.match(text, end) if opened else None
            return unit, start, closing.end() if closing else end
    return None


def identify_unit(raw: str) -> str | None:
    """Return the canonical name of a unit written on its own.

    Args:
        raw: e.g. ``"μmol/L"``, ``"x 10^9/l"``, ``"lakhs/cumm"``.

    Returns:
        The canonical unit name, or ``None`` if ``raw`` is not (only) a unit.

    Examples:
        >>> identify_unit("μmol/L"), identify_unit("10*9/L"), identify_unit("K/uL")
        ('µmol/L', '×10^9/L', 'thousand')

    """
    text = normalise_text(raw.strip())
    found = match_unit(text, 0)
    if found and found[2] == len(text):
        return found[0]
    return None


# --------------------------------------------------------------------------
# Conversions to the canonical units
# --------------------------------------------------------------------------


def round2(value: float) -> float:
    """Round to 2 decimals, the precision of every float the extractor returns."""
    return round(float(value) + 0.0, 2)


def whole_or_float(value: float) -> Number:
    """``4.0`` as ``4`` and ``4.5`` as ``4.5`` (rounded to 2 decimals)."""
    rounded = round2(value)
    return int(rounded) if rounded == int(rounded) else rounded


def bilirubin_to_mg_dl(value: float, unit: str | None) -> float | None:
    """Bilirubin in mg/dL.

    Args:
        value: the number typed.
        unit: its canonical unit; ``None`` when none was typed.

    Returns:
        mg/dL rounded to 2 decimals; ``None`` without a unit (both mg/dL and
        µmol/L are plausible for most values, so the bot asks; it never
        guesses, not even for a value like 40 that looks like µmol/L) and for
        a unit of another test.

    Examples:
        >>> bilirubin_to_mg_dl(34, "µmol/L"), bilirubin_to_mg_dl(2.3, "mg/dL")
        (1.99, 2.3)
        >>> bilirubin_to_mg_dl(34, None) is None
        True

    """
    if unit in (MG_DL, MG):
        return round2(value)
    if unit == UMOL_L:
        return round2(value / BILIRUBIN_UMOL_PER_MG_DL)
    return None


def albumin_to_g_dl(value: float, unit: str | None) -> float | None:
    """Albumin in g/dL.

    Without a unit, a value below 10 is read as g/dL and 10 or more as g/L
    (serum albumin is about 3.5–5 g/dL, i.e. 35–50 g/L).

    Args:
        value: the number typed.
        unit: its canonical unit; ``None`` (or a bare "g") when none was typed.

    Returns:
        g/dL rounded to 2 decimals, or ``None`` for a unit of another test.

    Examples:
        >>> albumin_to_g_dl(31, "g/L"), albumin_to_g_dl(3.1, None)
        (3.1, 3.1)
        >>> albumin_to_g_dl(35, None)
        3.5

    """
    if unit == G_DL:
        return round2(value)
    if unit == G_L:
        return round2(value / 10)
    if unit in (None, G):
        return round2(value if value < 10 else value / 10)
    return None


_PLATELET_FACTORS: Dict[str, float] = {
    PER_UL: 1,
    E9_L: 1_000,
    G_L: 1_000,  # "150 G/L" (giga per litre, French and Swiss reports)
    E3_UL: 1_000,
    THOUSAND: 1_000,
    E4_UL: 10_000,
    LAKH: 100_000,
}


def platelets_to_per_ul(
    value: float, unit: str | None, raw_number: str | None = None
) -> int | None:
    """Platelets per µL, an integer.

    Without a unit, 1000 or more is read as per µL and less than 1000 as
    ×10^9/L (a normal count is 150,000–400,000/µL = 150–400 ×10^9/L).

    Args:
        value: the number typed.
        unit: its canonical unit; ``None`` when none was typed.
        raw_number: the number's characters, so that "150.000/mm3" reads as
            150,000 (dot as thousands separator) rather than 150.

    Returns:
        The count per µL, or ``None`` for a unit of another test.

    Examples:
        >>> platelets_to_per_ul(65, "×10^9/L"), platelets_to_per_ul(1.2, "lakh")
        (65000, 120000)
        >>> platelets_to_per_ul(120000, None), platelets_to_per_ul(80, None)
        (120000, 80000)

    """
    if unit is None:
        return int(round(value if abs(value) >= 1000 else value * 1000))
    if unit == L_BARE:
        # "1.5L" is lakh on Indian reports; "150 L" is no platelet unit at all.
        return int(round(value * 100_000)) if abs(value) < 100 else None
    if unit == PER_UL and raw_number is not None:
        dotted = dot_thousands_value(raw_number.lstrip("-"))
        if dotted is not None:
            return int(round(dotted if value >= 0 else -dotted))
    factor = _PLATELET_FACTORS.get(unit)
    if factor is None:
        return None
    return int(round(value * factor))


def length_to_cm(value: float, unit: str | None) -> float | None:
    """Convert a length to cm (mm ÷ 10), 2 decimals; ``None`` without a unit.

    Examples:
        >>> length_to_cm(28, "mm"), length_to_cm(4.2, "cm"), length_to_cm(3, None)
        (2.8, 4.2, None)

    """
    if unit == CM:
        return round2(value)
    if unit == MM:
        return round2(value / 10)
    return None


def length_to_mm(value: float, unit: str | None) -> Number | None:
    """Convert a length to mm (cm × 10), int when whole; ``None`` without unit.

    Examples:
        >>> length_to_mm(4, "mm"), length_to_mm(1, "cm"), length_to_mm(4.5, "mm")
        (4, 10, 4.5)

    """
    if unit == MM:
        return whole_or_float(value)
    if unit == CM:
        return whole_or_float(value * 10)
    return None


LENGTH_UNITS = frozenset({CM, MM})
#: Every unit name above that a field of the registry (bot.fields) may carry.
FIELD_UNITS = frozenset(
    {MG_DL, MG, UMOL_L, G_DL, G_L, G, PER_UL, E9_L, E3_UL, E4_UL, THOUSAND, LAKH}
    | {L_BARE, CM, MM}
)
