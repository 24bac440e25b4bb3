"""Child-Pugh class and score: "Child-Pugh B7", "CP A", "child pugh class b score 8".

Read first: its letters and scores ("A6", "B 7") would otherwise be taken for
other things, and a bare "A6" is a class only when its score fits its class.
Patterns: ``patterns.child_pugh_patterns``.
"""

from __future__ import annotations

import re
from typing import Tuple

from bot import fields
from bot.nlp.labs import patterns as P
from bot.nlp.labs.document import Document
from bot.nlp.labs.findings import CHILD_PUGH, SCORE_MISMATCH

#: How far after "Child-Pugh" its class and score are looked for: "Child-Pugh
#: class: B, score of 7 points" fits in 50 characters.
CHILD_PUGH_WINDOW = 50


def read_child_pugh(doc: Document) -> None:
    """Add the class and score written after "Child-Pugh", or a bare "B7"."""
    for anchor in doc.anchors:
        if anchor.label == P.CP_STANDALONE and not doc.in_consumed(anchor.start):
            letter = doc.norm[anchor.start]
            score = int(doc.norm[anchor.start + 1 : anchor.end])
            doc.claim_span(anchor.start, anchor.end)
            doc.add(
                doc.word_finding(
                    CHILD_PUGH, f"{letter}{score}", anchor.start, anchor.end
                )
            )
        if anchor.label not in (P.CHILD_PUGH, P.CHILD_BARE):
            continue
        after = doc.norm[anchor.end : anchor.end + CHILD_PUGH_WINDOW]
        strict = anchor.label == P.CHILD_BARE
        parsed = _parse_child_pugh(after, strict=strict)
        if parsed is None:
            continue
        letter, score, length, reason = parsed
        end = anchor.end + length
        doc.claim_span(anchor.start, end)
        if letter is None and score is not None:
            letter = fields.child_pugh_class_of(score)
        value = f"{letter}{score if score is not None else ''}" if letter else None
        finding = doc.word_finding(CHILD_PUGH, value, anchor.start, end)
        if reason:
            finding.value = None
            finding.ambiguous, finding.reason = True, reason
        doc.add(finding)


_CP_SEP = r"[\s:=\-,()\[\]/]*"

_CP_FILL = rf"(?:(?:is|was|of|class|grade|category|stage|status|group|type){_CP_SEP})*"

_CP_LETTER_FIRST = re.compile(
    rf"^{_CP_SEP}{_CP_FILL}(?P<letter>[abc])(?![a-z])"
    rf"(?:(?P<glued>\d{{1,2}})(?!\d|\.\d)"
    rf"|{_CP_SEP}(?:(?:score|points?|pts?|with|and|of|a){_CP_SEP})*"
    rf"(?P<score>\d{{1,2}})(?!\d|\.\d)(?:\s*(?:points?|pts?)\b)?)?",
    re.IGNORECASE,
)

_CP_SCORE_FIRST = re.compile(
    rf"^{_CP_SEP}{_CP_FILL}(?P<kw>score{_CP_SEP}(?:(?:is|was|of){_CP_SEP})*)?"
    rf"(?P<score>\d{{1,2}})(?!\d|\.\d)(?:\s*(?:points?|pts?)\b)?"
    rf"(?:{_CP_SEP}(?:(?:class|grade|category|i\.e\.?|ie|=){_CP_SEP})*(?P<letter>[abc])(?![a-z]))?",
    re.IGNORECASE,
)

_CP_CLASS_WORDS = re.compile(
    r"\b(?:class|grade|score|category|status)\b", re.IGNORECASE
)


def _parse_child_pugh(
    after: str, *, strict: bool
) -> Tuple[str | None, int | None, int, str | None] | None:
    """(letter, score, characters read, ambiguity reason) after a Child-Pugh name.

    ``strict`` (a bare "child") needs an upper-case letter or a word such as
    "class"/"score", so that "my child a few days ago" is left alone.
    """
    for regex in (_CP_SCORE_FIRST, _CP_LETTER_FIRST):
        found = regex.match(after)
        if not found:
            continue
        letter = found.group("letter")
        if (
            strict
            and not _CP_CLASS_WORDS.search(found.group())
            and (letter is None or not letter.isupper())
        ):
            return None
        letter = letter.upper() if letter else None
        score_text = found.groupdict().get("glued") or found.group("score")
        score = int(score_text) if score_text else None
        length = found.end()
        if score is not None and (score < 5 or score > 15):
            if letter is None and not found.groupdict().get("kw"):
                return None  # "child pugh 2 lesions": no score at all
            if found.groupdict().get("glued") or letter is None:
                return letter, score, length, SCORE_MISMATCH
            # "Child-Pugh A 2 lesions": the number is not a score.
            length = found.start("score")
            length = len(after[:length].rstrip(" ,:-("))
            score = None
        if (
            letter
            and score is not None
            and score not in fields.CHILD_PUGH_CLASS_SCORES[letter]
        ):
            return letter, score, length, SCORE_MISMATCH
        if letter is None and score is None:
            continue
        return letter, score, length, None
    return None
