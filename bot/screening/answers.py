"""How patients answer the screening's questions, in their own words.

The lab-value extractor (:mod:`bot.nlp.labs`) reads values stated with their
name ("bilirubin 34 umol/L"). The readers here read the rest of what people
type in a conversation:

* replies that only make sense for the question on screen: "yes", "no",
  "mg/dL", "skip", "I don't know", "a small amount", "just one";
* the choice fields no report prints as a number, in lay words, hedges and
  negations included: fluid in the belly ("yes, a little", "they had to drain
  it", "no fluid"), confusion or drowsiness ("a bit confused at times", "he has
  never been confused"), the diagnosis ("it spread from the bowel", "it did not
  start in the liver");
* the words that name those fields ("the fluid in his belly", "he is not
  confused"), so that an answer lands on the field it is about whatever the
  question on screen;
* the shape of a message: a question, an interjection ("no wait", "just to
  be clear"), its clauses.

Every parser returns ``None`` when the text is not such an answer, so that the
caller can try something else; :data:`WHICH` means "one of this field's
values, but which one?" ("yes" to the question about fluid in the belly).
"""

from __future__ import annotations

import re
from typing import Callable, List, Mapping, Tuple

from bot import fields as F
from bot.nlp.labs.patterns import PRIMARY_ORGANS
from bot.nlp.labs.units import COUNT_WORDS

#: A choice field was named or answered, but not which value ("yes" to the
#: question about fluid, "liver cancer" to the question about the diagnosis).
WHICH = "which"

_WORD = re.compile(r"[a-zµ/']+")


def _lower(text: str | None) -> str:
    """Lower case, typographic apostrophes made plain, spaces folded."""
    return re.sub(r"\s+", " ", (text or "").lower().replace("’", "'")).strip()


def _words(text: str) -> List[str]:
    return _WORD.findall(_lower(text))


def _any(pattern: str, text: str) -> bool:
    return re.search(pattern, text) is not None


# ---------------------------------------------------------------------------
# The shape of a message
# ---------------------------------------------------------------------------

# Where a message splits into statements: "no, he is not confused" is "no" and
# "he is not confused"; "a little fluid but no confusion" is two statements.
# A full stop, comma or semicolon ends a statement only before a space, so
# that "1.2" and "1,20,000" stay whole.
_CLAUSE_BREAK = re.compile(
    r"[.;!?]+(?=\s|$)|\n|,(?=\s)|\s-\s|\s(?:but|and|though|although|also)\s",
    re.IGNORECASE,
)


def clauses(text: str) -> List[Tuple[int, int]]:
    """Split a message into its statements, as ``(start, end)`` spans.

    >>> text = "no wait, he has never been confused"
    >>> [text[a:b] for a, b in clauses(text)]
    ['no wait', 'he has never been confused']
    """
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text or ""):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text or "")))
    return [(a, b) for a, b in _trimmed(text or "", spans) if b > a]


def _trimmed(text: str, spans: List[Tuple[int, int]]) -> List[Tuple[int, int]]:
    result = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        result.append((a, b))
    return result


# Words that carry no answer of their own: "no wait", "sorry, just to be
# clear", "please fix that", "like I said". Said beside a statement about a
# field, they belong to it, not to the question on screen.
_INTERJECTION_WORDS = frozenset(
    """yes yeah yep yup no nope nah ok okay wait sorry well actually hmm hm oh
    so um uh right alright fine please thanks thank you just to be clear
    honest honestly i mean meant fix that it this correct correction update
    change let me again oops also and but by the way like said as told before
    earlier already mentioned wrote typed say mistake my bad hi hello dear
    doctor sir madam is was""".split()
)


def is_interjection(text: str) -> bool:
    """Tell whether a statement only reacts, without an answer ("no wait").

    >>> is_interjection("no wait"), is_interjection("a small amount")
    (True, False)
    """
    words = _words(text)
    return bool(words) and all(word in _INTERJECTION_WORDS for word in words)


