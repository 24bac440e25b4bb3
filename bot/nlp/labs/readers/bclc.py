"""BCLC stage: "BCLC A", "BCLC-B", "stage 0", "barcelona stage B", "early stage".

Read right after Child-Pugh, before numbers are given to other fields: "stage
0" is a stage, not a count. Another staging ("Dukes stage B", "stage C colon
cancer") is left alone. Patterns: ``patterns.bclc_patterns``.
"""

from __future__ import annotations

import re

from bot.nlp.labs import patterns as P
from bot.nlp.labs.document import Anchor, Document
from bot.nlp.labs.findings import BCLC

#: How far after "BCLC" or "stage" the stage is looked for: "BCLC staging:
#: intermediate" fits in 40 characters.
BCLC_WINDOW = 40
#: How far before "stage" another staging system is looked for ("Dukes",
#: "Child-Pugh", "TNM"): its name and a space.
OTHER_STAGING_WINDOW = 20


def read_bclc(doc: Document) -> None:
    """Add the BCLC stage written after "BCLC" or "stage"."""
    for anchor in doc.anchors:
        if anchor.label not in (P.BCLC, P.STAGE) or doc.in_consumed(anchor.start):
            continue
        after = doc.norm[anchor.end : anchor.end + BCLC_WINDOW]
        if anchor.label == P.BCLC:
            found = _BCLC_AFTER.match(after)
            named = _BCLC_NAMED.match(after)
            if found:
                stage, length = found.group(1).upper(), found.end()
            elif named:
                stage, length = _BCLC_NAMES[_named_key(named.group(1))], named.end()
            else:
                continue
        else:
            found = _STAGE_AFTER.match(after)
            if not found or _other_cancer_stage(doc, anchor, after[found.end() :]):
                continue
            stage, length = _stage_group(found).upper(), found.end()
        end = anchor.end + length
        doc.claim_span(anchor.start, end)
        doc.add(doc.word_finding(BCLC, stage, anchor.start, end))


def _other_cancer_stage(doc: Document, anchor: Anchor, rest: str) -> bool:
    """Reject another staging: "stage C colon cancer", "Dukes stage B"."""
    before = doc.norm[max(0, anchor.start - OTHER_STAGING_WINDOW) : anchor.start]
    if re.search(
        r"\b(?:dukes|tnm|figo|ann\s+arbor|child|pugh|cp|ctp)\W*$", before, re.I
    ):
        return True
    organs = "|".join(P.PRIMARY_ORGANS)
    return bool(re.match(rf"^\W*(?:\w+\W+)?(?:{organs})\b", rest, re.I))


_BCLC_AFTER = re.compile(
    r"^[\s:=\-,(]*(?:(?:stage|staging|class|category|is|was|of|grade)\b[\s:=\-,(]*)*"
    r"(0|[abcd])(?![a-z0-9.])",
    re.IGNORECASE,
)

_BCLC_NAMED = re.compile(
    r"^[\s:=\-,(]*(?:(?:stage|staging|is|was|of)\b[\s:=\-,(]*)*"
    r"(very[\s-]+early|early|intermediate|advanced|terminal|end[\s-]*stage)\b",
    re.IGNORECASE,
)

_BCLC_NAMES = {
    "very early": "0",
    "early": "A",
    "intermediate": "B",
    "advanced": "C",
    "terminal": "D",
    "end stage": "D",
}


def _named_key(words: str) -> str:
    return re.sub(r"[\s-]+", " ", words.lower()).replace("endstage", "end stage")


_STAGE_AFTER = re.compile(
    r"^[\s:=\-]*(?:(0)(?![\d.a-z])|([ABCD])(?![A-Za-z0-9.])"
    r"|([abcd])(?=\s*(?:$|[.,;!?)]|hcc\b|bclc\b|liver\b)))"
)


def _stage_group(found: re.Match[str]) -> str:
    return next(g for g in found.groups() if g)
