"""Numbers that belong to no field: liver segments, the sizes of other organs.

"segment 6 and 7", "stage 4", "spleen 13 cm", "5 mm margin", "17G needle":
claimed here so that no later reader takes them for a count or a lesion size.
Patterns: ``patterns.structure_patterns`` (segments, structures).
"""

from __future__ import annotations

import re

from bot.nlp.labs import patterns as P
from bot.nlp.labs.document import FILLER_ONLY, Document

#: How far after an organ's name its size is looked for: "spleen measures
#: about 13 cm" fits in 30 characters.
STRUCTURE_SIZE_WINDOW = 30


def read_segments(doc: Document) -> None:
    """Numbers of liver segments ("segment 6 and 7") and stages ("stage 4")."""
    for anchor in doc.anchors:
        if anchor.label not in (P.SEGMENT, P.STAGE):
            continue
        found = _SEGMENT_NUMBERS.match(doc.norm, anchor.end)
        if found:
            doc.claim_span(anchor.end, found.end())


def read_structure_sizes(doc: Document) -> None:
    """Claim the sizes of organs, vessels, margins, needles (not lesions)."""
    # Sizes of the spleen, a vessel, a margin, a needle...
    for anchor in doc.anchors:
        if anchor.label != P.STRUCTURE:
            continue
        end = min(
            doc.next_anchor_start(anchor.end, [doc.anchors, doc.lesions]),
            anchor.end + STRUCTURE_SIZE_WINDOW,
        )
        for quantity in doc.unclaimed(anchor.end, end):
            if quantity.is_length and FILLER_ONLY.match(
                doc.norm[anchor.end : quantity.start]
            ):
                quantity.claimed = True
            break
        word = doc.norm[anchor.start : anchor.end].lower()
        if word.split()[0] in P.MEASURED_BEFORE:
            for quantity in doc.quantities:
                gap = doc.norm[quantity.end : anchor.start]
                if (
                    not quantity.claimed
                    and quantity.is_length
                    and quantity.end <= anchor.start
                    and re.fullmatch(r"\s*(?:[a-z\-]+\s+)?", gap, re.I)
                ):
                    quantity.claimed = True


_SEGMENT_NUMBERS = re.compile(
    r"[\s:\-]*\d{1,2}(?![\d.]|\s*(?:cm|mm)\b)"
    r"(?:\s*(?:,|/|&|and|-|to|or)\s*(?:s(?:eg(?:ment)?)?\s*)?\d{1,2}(?![\d.]|\s*(?:cm|mm)\b))*",
    re.IGNORECASE,
)