_QUESTION_START = re.compile(
    r"^(?:what|why|how|when|where|who|whom|which|whose|can|could|would|will|is"
    r"|are|am|does|do|did|should|shall|may|might|tell me|explain|i want to know"
    r"|i'd like to know|i would like to know|what about|is it|any)\b"
    r"(?!n't|'t| not)"
)


def is_question(text: str) -> bool:
    """Tell whether a message asks something ("does it hurt", "what is BCLC?").

    >>> is_question("does it hurt"), is_question("can't find it")
    (True, False)
    """
    lowered = _lower(text)
    return "?" in lowered or bool(_QUESTION_START.match(lowered))


_REQUEST = re.compile(
    r"^(?:tell me|explain|what is|what are|what's|what about|info|information"
    r"|i want to know|i'd like to know|i would like to know|can you explain)\b"
)


def is_request_for_information(text: str) -> bool:
    """Tell whether a statement asks to be told about something.

    >>> is_request_for_information("tell me about liver metastases")
    True
    >>> is_request_for_information("is my 6 cm tumour too big?")
    False
    """
    return bool(_REQUEST.match(_lower(text)))


_HEDGE = re.compile(
    r"^(?:i think|i believe|i guess|i'd say|maybe|perhaps|probably|about|around"
    r"|roughly|approximately|approx\.?|something like|close to|nearly|almost"
    r"|if i remember(?: correctly)?|if i recall|as far as i know|it's|it is|its"
    r"|it was|he has|she has|he's got|she's got|they said|the report says"
    r"|the doctor said|just|only|like|um|uh|hmm)\b[\s,:]*"
)


def strip_hedges(text: str) -> str:
    """Drop the hedges in front of an answer ("I think it's about 2" -> "2").

    >>> strip_hedges("I think it's about 2")
    '2'
    """
    lowered = _lower(text)
    previous = None
    while previous != lowered:
        previous = lowered
        lowered = _HEDGE.sub("", lowered).strip()
    return lowered.rstrip("?!. ")


# ---------------------------------------------------------------------------
# Yes, no, I don't know, skip, a unit, a number
# ---------------------------------------------------------------------------

_YES = frozenset(
    """yes y yeah yea yep yup ok okay k sure correct right true agree agreed
    fine exactly confirm confirmed definitely absolutely alright go""".split()
)
_NO = frozenset("no n nope nah wrong incorrect not disagree never".split())
_YES_PHRASES = re.compile(
    r"\b(?:of course|go ahead|please do|let's do (?:it|that)|do it|sounds good"
    r"|that's fine|i do|all correct|all good|that's right|it is right)\b"
)
_NO_PHRASES = re.compile(r"\b(?:rather not|not now|no thanks|don't want|do not want)\b")


def parse_yes_no(text: str) -> bool | None:
    """Read a plain yes or no ("yes", "that's right", "no, wrong").

    Args:
        text: the patient's message.

    Returns:
        ``True`` for yes, ``False`` for no, ``None`` when it is neither or both.

    """
    lowered = _lower(text)
    if says("dont_know", lowered):
        return None
    words = set(_words(lowered.replace("'", "")))
    yes = bool(words & _YES) or bool(_YES_PHRASES.search(lowered))
    no = bool(words & _NO) or bool(_NO_PHRASES.search(lowered))
    if yes == no:
        return None
    return yes


