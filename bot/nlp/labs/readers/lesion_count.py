"""Number of lesions: "two lesions", "3 tumours", "tumors: 2", "Number of lesions: 3".

A count is a whole number (or a count word) right before a lesion word, a few
adjectives apart ("two small liver lesions"), or after it when introduced
("tumors: 2"). "multiple", "several" give no count. Patterns:
``patterns.lesion_count_patterns``.
"""

from __future__ import annotations

import re
from typing import List, Tuple

from bot.nlp.labs import patterns as P
from bot.nlp.labs import units as U
from bot.nlp.labs.document import Anchor, Document
from bot.nlp.labs.findings import BOUND, LESION_COUNT, RANGE

#: How many words may stand between a count and its lesion word ("two small
#: hypodense liver lesions"): three.
WORDS_BETWEEN_COUNT_AND_NOUN = 3
#: How far before a lesion word "number of" is looked for: 14 characters.
NUMBER_OF_WINDOW = 14


def read_lesion_counts(doc: Document) -> None:
    """Add the count said before or after each lesion word."""
    lab_spans = [(a.start, a.end) for a in doc.anchors if a.label in P.LAB_LABELS]
    for noun in doc.lesions:
        if noun.label != P.LESION:
            continue
        if _count_before(doc, noun, lab_spans):
            continue
        _count_after(doc, noun)


def _count_before(
    doc: Document, noun: Anchor, lab_spans: List[Tuple[int, int]]
) -> bool:
    """Read a count before the noun: "two small liver lesions", "3 tumours"."""
    tokens, index, skipped = doc.doc, noun.tok_start - 1, 0
    while index >= 0 and skipped <= WORDS_BETWEEN_COUNT_AND_NOUN:
        token = tokens[index]
        pos = token.idx
        quantity = next((q for q in doc.quantities if q.start <= pos < q.end), None)
        if quantity is not None and quantity.is_length:
            index = (
                tokens.char_span(
                    quantity.start, quantity.start + 1, alignment_mode="expand"
                ).start
                - 1
            )
            skipped += 1
            continue
        lowered = token.lower_
        if lowered in U.UNCOUNTED_WORDS or any(
            c.start <= pos < c.end for c in doc.cues.get(P.CUE_UNCOUNTED, [])
        ):
            return True  # "multiple lesions": no count
        count: int | None = None
        if quantity is not None and quantity.is_integer and quantity.end <= noun.start:
            if quantity.claimed:
                return False
            count = int(quantity.first)
            start, end = quantity.start, quantity.end
        elif lowered in U.COUNT_WORDS:
            count = U.COUNT_WORDS[lowered]
            start, end = token.idx, token.idx + len(token)
        elif (
            quantity is not None and quantity.shape == "range" and quantity.unit is None
        ):
            quantity.claimed = True
            doc.add(doc.numeric_finding(LESION_COUNT, quantity, None, reason=RANGE))
            return True
        if count is not None:
            if quantity is not None:
                quantity.claimed = True
                finding = doc.numeric_finding(LESION_COUNT, quantity, count)
            else:
                finding = doc.word_finding(LESION_COUNT, count, start, end)
                if doc.is_bound(start):
                    finding.ambiguous, finding.reason = True, BOUND
            doc.add(finding)
            return True
        if (
            token.is_alpha
            and lowered not in _COUNT_STOP
            and not any(a <= pos < b for a, b in lab_spans)
        ):
            skipped += 1
            index -= 1
            continue
        return False
    return False


def _count_after(doc: Document, noun: Anchor) -> None:
    """Read a count after the noun: "tumors: 2", "Number of lesions: 3"."""
    found = _COUNT_AFTER.match(doc.norm, noun.end)
    if not found:
        return
    word = doc.norm[noun.start : noun.end].lower()
    before = doc.norm[max(0, noun.start - NUMBER_OF_WINDOW) : noun.start]
    plural = word.endswith("s") and word not in ("mass", "focus")
    introduced = bool(found.group("sep") or found.group("kw")) or bool(
        re.search(r"\b(?:number|no|nos|count)\.?\s*(?:of\s+)?$", before, re.I)
    )
    if not (plural or introduced):
        return
    value_start = found.start("n")
    quantity = next((q for q in doc.quantities if q.start == value_start), None)
    if quantity is not None:
        if quantity.claimed or not quantity.is_integer:
            return
        quantity.claimed = True
        doc.add(doc.numeric_finding(LESION_COUNT, quantity, int(quantity.first)))
        return
    count = U.parse_count_word(found.group("n"))
    if count is not None:
        doc.add(doc.word_finding(LESION_COUNT, count, value_start, found.end("n")))


# Words that end the search for a count before a lesion word: grammar words
# and the unit tokens the tokenizer leaves after a number ("1.5 lakh", "2 mg").
_COUNT_STOP = frozenset(
    {
        "and",
        "or",
        "with",
        "of",
        "in",
        "at",
        "on",
        "to",
        "from",
        "is",
        "are",
        "was",
        "were",
        "has",
        "have",
        "had",
        "the",
        "but",
        "for",
        "by",
        "than",
        "more",
        "less",
        "over",
        "under",
        "above",
        "below",
        "about",
        "around",
        "approximately",
        "approx",
        "x",
        "no",
        "not",
        "segment",
        "segments",
        "seg",
        "stage",
        "grade",
        "class",
        "lakh",
        "lakhs",
        "lac",
        "k",
        "thousand",
        "mg",
        "dl",
        "g",
        "l",
    }
)


# A count after the lesion word: "tumors: 2", "lesions (count) - two",
# "Number of lesions: 3"; the number words are those of units.COUNT_WORDS.
_COUNT_AFTER = re.compile(
    r"(?:\s*\((?:s|es)\))?\s*(?P<kw>(?:count|number|no\.?|nos\.?|total)\b)?\s*"
    r"(?P<sep>[:=\-])?\s*(?:(?:is|are|was|were|about|around|approx\.?)\s+)*"
    rf"(?P<n>\d{{1,2}}|{'|'.join(U.COUNT_WORDS)})\b"
    r"(?!\s*(?:cm|mm|centimet|millimet|[.,]\d|x\s*\d|%))",
    re.IGNORECASE,
)
