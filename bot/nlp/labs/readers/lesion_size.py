"""Size of the largest lesion: "largest 4.2cm", "biggest 28 mm", "4.2 x 3.1 cm".

Read last of the numbers: any length in cm or mm that no earlier reader took
(the bile duct, an organ, a margin) is a lesion size; several sizes give the
largest, "4.2 x 3.1 cm" gives 4.2, "from 4 cm to 2.5 cm" gives 2.5. A size
cue with a bare number ("largest 3") is ambiguous: the bot asks for the unit.
Patterns: ``patterns.lesion_size_patterns``.
"""

from __future__ import annotations

import re

from bot.nlp.labs import patterns as P
from bot.nlp.labs import units as U
from bot.nlp.labs.document import FILLER_ONLY, LIST_JOIN, Document
from bot.nlp.labs.findings import MAX_LESION, NO_UNIT

#: How far before a length "from" is looked for ("shrank from 4 cm to 2.5
#: cm"): "from" and a space or two.
FROM_WINDOW = 6
#: How far after a size cue ("largest", "measuring") a bare number is looked
#: for: 25 characters.
SIZE_CUE_WINDOW = 25


def read_sizes(doc: Document) -> None:
    """Add every length still unclaimed as a lesion size (the largest wins)."""
    lengths = [q for q in doc.quantities if q.is_length and not q.claimed]
    for earlier, later in zip(lengths, lengths[1:], strict=False):
        # "shrank from 4 cm to 2.5 cm": the size now is the later one.
        before = doc.norm[max(0, earlier.start - FROM_WINDOW) : earlier.start]
        between = doc.norm[earlier.end : later.start]
        if re.search(r"\bfrom\s*$", before, re.I) and re.fullmatch(
            r"\s*(?:to|->|→)\s*", between, re.I
        ):
            earlier.claimed = True
    for cue in doc.lesions:
        if cue.label != P.SIZE_CUE:
            continue
        end = min(
            doc.next_anchor_start(cue.end, [doc.anchors, doc.lesions]),
            cue.end + SIZE_CUE_WINDOW,
        )
        for quantity in doc.unclaimed(cue.end, end):
            if quantity.unit is None and FILLER_ONLY.match(
                doc.norm[cue.end : quantity.start]
            ):
                quantity.claimed = True
                doc.add(doc.numeric_finding(MAX_LESION, quantity, None, reason=NO_UNIT))
            break
    for index, quantity in enumerate(doc.quantities):
        if quantity.claimed or not quantity.is_length:
            continue
        # "2.5, 1.8 and 1.2 cm", "tumours of 2 and 3 cm": one unit for all.
        later = quantity
        for earlier in reversed(doc.quantities[:index]):
            if (
                earlier.claimed
                or earlier.unit is not None
                or earlier.shape != "single"
                or not LIST_JOIN.fullmatch(doc.norm[earlier.end : later.start])
            ):
                break
            earlier.claimed = True
            value = U.length_to_cm(earlier.first, quantity.units[0])
            doc.add(
                doc.numeric_finding(MAX_LESION, earlier, value, unit=quantity.units[0])
            )
            later = earlier
        quantity.claimed = True
        if quantity.shape == "change":
            number = quantity.numbers[-1]
            value = U.length_to_cm(number, quantity.units[-1])
        else:
            sizes = [
                (U.length_to_cm(n, u), n)
                for n, u in zip(quantity.numbers, quantity.units, strict=True)
            ]
            value, number = max(
                ((v, n) for v, n in sizes if v is not None),
                default=(None, quantity.first),
            )
        doc.add(doc.numeric_finding(MAX_LESION, quantity, value, number=number))