#: Replies that say something about the question rather than answer it, one
#: regular expression per kind (matched on lower-case text).
PHRASES: Mapping[str, re.Pattern] = {
    # The value is not known: "no idea", "not sure", "what is that?".
    "dont_know": re.compile(
        r"\b(?:don'?t know|do not know|dont know|dunno|idk|not sure|unsure"
        r"|no idea|no clue|can'?t remember|cannot remember|don'?t remember"
        r"|not known|unknown|haven'?t been told|nobody told|never been told"
        r"|not been told|what is that|what's that|what does that mean"
        r"|what do you mean|i don'?t understand|never heard|can'?t find"
        r"|cannot find|don'?t have it|do not have it|no report)\b"
    ),
    # Go on without the value: "skip", "continue without it".
    "skip": re.compile(
        r"\bskip\b|without it|continue without|go on without|move on"
        r"|next question|(?:don'?t|do not) have|can'?t find|cannot find"
        r"|leave it|pass\b"
    ),
    # Change an answer without naming it: "change something", "that's wrong".
    "change": re.compile(
        r"\b(?:change|correct|fix|edit|amend|update) (?:something|an answer"
        r"|a value|one|some|a few|the answers|the values|it|that)\b"
        r"|\bsomething(?:'s| is) (?:wrong|not right|incorrect)\b"
        r"|\b(?:that's|that is|it's|it is) (?:wrong|not right|incorrect)\b"
        r"|\bnot (?:all )?(?:correct|right)\b|\bmake a change\b"
    ),
    # Nothing to change after all: "nothing", "never mind", "all good".
    "nothing_to_change": re.compile(
        r"^(?:nothing|none|no|nope|never ?mind|all (?:correct|good|fine)"
        r"|it's fine|that's fine|everything is (?:correct|right|fine))\b"
    ),
}


def says(kind: str, text: str) -> bool:
    """Tell whether ``text`` is a reply of ``kind`` (a key of :data:`PHRASES`).

    >>> says("dont_know", "I have no idea what that is"), says("skip", "2.3")
    (True, False)
    >>> says("change", "Change something"), says("nothing_to_change", "nope")
    (True, True)
    """
    return bool(PHRASES[kind].search(_lower(text)))


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


_BARE_NUMBER = re.compile(r"^\D*?(\d+(?:[.,]\d+)?)\D*$")
_NUMBER_WORD = "|".join(COUNT_WORDS)
_ALTERNATIVES = re.compile(
    rf"(?:\d+(?:[.,]\d+)?|\b(?:{_NUMBER_WORD}))\s*(?:or|/)\s*"
    rf"(?:\d|\b(?:{_NUMBER_WORD})\b)"
)
_RANGE = re.compile(
    rf"(?:\d+|\b(?:{_NUMBER_WORD}))\s*(?:to|-|–)\s*(?:\d|\b(?:{_NUMBER_WORD})\b)"
)


def gives_alternatives(text: str, ranges: bool = False) -> bool:
    """Tell whether an answer hesitates between numbers ("3 or 4", "two or three").

    Args:
        text: the answer.
        ranges: count a range too ("3 to 4", "2-3").

    >>> gives_alternatives("3 or 4 i think"), gives_alternatives("1.5 lakh")
    (True, False)
    """
    lowered = _lower(text)
    return bool(_ALTERNATIVES.search(lowered) or (ranges and _RANGE.search(lowered)))


def parse_bare_number(text: str) -> float | None:
    """Read a message that is one number and nothing that looks like a second one.

    Args:
        text: the patient's answer ("2", "about 3.5", "two", "just one").

    Returns:
        The number, or ``None`` when there is none or more than one.

    """
    cleaned = _lower(text)
    words = [w for w in _words(cleaned) if w in COUNT_WORDS]
    match = _BARE_NUMBER.match(cleaned)
    if match and not words:
        return float(match.group(1).replace(",", "."))
    if len(words) == 1 and not re.search(r"\d", cleaned):
        return float(COUNT_WORDS[words[0]])
    return None


# ---------------------------------------------------------------------------
# Choice fields in lay words
# ---------------------------------------------------------------------------

_NEGATION = r"\b(?:no|not|never|none|nothing|nil|without|absent|negative|zero)\b|n't\b"
_NEGATED = r"(?:\b(?:no|not|never|hardly)\b|n't)\s+(?:\w+\s+)?"


def _found(words: str, text: str) -> bool:
    """Tell whether ``words`` occur in ``text`` without a negation just before."""
    for match in re.finditer(words, text):
        if not re.search(_NEGATED + r"$", text[: match.start()]):
            return True
    return False


