"""Distance from the bile duct: "4 mm away from the bile duct", "CBD 8 mm".

A length said of a structure ("2 cm from the portal vein") is a distance, not a
lesion size; when the structure is the bile duct it is the field
``bile_duct_distance_mm`` (in mm). Patterns: ``patterns.bile_duct_patterns``
and the distance cues of ``patterns.context_patterns``.
"""

from __future__ import annotations

import re

from bot.nlp.labs import patterns as P
from bot.nlp.labs import units as U
from bot.nlp.labs.document import FILLER_ONLY, Document
from bot.nlp.labs.findings import BILE_DUCT, RANGE
from bot.nlp.labs.quantities import Quantity

#: How far after a length "away from", "apart from", "distant to" is looked
#: for: 60 characters.
DISTANCE_WORDS_WINDOW = 60
#: How far after those words the structure's name may start ("4 mm away from
#: the main bile duct"): 25 characters.
STRUCTURE_NAME_WINDOW = 25
#: How far after "bile duct" its distance is looked for ("bile duct is about
#: 4 mm away"): 40 characters.
DUCT_VALUE_WINDOW = 40


def read_bile_duct(doc: Document) -> None:
    """Read distances: to the bile duct (the field) and to other structures."""
    ducts = [a for a in doc.anchors if a.label == P.BILE_DUCT]
    used_ducts: set = set()
    # "4 mm away from the bile duct", "2 cm from the portal vein".
    for quantity in doc.quantities:
        if quantity.claimed or not quantity.is_length:
            continue
        after = doc.norm[quantity.end : quantity.end + DISTANCE_WORDS_WINDOW]
        rel = _DISTANCE_AFTER.match(after)
        if not rel:
            continue
        target = next(
            (
                a
                for a in doc.anchors
                if quantity.end
                <= a.start
                <= quantity.end + rel.end() + STRUCTURE_NAME_WINDOW
            ),
            None,
        )
        if target is None:
            # "the bile duct is 3 mm away": the structure was named before.
            clause_start = doc.clause_at(quantity.start)[0]
            target = next(
                (
                    a
                    for a in reversed(doc.anchors)
                    if clause_start <= a.start and a.end <= quantity.start
                ),
                None,
            )
        if rel.group("of") and not (target and target.label == P.BILE_DUCT):
            continue  # "3 cm of the liver" is no distance
        quantity.claimed = True
        if target is not None and target.label == P.BILE_DUCT:
            used_ducts.add(target.start)
            _duct_finding(doc, quantity)
    # "distance to the bile duct: 6 mm", "bile duct 4 mm away", "CBD 8 mm".
    for duct in ducts:
        if duct.start in used_ducts:
            continue
        end = min(
            doc.next_anchor_start(duct.end, [doc.anchors, doc.lesions]),
            doc.sentence_end_after(duct.end),
            duct.end + DUCT_VALUE_WINDOW,
        )
        for quantity in doc.unclaimed(duct.end, end):
            between = doc.norm[duct.end : quantity.start]
            if not FILLER_ONLY.match(
                re.sub(r"\b(?:distance|away|from|to|close|near|is|at)\b", " ", between)
            ):
                break
            quantity.claimed = True
            sentence = (
                doc.clause_at(duct.start)[0],
                doc.sentence_end_after(quantity.end),
            )
            if doc.cues_in(P.CUE_DISTANCE, *sentence):
                _duct_finding(doc, quantity)
            break


def _duct_finding(doc: Document, quantity: Quantity) -> None:
    unit = next((u for u in quantity.units if u in U.LENGTH_UNITS), None)
    number = quantity.numbers[-1] if quantity.shape == "change" else quantity.first
    value = U.length_to_mm(number, unit)
    reason = RANGE if quantity.shape == "range" else None
    doc.add(
        doc.numeric_finding(BILE_DUCT, quantity, value, number=number, reason=reason)
    )


_DISTANCE_AFTER = re.compile(
    r"^[\s)]*(?:(?:away|apart|distant|distance|gap|short)\b\s*)?"
    r"(?:(?:from|to|off)\b(?!\s*[\d.])|(?P<of>of)\b|(?=away|apart))",
    re.IGNORECASE,
)
