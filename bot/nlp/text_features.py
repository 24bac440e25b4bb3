"""Pure text helpers for the intent and topic classifier.

Patients write "freezing the tumer", "cryo", "ice treatment" and "liver canser
spread" for things the training data may spell differently. Two cheap,
readable steps make a linear model generalise to such wording:

* :func:`normalise` lower-cases, folds accents and typographic variants, and
  replaces numbers by shape tokens (a lab value's digits carry no topic);
* :func:`concept_tokens` adds a concept token for each family of lay words
  (``__cryo__`` for freeze/ice/cold/cryo…), so an unseen synonym still lands
  on the right features;
* :func:`glosses` adds the English word for SMS spellings ("wat", "abt",
  "pls"), transliterated Hindi/Urdu words ("kitna", "dard", "ilaj"), and a
  few Nigerian and Filipino English words ("wetin", "po"), so "ilaj mein
  kitna paisa lagega" carries the features of "treatment how much money".

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

#: Words patients type -> the English words the training data uses. SMS
#: spellings, Hindi/Urdu in Latin script (several spellings each), Nigerian
#: Pidgin and Filipino particles. Only words that cannot be mistaken for an
#: English word are listed ("hai", "to", "is" are left alone).
GLOSSES: Dict[str, str] = {
    # SMS spelling
    "u": "you",
    "ur": "your",
    "r": "are",
    "pls": "please",
    "plz": "please",
    "pl": "please",
    "abt": "about",
    "wat": "what",
    "wht": "what",
    "wats": "what is",
    "hw": "how",
    "bcoz": "because",
    "coz": "because",
    "ppl": "people",
    "dis": "this",
    "dat": "that",
    "tym": "time",
    "wen": "when",
    "whr": "where",
    "thnx": "thanks",
    "cn": "can",
    "shd": "should",
    "wud": "would",
    "nd": "and",
    "b4": "before",
    "aftr": "after",
    "hosp": "hospital",
    "docs": "doctors",
    "dr": "doctor",
    # Hindi / Urdu in Latin script
    "kya": "what",
    "kitna": "how much",
    "kitni": "how much",
    "kitne": "how many",
    "kaise": "how",
    "kaisa": "how",
    "kab": "when",
    "kyun": "why",
    "kyon": "why",
    "kaun": "which",
    "kahan": "where",
    "paisa": "money cost",
    "paise": "money cost",
    "kharcha": "cost",
    "kharch": "cost",
    "lagega": "cost",
    "dard": "pain",
    "ilaj": "treatment",
    "ilaaj": "treatment",
    "upchar": "treatment",
    "theek": "fine recover",
    "thik": "fine recover",
    "khatra": "risk danger",
    "khatre": "risk danger",
    "nuksan": "harm risk",
    "nuksaan": "harm risk",
    "surakshit": "safe",
    "din": "days",
    "ghante": "hours",
    "ghanta": "hours",
    "samay": "time",
    "rehna": "stay",
    "ghar": "home",
    "bada": "big",
    "badi": "big",
    "size": "size",
    "zindagi": "life",
    "umar": "life years",
    "umr": "life years",
    "jigar": "liver",
    "gaanth": "tumour",
    "ganth": "tumour",
    "rasoli": "tumour",
    "baad": "after",
    "pehle": "before",
    "behoshi": "anaesthesia asleep",
    "neend": "asleep",
    "kaam": "work",
    "karta": "does",
    "pakka": "guarantee sure",
    "bhejna": "send",
    "bhejne": "send",
    "kagaz": "documents",
    "kaagaz": "documents",
    "sui": "needle",
    "faila": "spread",
    "phailna": "spread",
    "failega": "spread",
    "baat": "talk",
    "insaan": "person",
    "insan": "person",
    "aadmi": "person",
    "kisi": "someone",
    "koi": "someone",
    "madad": "help",
    "chahiye": "want",
    "mujhe": "i",
    "mein": "in",
    "ke": "of",
    "ka": "of",
    "ki": "of",
    # Nigerian Pidgin, Filipino English
    "wetin": "what",
    "abeg": "please",
    "una": "you",
    "dey": "is",
    "po": "",
    "ba": "",
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


def glosses(words: Iterable[str]) -> List[str]:
    """English words for the SMS, Hinglish and regional words among ``words``.

    >>> glosses(["ilaj", "mein", "kitna", "paisa", "lagega"])
    ['treatment', 'in', 'how', 'much', 'money', 'cost']
    """
    found: List[str] = []
    for word in words:
        for english in GLOSSES.get(word, "").split():
            if english not in found:
                found.append(english)
    return found


def prepare(text: str) -> str:
    """The text the classifier's vectorizers see.

    Normalised text, then the English glosses of SMS and Hinglish words, then
    the concept tokens of all of them.
    """
    norm = normalise(text)
    words = _WORD.findall(norm)
    english = glosses(words)
    extra = concept_tokens(words + english)
    return " ".join(part for part in (norm, " ".join(english), " ".join(extra)) if part)


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