def _negated(words: str, text: str) -> bool:
    """Tell whether ``words`` occur in ``text`` right after a negation."""
    return _any(_NEGATED + f"(?:{words})", text)


_ASCITES_MILD = (
    r"\b(?:mild|mildly|slight|slightly|a little|little|a bit|bit of|small"
    r"|minimal|trace|minor|some|not much|not a lot|only a bit)\b"
)
_ASCITES_MODERATE = (
    r"\b(?:moderate|moderately|medium|fair amount|quite a bit|drain\w*|tapped"
    r"|paracentesis)\b"
)
_ASCITES_SEVERE = (
    r"\b(?:severe|severely|a lot|lots|large|massive|huge|tense|big|very|a great deal"
    r"|loads)\b"
)


def parse_ascites(text: str) -> str | None:
    """Read fluid in the belly: "none", "mild", "moderate", "severe" or :data:`WHICH`.

    "moderate or severe" (the button) reads as "moderate": both give the same
    Child-Pugh points, and "moderate" is the smaller claim. A range ("mild to
    moderate") and a bare "yes" ask which.

    >>> parse_ascites("yes, a small amount"), parse_ascites("no fluid")
    ('mild', 'none')
    """
    lowered = _lower(text)
    if not lowered or says("dont_know", lowered):
        return None
    if "moderate or severe" in lowered:
        return "moderate"
    mild = _found(_ASCITES_MILD, lowered) or _negated(
        r"much|a lot|severe|very|large|moderate", lowered
    )
    moderate = _found(_ASCITES_MODERATE, lowered)
    severe = _found(_ASCITES_SEVERE, lowered)
    if mild and (moderate or severe) and not _any(r"\bnot (?:much|a lot)\b", lowered):
        return WHICH
    if mild:
        return "mild"
    if moderate:
        return "moderate"
    if severe:
        return "severe"
    if _any(_NEGATION, lowered):
        return "none"
    if _any(r"\b(?:yes|yeah|yep|there is|there's|has|had|have|found)\b", lowered):
        return WHICH
    return None


_CONFUSION_GRADE = re.compile(r"grade\s*([1-4])")
_CONFUSION_SEVERE = (
    r"\b(?:severe|severely|very|extremely|coma|unconscious|unresponsive|a lot"
    r"|badly|deeply|totally|completely)\b"
)
_CONFUSION_MILD = (
    r"\b(?:mild|mildly|slight|slightly|a little|a bit|bit|sometimes|occasionally"
    r"|at times|now and then|from time to time|once|minor|some|forgetful)\b"
)
_CONFUSION_NONE = r"\b(?:fine|normal|sharp|alert|clear[- ]headed|lucid|all there)\b"


def parse_encephalopathy(text: str) -> str | None:
    """Read confusion or drowsiness: "none", "mild", "severe" or :data:`WHICH`.

    "mild" is grade 1-2, "severe" grade 3-4 (spec "Child-Pugh").

    >>> parse_encephalopathy("no, he is not confused")
    'none'
    >>> parse_encephalopathy("a bit confused at times")
    'mild'
    """
    lowered = _lower(text)
    if not lowered or says("dont_know", lowered):
        return None
    grade = _CONFUSION_GRADE.search(lowered)
    if grade:
        return "mild" if grade.group(1) in "12" else "severe"
    severe = _found(_CONFUSION_SEVERE, lowered)
    mild = _found(_CONFUSION_MILD, lowered) or _negated(
        r"very|severe|severely|badly|a lot", lowered
    )
    if severe and mild:
        return WHICH
    if severe:
        return "severe"
    if mild:
        return "mild"
    if _any(_NEGATION, lowered) or _any(_CONFUSION_NONE, lowered):
        return "none"
    if _any(r"\b(?:yes|yeah|yep|has|had|gets|got|is|was|becomes)\b", lowered):
        return WHICH
    return None


