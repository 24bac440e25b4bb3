"""Pure text helpers for the intent and topic classifier.

Patients write "freezing the tumer", "cryo", "ice treatment" and "liver canser
spread" for things the training data may spell differently. Two cheap,
readable steps make a linear model generalise to such wording:

* :func:`normalise` lower-cases, folds accents and typographic variants, and
  replaces numbers by shape tokens (a lab value's digits carry no topic);
* :func:`concept_tokens` adds a concept token for each family of lay words
  (``__cryo__`` for freeze/ice/cold/cryo…), so an unseen synonym still lands
  on the right features.

Character n-grams (built by the classifier) then absorb misspellings.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Dict, Iterable, List, Tuple

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"[a-z]+")

#: Families of lay and clinical words -> concept token. Prefixes match word starts,
#: so "freez" covers freeze, freezing, frozen is listed on its own.
CONCEPTS: Dict[str, Tuple[str, ...]] = {
    "cryo": ("cryo", "freez", "frozen", "ice", "icy", "cold", "argon", "krio", "frost"),
    "rfa": ("rfa", "radiofrequen", "radio", "heat", "thermal", "burn", "microwave"),
    "tace": ("tace", "chemoemboli", "emboli", "transarter"),
    "liver": ("liver", "hepat", "hcc", "hepatoma"),
    "spread": ("spread", "metasta", "mets", "secondar", "colorectal", "colon"),
    "money": ("cost", "price", "pay", "fee", "expens", "cheap", "afford", "insur"),
    "money_": ("money", "budget", "charg", "dollar", "rupee", "usd", "inr_"),
    "time": ("long", "hour", "minute", "durat", "quick", "fast"),
    "pain": ("pain", "hurt", "sore", "ache", "discomfort", "agony", "suffer"),
    "sleep": ("anaesth", "anesth", "asleep", "sedat", "sleep", "awake", "conscious"),
    "risk": (
        "risk",
        "danger",
        "complicat",
        "side",
        "safe",
        "harm",
        "bleed",
        "downside",
        "haemorrh",
        "hemorrh",
        "infect",
        "abscess",
    ),
    "success": ("success", "work", "effective", "cure", "result", "control"),
    "survival": (
        "surviv",
        "live",
        "lifespan",
        "life",
        "expectanc",
        "years",
        "prolong",
        "lengthen",
    ),
    "size": (
        "size",
        "big",
        "large",
        "cm",
        "diamet",
        "small",
        "huge",
        "mm",
        "dimension",
    ),
    "vessel": ("vessel", "vein", "arter", "blood", "vascular", "portal"),
    "duct": ("bile", "duct", "biliar", "biloma"),
    "platelet": ("platelet", "plt", "platlet", "clot", "transfus"),
    "bilirubin": ("bilirub", "bili", "jaund", "yellow"),
    "cirrhosis": ("cirrho", "child", "pugh", "scar", "fibros"),
    "transplant": ("transplant", "donor", "waiting", "milan", "list"),
    "seeding": ("seed", "tract", "needle", "path"),
    "recovery": (
        "recover",
        "home",
        "discharg",
        "hospital",
        "stay",
        "overnight",
        "outpatient",
        "inpatient",
        "admitted",
    ),
    "scan": ("scan", "ct", "mri", "imaging", "xray", "ultrasound", "radiolog"),
    "abroad": (
        "china",
        "chinese",
        "india",
        "abroad",
        "travel",
        "visa",
        "overseas",
        "country",
        "foreign",
        "international",
    ),
    "records": (
        "record",
        "report",
        "document",
        "send",
        "upload",
        "paper",
        "file",
        "histolog",
        "patholog",
        "mail",
    ),
    "guarantee": ("guarant", "promis", "sure", "certain", "assur", "responsib"),
    "guideline": ("guideline", "standard", "easl", "bclc", "approved", "recommend"),
    "company": ("cancerfax", "company", "service", "you", "your", "coordinat"),
    "steps": ("step", "happen", "process", "procedure", "done", "perform", "how"),
}

_FOLD = str.maketrans(
    {
        "µ": "u",
        "μ": "u",
        "’": "'",
        "‘": "'",
        "“": '"',
        "”": '"',
        "–": "-",
        "—": "-",
        "×": "x",
    }
)


def normalise(text: str) -> str:
    """Lower-case, fold accents and symbols, and replace numbers by ``0``-shapes.

    >>> normalise("Bilirubin 34 µmol/L, Größe 2,5 cm")
    'bilirubin 00 umol/l, grosse 0,0 cm'
    """
    text = unicodedata.normalize("NFKC", text).translate(_FOLD).lower()
    text = text.replace("ß", "ss")
    text = "".join(
        ch
        for ch in unicodedata.normalize("NFKD", text)
        if not unicodedata.combining(ch)
    )
    text = _NUMBER.sub(
        lambda m: re.sub(r"\d+", lambda d: "0" * min(len(d.group()), 2), m.group()),
        text,
    )
    return _SPACES.sub(" ", text).strip()


def concept_tokens(words: Iterable[str]) -> List[str]:
    """Concept tokens for the words of a normalised text.

    >>> concept_tokens(["is", "freezing", "safe"])
    ['__cryo__', '__risk__']
    """
    found: List[str] = []
    for word in words:
        for concept, prefixes in CONCEPTS.items():
            if word.startswith(prefixes):
                token = f"__{concept.rstrip('_')}__"
                if token not in found:
                    found.append(token)
    return found


def prepare(text: str) -> str:
    """The text the classifier's vectorizers see: normalised, plus concept tokens."""
    norm = normalise(text)
    extra = concept_tokens(_WORD.findall(norm))
    return f"{norm} {' '.join(extra)}".strip()


def non_latin_share(text: str) -> float:
    """Share of letters outside the Latin script (0.0 for text without letters).

    >>> round(non_latin_share("我父亲肝癌"), 2), non_latin_share("hello")
    (1.0, 0.0)
    """
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 0.0
    other = sum(1 for ch in letters if "LATIN" not in unicodedata.name(ch, "LATIN"))
    return other / len(letters)
