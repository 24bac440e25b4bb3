"""Who is the patient? The writer, or a relative the writer speaks for.

Many messages come from a son, a wife or a niece: "my father has HCC",
"meri maa ka bilirubin 1.8 hai", "my lola is afraid of needles". Answers
should then speak about that person ("a hepatologist should see your father
first"), for the rest of the conversation. This module reads one message and
says what it tells about the patient; the action server remembers it in
slots (see :data:`SLOT_CONTRACT`).

Rules, in order:

1. a relative named with a possessive ("my husband", "meri maa", "mere
   papa", "our mother", "my lola") or a kinship word that is never anything
   else ("dad", "papa", "mummy", "abbu", "ammi") -> that relative — unless
   the relative is only helping ("my son will handle this", "my daughter is
   typing for me", "my wife and I") or the writer says they are the patient;
2. the writer says they are the patient ("I have liver cancer", "I was
   diagnosed", "my tumour", "my bilirubin", "it is for me") -> ``self``;
3. otherwise nothing is learnt (the conversation keeps what it knew).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Dict, Optional, Pattern, Tuple

SELF = "self"

#: The slots the action server fills from :func:`detect_patient`, and what
#: they hold. Responses use them as ``{patient_ref}`` and ``{patient_poss}``;
#: the screening questions (a later issue) will too.
SLOT_CONTRACT: Dict[str, str] = {
    "patient_relation": (
        "None until known; 'self' when the writer is the patient; otherwise the "
        "relative's key: father, mother, husband, wife, son, daughter, brother, "
        "sister, grandfather, grandmother, uncle, aunt, father_in_law, "
        "mother_in_law, friend, partner, relative"
    ),
    "patient_ref": (
        "who the answers are about, as an object: 'the patient' (unknown), "
        "'you' (self), 'your father' (a relative)"
    ),
    "patient_poss": (
        "possessive of patient_ref: \"the patient's\", 'your', \"your father's\""
    ),
}

#: Neutral values (the slots' initial values in domain.yml).
NEUTRAL_REF = "the patient"
NEUTRAL_POSS = "the patient's"

#: Relative key -> the words that name it (English, Hindi/Urdu in Latin
#: script, Filipino, Nigerian English).
KIN: Dict[str, Tuple[str, ...]] = {
    "father_in_law": ("father in law", "father-in-law", "sasur", "sasurji"),
    "mother_in_law": ("mother in law", "mother-in-law", "saas", "saasu"),
    "grandfather": (
        "grandfather",
        "grand father",
        "grandpa",
        "granddad",
        "grand dad",
        "dada ji",
        "dadaji",
        "nana ji",
        "nanaji",
        "lolo",
    ),
    "grandmother": (
        "grandmother",
        "grand mother",
        "grandma",
        "granny",
        "dadi",
        "nani",
        "lola",
    ),
    "father": (
        "father",
        "dad",
        "daddy",
        "papa",
        "pappa",
        "pops",
        "baba",
        "abba",
        "abbu",
        "abbu ji",
        "pitaji",
        "pita ji",
        "pitaa ji",
        "dady",
    ),
    "mother": (
        "mother",
        "mom",
        "mum",
        "mummy",
        "mommy",
        "mamma",
        "maa",
        "ma",
        "ammi",
        "ammu",
        "amma",
        "mataji",
        "mata ji",
        "mother dear",
        "nanay",
    ),
    "husband": ("husband", "hubby", "pati", "shohar", "hubband"),
    "wife": ("wife", "patni", "biwi", "begum", "missus"),
    "son": ("son", "beta", "bete"),
    "daughter": ("daughter", "beti"),
    "brother": ("brother", "bro", "bhai", "bhaiya", "bhaiyya", "kuya"),
    "sister": ("sister", "sis", "behen", "behan", "didi", "ate"),
    "uncle": ("uncle", "chacha", "chachu", "mamu", "mamaji", "tito", "tiyo"),
    "aunt": ("aunt", "aunty", "auntie", "chachi", "bua", "mausi", "tita", "tiya"),
    "friend": ("friend", "best friend", "dost"),
    "partner": ("partner", "boyfriend", "girlfriend", "fiance", "fiancee"),
    "relative": ("relative", "cousin", "nephew", "niece", "in-law", "in law"),
}

#: How answers name each relative.
DISPLAY: Dict[str, str] = {
    "father_in_law": "father-in-law",
    "mother_in_law": "mother-in-law",
}

#: Kinship words that name a relative even without "my".
_BARE = (
    "dad",
    "daddy",
    "papa",
    "mummy",
    "mommy",
    "abbu",
    "ammi",
    "pitaji",
    "mataji",
    "hubby",
    "dadaji",
    "nanaji",
    "lolo",
    "lola",
)
_POSSESSIVE = (
    r"(?:my|meri|mere|mera|hamare|hamari|hamara|our|me\s+and\s+my|for\s+my|" r"to\s+my)"
)


@dataclass(frozen=True)
class Patient:
    """What one message tells about who the patient is.

    Attributes:
        relation: ``"self"`` or a key of :data:`KIN`.
        ref: "you" or "your father" (object form).
        poss: "your" or "your father's".
    """

    relation: str
    ref: str
    poss: str


def _alternation(words: Tuple[str, ...]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


@cache
def relative_pattern() -> Pattern[str]:
    """A relative named as the patient.

    Examples: "my father has HCC", "meri maa ka bilirubin", "mere papa",
    "our mother", "for my husband", "my lola", "dad has cirrhosis",
    "papa ko", "abbu ki report".

    Not: "my son will handle this", "my daughter is typing for me", "my wife
    and I" (helpers, not the patient: see :func:`detect_patient`).
    """
    groups = "|".join(f"(?P<{key}>{_alternation(words)})" for key, words in KIN.items())
    bare = _alternation(_BARE)
    return re.compile(
        rf"\b{_POSSESSIVE}\s+(?:(?:dear|beloved|old|elderly|late|own|\w+-year-old|"
        rf"\d+\s*(?:yo|y/o|years?\s+old))\s+)?(?:{groups})(?:'?s)?\b"
        rf"|(?<![\w'])(?P<bare>{bare})(?:'?s)?\b"
    )


@cache
def helper_pattern() -> Pattern[str]:
    """A relative who helps rather than is treated.

    Examples: "my son will handle this", "my daughter is typing for me",
    "my wife and I", "call my son", "my brother has the reports", "my son's
    number", "my sister says there are 3 tumours", "my husband asked if it
    hurts" (the relative speaks, or reads the reports, for the patient).
    """
    return re.compile(
        r"^(?:'?s)?\s*(?:will\s+(?:handle|call|contact|send|talk|speak|write|"
        r"come)|is\s+(?:typing|writing|helping|translating|asking|saying)"
        r"|(?:says?|said|tells?|told|thinks?|thought|asks?|asked|wants\s+to\s+know"
        r"|read|heard|found|checked|remembers?|mentioned|reminded|corrected)\b"
        r"|and\s+i\b|has\s+the"
        r"\s+(?:reports?|papers?|files?)|(?:'s\s+)?(?:phone|number|email|mobile))"
        r"|\b(?:call|ring|phone|email|contact|tell)\s+$"
    )


@cache
def self_pattern() -> Pattern[str]:
    """The writer says they are the patient.

    Examples: "I have liver cancer", "i have hcc", "I was diagnosed with",
    "my tumour is 3 cm", "my bilirubin is 1.2", "my liver", "it is for me",
    "I am the patient", "mujhe liver cancer hai".
    """
    return re.compile(
        r"\bi\s+(?:have|had|got|am\s+having|'ve\s+got|was\s+diagnosed|am\s+diagnosed|"
        r"have\s+been\s+diagnosed)\b(?:\s+\w+){0,3}?\s+(?:cancer|hcc|tumou?rs?|"
        r"lesions?|mets|metasta\w*|cirrhosis|hepatoma|carcinoma|spots?)\b"
        r"|\bi(?:'m|\s+am)\s+the\s+patient\b|\bit(?:'s|\s+is)\s+for\s+me\b"
        r"|\bfor\s+myself\b|\bmy\s+(?:own\s+)?(?:liver|tumou?rs?|lesions?|"
        r"bilirubin|platelets?|scan|ct|mri|reports?|hcc|cancer|cirrhosis|"
        r"biopsy|diagnosis)\b"
        # "mujhe liver cancer hai" (I have), not "mujhe baat karni hai" (I want).
        r"|\bmujhe\s+(?:\w+\s+){0,2}?(?:cancer|hcc|tumou?r|rasoli|gaanth|ganth)\b"
    )


def _patient(relation: str) -> Patient:
    if relation == SELF:
        return Patient(SELF, "you", "your")
    name = DISPLAY.get(relation, relation.replace("_", " "))
    if relation == "relative":
        return Patient(relation, "your relative", "your relative's")
    return Patient(relation, f"your {name}", f"your {name}'s")


def detect_patient(text: Optional[str]) -> Optional[Patient]:
    """Tell who the patient is in one message, if the message says so.

    Args:
        text: the message as typed.

    Returns:
        The patient named (a relative, or ``self``), or ``None`` when the
        message does not tell.

    Examples:
        >>> detect_patient("my father has hcc, can he get cryo?").ref
        'your father'
        >>> detect_patient("meri maa ka ilaj kitne ka hoga").poss
        "your mother's"
        >>> detect_patient("I have liver cancer").relation
        'self'
        >>> detect_patient("does it hurt?") is None
        True
    """
    if not text:
        return None
    lowered = " ".join(text.lower().replace("’", "'").split())
    for found in relative_pattern().finditer(lowered):
        after = lowered[found.end() : found.end() + 40]
        before = lowered[max(0, found.start() - 12) : found.start()]
        if helper_pattern().search(after) or helper_pattern().search(before):
            continue
        key = next((k for k, v in found.groupdict().items() if v and k != "bare"), None)
        if key is None:
            bare = found.group("bare")
            key = next(k for k, words in KIN.items() if bare in words)
        if self_pattern().search(lowered[: found.start()]):
            # "I have HCC and my father ..." : the writer is the patient.
            return _patient(SELF)
        return _patient(key)
    if self_pattern().search(lowered):
        return _patient(SELF)
    return None


__all__ = [
    "KIN",
    "NEUTRAL_POSS",
    "NEUTRAL_REF",
    "SELF",
    "SLOT_CONTRACT",
    "Patient",
    "detect_patient",
]