_ORGANS = "|".join(PRIMARY_ORGANS)
_SPREAD = (
    r"\b(?:spread|spreaded|metasta\w*|secondar\w*|came from|comes from|come from"
    r"|moved|travel+ed|went to the liver|gone to the liver"
    rf"|from (?:his |her |the |my )?(?:{_ORGANS}))\b"
    rf"|\bstarted (?:in|from) (?:his |her |the |my )?(?:{_ORGANS})\b"
)
_PRIMARY = (
    r"\b(?:hcc|hepatocellular|hepatoma|primary|started in (?:the |his |her |my )?"
    r"liver|began in (?:the |his |her |my )?liver|liver itself|from the liver"
    r"|originated in (?:the )?liver)\b"
)
_NOT_PRIMARY = (
    r"(?:\bnot|n't|\bnever)\s+(?:\w+\s+){0,2}(?:start\w*|begin|began|primary"
    r"|originat\w*|from the liver)"
)
_OTHER = (
    r"\b(?:other|something else|another|different|neither|none of (?:these|them))\b"
)
_GENERIC_CANCER = r"\b(?:cancer|tumou?rs?|carcinoma|malignan\w*|growth|mass)\b"


def parse_diagnosis(text: str) -> str | None:
    """Read the diagnosis in lay words: "hcc", "metastasis", "other" or :data:`WHICH`.

    The extractor knows the medical words ("HCC", "metastasis"); this adds the
    everyday ones a patient uses when asked ("it spread from the bowel", "it
    did not start in the liver", "something else"). "liver cancer" alone says
    a cancer is in the liver, not where it started: the bot asks which.

    >>> parse_diagnosis("it started in the liver"), parse_diagnosis("liver cancer")
    ('hcc', 'which')
    """
    lowered = _lower(text)
    if not lowered or says("dont_know", lowered):
        return None
    if _any(_NOT_PRIMARY, lowered):
        return F.METASTASIS
    if _found(_SPREAD, lowered):
        return F.METASTASIS
    if _negated(r"spread\w*", lowered):
        return WHICH
    if _found(_PRIMARY, lowered):
        return F.HCC
    if _any(_OTHER, lowered):
        return F.OTHER_DIAGNOSIS
    if _any(_GENERIC_CANCER, lowered):
        return WHICH
    return None


#: The lay readers of the choice fields, by field.
CHOICE_READERS: Mapping[str, Callable[[str], str | None]] = {
    "diagnosis": parse_diagnosis,
    "ascites": parse_ascites,
    "encephalopathy": parse_encephalopathy,
}

# The words that name the fields the lab extractor has no anchor for. A
# statement with one of them is about that field, whatever the question on
# screen (the extractor names the others: bilirubin, PLT, tumours ...).
_NAMES: Mapping[str, re.Pattern] = {
    "ascites": re.compile(
        r"\b(?:ascites|asc?[iy]tes|fluids?|flu+id|flud|water (?:in|on)"
        r"|swollen (?:belly|tummy|abdomen|stomach)|distended|paracentesis"
        r"|tapped|drain(?:ed|ing|age)?)\b"
    ),
    "encephalopathy": re.compile(
        r"\b(?:encephalopath\w*|enceph\w*|confu[sz]\w*|conf[uo]s\w*"
        r"|disorient\w*|drow[sz]\w*|sleepy|sleepiness|muddled|brain fog|coma)\b"
    ),
    "diagnosis": re.compile(
        r"\b(?:diagnos[ie]s|diagnosed|type of (?:cancer|tumou?r)"
        r"|kind of (?:cancer|tumou?r))\b"
    ),
}


def named_fields(text: str) -> List[Tuple[str, int, int]]:
    """Where ``text`` names fluid in the belly, confusion, or the diagnosis.

    >>> named_fields("no, he is not confused")
    [('encephalopathy', 14, 22)]
    """
    lowered = (text or "").lower().replace("’", "'")
    found = [
        (name, match.start(), match.end())
        for name, pattern in _NAMES.items()
        for match in pattern.finditer(lowered)
    ]
    return sorted(found, key=lambda item: item[1])
