"""Short answers to the screening's own questions.

The lab-value extractor reads values stated with their name ("bilirubin 34
umol/L"). The answers here only make sense as replies to a question the bot
just asked: "mild" to the question about fluid in the belly, "mg/dL" to the
question about a unit, "yes" to a read-back. Each parser returns ``None`` when
the text is not such an answer, so that the caller can try something else.
"""

from __future__ import annotations

import re

from bot.nlp.labs.units import COUNT_WORDS

_WORD = re.compile(r"[a-zµ/]+")

_YES = frozenset(
    {
        "yes",
        "y",
        "yeah",
        "yep",
        "yup",
        "ok",
        "okay",
        "sure",
        "correct",
        "right",
        "true",
        "agree",
        "agreed",
        "fine",
        "exactly",
        "confirm",
        "confirmed",
    }
)
_NO = frozenset({"no", "n", "nope", "nah", "wrong", "incorrect", "not", "disagree"})

_NEGATIONS = ("no ", "not ", "none", "never", "without", "nothing", "absent", "nil")


def _words(text: str) -> list:
    return _WORD.findall((text or "").lower())


def parse_yes_no(text: str) -> bool | None:
    """Read a plain yes or no ("yes", "that's right", "no, wrong").

    Args:
        text: the patient's message.

    Returns:
        ``True`` for yes, ``False`` for no, ``None`` when it is neither or both.

    """
    lowered = (text or "").lower()
    if "not sure" in lowered or "don't know" in lowered or "dont know" in lowered:
        return None
    words = set(_words(lowered.replace("'", "")))
    yes, no = bool(words & _YES), bool(words & _NO)
    if yes == no:
        return None
    return yes


def parse_ascites(text: str) -> str | None:
    """Read the amount of fluid in the belly: "none", "mild", "moderate", "severe".

    "moderate or severe" (the button) reads as "moderate": both give the same
    Child-Pugh points, and "moderate" is the smaller claim.

    Args:
        text: the patient's answer.

    Returns:
        One of the values ``child_pugh()`` accepts for ascites, or ``None``.

    """
    lowered = f" {(text or '').lower().strip()} "
    if re.search(r"\bmoderate\b|\bmedium\b", lowered):
        return "moderate"
    if re.search(r"\bsevere\b|\ba lot\b|\blarge\b|\btense\b|\bmassive\b", lowered):
        return "severe"
    if re.search(r"\bmild\b|\bslight\b|\ba little\b|\bsmall\b|\bminimal\b", lowered):
        return "mild"
    if _is_none(lowered):
        return "none"
    return None


def parse_encephalopathy(text: str) -> str | None:
    """Read confusion or drowsiness: "none", "mild" (grade 1–2), "severe" (grade 3–4).

    Args:
        text: the patient's answer.

    Returns:
        One of the values ``child_pugh()`` accepts for encephalopathy, or
        ``None``.

    """
    lowered = f" {(text or '').lower().strip()} "
    grade = re.search(r"grade\s*([1-4])", lowered)
    if grade:
        return "mild" if grade.group(1) in "12" else "severe"
    if re.search(r"\bsevere\b|\bcoma\b|\bvery\b|\bunresponsive\b|\ba lot\b", lowered):
        return "severe"
    if re.search(r"\bmild\b|\bslight\b|\ba little\b|\bsome\b|\bsometimes\b", lowered):
        return "mild"
    if _is_none(lowered):
        return "none"
    return None


def _is_none(lowered: str) -> bool:
    stripped = lowered.strip()
    return stripped in {"no", "none", "nil", "nothing", "n"} or any(
        marker in lowered for marker in _NEGATIONS
    )


_SKIP = re.compile(
    r"\bskip\b|without it|continue without|go on without|(?:don'?t|do not) have"
    r"|can'?t find|cannot find|next question"
)


def parse_skip(text: str) -> bool:
    """Tell whether the text asks to go on without the value ("skip")."""
    return bool(_SKIP.search((text or "").lower()))


#: What a patient may type for each unit the bot asks about; first match wins.
_UNIT_PATTERNS = (
    ("µmol/L", re.compile(r"[µu]\s*mol|micro\s*-?\s*mol|mcmol|umol", re.I)),
    ("mg/dL", re.compile(r"mg\s*/?\s*d\s*l|mg\b|milligram", re.I)),
    ("g/dL", re.compile(r"\bg(?:m|ram)?s?\s*/\s*d\s*l\b|\bg\s*dl\b", re.I)),
    ("g/L", re.compile(r"\bg(?:m|ram)?s?\s*/\s*l\b|\bg\s*l\b|\bgrams? per lit", re.I)),
    ("mm", re.compile(r"\bmm\b|millim", re.I)),
    ("cm", re.compile(r"\bcm\b|centim", re.I)),
)


def parse_unit(text: str, choices: tuple = ()) -> str | None:
    """Read a unit named in an answer ("mg/dl", "umol", "it's in mm").

    Args:
        text: the patient's answer.
        choices: the units the question offered; others are ignored.

    Returns:
        The unit as the bot writes it (``"µmol/L"``, ``"mg/dL"``, ``"cm"`` …),
        or ``None`` when none of the offered units is named.

    """
    for unit, pattern in _UNIT_PATTERNS:
        if (not choices or unit in choices) and pattern.search(text or ""):
            return unit
    return None


# The lesion-count words of the lab extractor (one table for both).
_NUMBER_WORDS = COUNT_WORDS
_BARE_NUMBER = re.compile(r"^\D*?(\d+(?:[.,]\d+)?)\D*$")


def parse_bare_number(text: str) -> float | None:
    """Read a message that is one number and nothing that looks like a second one.

    Args:
        text: the patient's answer ("2", "about 3.5", "two").

    Returns:
        The number, or ``None`` when there is none or more than one.

    """
    cleaned = (text or "").strip().lower()
    match = _BARE_NUMBER.match(cleaned)
    if match:
        return float(match.group(1).replace(",", "."))
    words = [w for w in _words(cleaned) if w in _NUMBER_WORDS]
    if len(words) == 1:
        return float(_NUMBER_WORDS[words[0]])
    return None


_SPREAD = re.compile(
    r"spread|metasta|secondar|came from|started (?:in|from) (?!(?:the )?liver)"
)
_PRIMARY = re.compile(r"\bhcc\b|hepatocellular|hepatoma|started in the liver|primary")


def parse_diagnosis(text: str) -> str | None:
    """Read an answer to "what is the diagnosis?" that names no medical term.

    The extractor knows the medical words ("HCC", "metastasis"); this adds the
    everyday ones a patient uses when asked, and "something else".

    Args:
        text: the patient's answer.

    Returns:
        ``"hcc"``, ``"metastasis"``, ``"other"`` or ``None``.

    """
    lowered = (text or "").lower()
    if _SPREAD.search(lowered):
        return "metastasis"
    if _PRIMARY.search(lowered):
        return "hcc"
    if re.search(r"\bother\b|something else|another|different|neither", lowered):
        return "other"
    return None
