"""Diagnosis: HCC, metastasis or another liver tumour.

"HCC", "hepatoma", "primary liver cancer" -> hcc; "liver metastases", "mets",
"spread from the colon" -> metastasis; "cholangiocarcinoma" -> other. A negated
or queried name ("not HCC", "?HCC", "HCC ruled out") is no diagnosis, and
"HCC or metastasis" is ambiguous. Patterns: ``patterns.diagnosis_patterns``.
"""

from __future__ import annotations

import re
from typing import List, Tuple

from bot import fields
from bot.nlp.labs import patterns as P
from bot.nlp.labs.document import Anchor, Document
from bot.nlp.labs.findings import ALTERNATIVES, DIAGNOSIS

#: How many tokens around a diagnosis word a negation is looked for ("no
#: evidence of HCC", "HCC ruled out").
NEGATION_TOKENS = 3


#: The diagnosis each kind of diagnosis word gives.
_DX_CATEGORY = {
    P.DX_HCC: fields.HCC,
    P.DX_MET: fields.METASTASIS,
    P.DX_OTHER: fields.OTHER_DIAGNOSIS,
}
#: When a message names several: hcc over metastasis over other ("metastatic
#: HCC" and "HCC with lung metastases" are HCC).
DIAGNOSIS_PRIORITY = {fields.HCC: 0, fields.METASTASIS: 1, fields.OTHER_DIAGNOSIS: 2}


def read_diagnosis(doc: Document) -> None:
    """Add a diagnosis per diagnosis word that is neither negated nor queried."""
    found: List[Tuple[str, Anchor]] = []
    for anchor in doc.dx:
        category = _DX_CATEGORY[anchor.label]
        if _dx_negated(doc, anchor):
            continue
        if (
            anchor.label == P.DX_MET
            and doc.norm[anchor.start : anchor.end].lower() == "metastatic"
        ):
            following = [
                d for d in doc.dx if d.start > anchor.end and d.start - anchor.end <= 2
            ]
            if any(d.label != P.DX_MET for d in following):
                continue  # "metastatic HCC" is HCC
        found.append((category, anchor))
    for category, anchor in found:
        finding = doc.word_finding(DIAGNOSIS, category, anchor.start, anchor.end)
        clause = doc.clause_at(anchor.start)
        others = [
            a for c, a in found if c != category and clause[0] <= a.start < clause[1]
        ]
        for other in others:
            low, high = sorted((anchor, other), key=lambda a: a.start)
            if re.search(
                r"\b(?:or|vs\.?|versus)\b|/", doc.norm[low.end : high.start], re.I
            ):
                finding.value = None
                finding.ambiguous, finding.reason = True, ALTERNATIVES
        doc.add(finding)


def _dx_negated(doc: Document, anchor: Anchor) -> bool:
    tokens = doc.doc
    before = tokens[max(0, anchor.tok_start - NEGATION_TOKENS) : anchor.tok_start]
    after = tokens[anchor.tok_end : anchor.tok_end + NEGATION_TOKENS]
    negations = doc.cues.get(P.CUE_NEGATION, [])
    lower = max(before.start_char, doc.clause_at(anchor.start)[0])
    if any(lower <= n.start < anchor.start for n in negations):
        return True
    if doc.norm[max(0, anchor.start - 1) : anchor.start] == "?":
        return True  # "?HCC": a radiologist's query, not a diagnosis
    return bool(
        re.match(
            r"\W*(?:was\s+|is\s+|has\s+been\s+)?(?:ruled\s+out|excluded|negative)",
            after.text,
            re.I,
        )
    )
