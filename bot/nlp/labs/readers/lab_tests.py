"""Lab tests: bilirubin, albumin, INR and platelets, with their units.

A test's value is the number after its name ("bilirubin 34 umol/L"), before it
with a unit ("1.2 lakh platelets"), or in a list ("bilirubin and albumin are
1.2 and 3.5"); other tests' values (AST, AFP, "direct bilirubin") are claimed
so that they are never read as ours. Units are converted by ``units.py``.
Patterns: ``patterns.bilirubin_patterns``, ``albumin_patterns``,
``inr_patterns``, ``platelet_patterns``, ``other_lab_patterns``.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from bot import fields
from bot.nlp.labs import patterns as P
from bot.nlp.labs import units as U
from bot.nlp.labs.document import (
    CLAUSE_BREAK,
    FILLER_ONLY,
    LIST_JOIN,
    UPDATE_BETWEEN,
    Anchor,
    Document,
)
from bot.nlp.labs.findings import ALBUMIN, BILIRUBIN, INR, PLATELETS, RANGE, WRONG_UNIT
from bot.nlp.labs.quantities import Quantity

#: How far after a test's name its value is looked for: a report line such as
#: "Bilirubin (Total) ........ : 1.2 mg/dL" fits in 60 characters.
LAB_VALUE_WINDOW = 60


def read_labs(doc: Document) -> None:
    """Add the value of each test named; claim other tests' values."""
    labs = [a for a in doc.anchors if a.label in P.LAB_LABELS]
    done: set = set()
    # Value before the name with an explicit unit: "1.2 lakh platelets".
    for anchor in labs:
        quantity = _adjacent_before(doc, anchor)
        if (
            quantity is not None
            and quantity.unit is not None
            and _compatible(anchor.label, quantity)
            and not _belongs_to_previous(doc, quantity)
        ):
            _lab_finding(doc, anchor, quantity)
            done.add(anchor.start)
    # "bilirubin and albumin are 1.2 and 3.5": names listed, then values.
    for group in _listed(doc, labs):
        values = _listed_values(doc, group[-1], len(group))
        for anchor, quantity in zip(group, values, strict=False):
            _lab_finding(doc, anchor, quantity)
            done.add(anchor.start)
    # Value after the name: "bilirubin 34 umol/L", "sorry, platelets are 80k".
    for anchor in labs:
        if anchor.start in done:
            continue
        quantity = _forward_value(doc, anchor)
        if quantity is not None:
            _lab_finding(doc, anchor, quantity)
            done.add(anchor.start)
    # Value before the name without a unit: "120000 platelets".
    for anchor in labs:
        if anchor.start in done:
            continue
        quantity = _adjacent_before(doc, anchor)
        if quantity is not None and _compatible(anchor.label, quantity):
            _lab_finding(doc, anchor, quantity)


def _listed(doc: Document, labs: List[Anchor]) -> List[List[Anchor]]:
    """Group test names joined only by "and", "," or "/"."""
    groups: List[List[Anchor]] = []
    current: List[Anchor] = []
    for anchor in labs:
        if current and LIST_JOIN.fullmatch(doc.norm[current[-1].end : anchor.start]):
            current.append(anchor)
            continue
        if len(current) > 1:
            groups.append(current)
        current = [anchor]
    if len(current) > 1:
        groups.append(current)
    return groups


def _listed_values(doc: Document, last: Anchor, count: int) -> List[Quantity]:
    """``count`` values listed after ``last`` ("are 1.2 and 3.5"), or none."""
    end = min(
        doc.next_anchor_start(last.end, [doc.anchors, doc.lesions, doc.dx]),
        doc.sentence_end_after(last.end),
    )
    found = doc.unclaimed(last.end, end)[:count]
    if len(found) < count or not FILLER_ONLY.match(doc.norm[last.end : found[0].start]):
        return []
    for previous, later in zip(found, found[1:], strict=False):
        if not LIST_JOIN.fullmatch(doc.norm[previous.end : later.start]):
            return []
    return found


def _adjacent_before(doc: Document, anchor: Anchor) -> Quantity | None:
    for quantity in doc.quantities:
        if (
            not quantity.claimed
            and quantity.end <= anchor.start
            and re.fullmatch(r"[ ]*(?:of[ ]+)?", doc.norm[quantity.end : anchor.start])
        ):
            return quantity
    return None


def _belongs_to_previous(doc: Document, quantity: Quantity) -> bool:
    """Tell whether ``quantity`` follows another test's name ("alb 35 g/L plt")."""
    previous = [a for a in doc.anchors if a.end <= quantity.start]
    if not previous:
        return False
    last = max(previous, key=lambda a: a.end)
    if last.label not in P.LAB_LABELS:
        return False
    between = doc.unclaimed(last.end, quantity.start)
    return not between and _compatible(last.label, quantity)


def _forward_value(doc: Document, anchor: Anchor) -> Quantity | None:
    # The dot of an abbreviation ("Plt. 150", "Bil. T 1.2") ends no sentence.
    dot = 1 if doc.norm[anchor.end : anchor.end + 1] == "." else 0
    window_end = min(
        doc.next_anchor_start(anchor.end, [doc.anchors, doc.lesions, doc.dx]),
        doc.sentence_end_after(anchor.end + dot),
        anchor.end + LAB_VALUE_WINDOW,
    )
    found, skipped = [], []
    for quantity in doc.unclaimed(anchor.end, window_end):
        if doc.is_hypothetical(quantity.start) or doc.is_negated(quantity.start):
            # "should be at least 50k, mine are 40k", "not 2.1 but 1.2":
            # skipped, and kept from other fields.
            skipped.append(quantity)
        else:
            found.append(quantity)
    for quantity in skipped:
        quantity.claimed = True
    if not found:
        return None
    if found[0].is_length and anchor.label != P.OTHER_LAB:
        return None  # "platelets fine, 3 cm lesion": a size, not a count
    between = doc.norm[anchor.end : found[0].start]
    if (
        found[0].unit is None
        and CLAUSE_BREAK.search(between)
        and not FILLER_ONLY.match(between)
    ):
        # "platelets normal, 2 of the lesions...": a bare number after a
        # comma and other words is not the test's value ("platelets are
        # fine, around 1.5 lakh" is, by its unit).
        return None
    chosen = found[0]
    for previous, later in zip(found, found[1:], strict=False):
        between = doc.norm[previous.end : later.start]
        corrected = doc.cues_in(P.CUE_CORRECTION, previous.end, later.start)
        if not (corrected or UPDATE_BETWEEN.match(between)):
            break
        if anchor.label != P.OTHER_LAB and not _compatible(anchor.label, later):
            break
        if later.unit is None and previous.unit is not None:
            # "bilirubin 2.1 mg/dl, sorry, 1.2": the correction keeps the unit.
            later.unit, later.units = previous.unit, (previous.unit,)
        chosen = later
    for quantity in found:
        if quantity.start <= chosen.start:
            quantity.claimed = True
    _unit_after_reference(doc, anchor, chosen, found)
    return chosen


def _unit_after_reference(
    doc: Document, anchor: Anchor, chosen: Quantity, found: List[Quantity]
) -> None:
    """Apply the unit of a reference range that follows a bare value.

    Reports pasted as text put the value, then the reference range, then
    the unit: "Bilirubin 1.2 0.2-1.2 mg/dL", "Bilirubin 1.2 (0.2-1.2) mg/dL".
    """
    if chosen.unit is not None or chosen is found[-1]:
        return
    following = found[found.index(chosen) + 1]
    between = doc.norm[chosen.end : following.start]
    if (
        following.shape == "range"
        and following.unit is not None
        and re.fullmatch(r"[\s(\[]*", between)
        and _compatible(anchor.label, following)
    ):
        chosen.unit, chosen.units = following.unit, (following.unit,)
        chosen.unit_span = following.unit_span
        following.claimed = True


def _header_unit(doc: Document, anchor: Anchor, quantity: Quantity) -> None:
    """Apply a unit written in brackets after the name: "TBIL(μmol/L): 34.2"."""
    if quantity.unit is not None or quantity.start <= anchor.end:
        return
    between = doc.norm[anchor.end : quantity.start]
    for bracket in re.finditer(r"[(\[]", between):
        found = U.match_unit(doc.norm, anchor.end + bracket.start())
        if found is None:
            continue
        name, unit_start, unit_end = found
        if unit_end <= quantity.start and _unit_fits(anchor.label, name):
            quantity.unit, quantity.units = name, (name,)
            quantity.unit_span = (unit_start, unit_end)
            return


def _lab_finding(doc: Document, anchor: Anchor, quantity: Quantity) -> None:
    quantity.claimed = True
    _header_unit(doc, anchor, quantity)
    name = _LAB_FIELDS.get(anchor.label)
    if name is None:
        return  # another test: its value is only kept away from ours
    if quantity.shape == "range":
        doc.add(doc.numeric_finding(name, quantity, None, reason=RANGE))
        return
    number = quantity.numbers[-1] if quantity.shape == "change" else quantity.first
    unit = quantity.unit
    options: Dict[str, Any] = {}
    reason: str | None = None
    if not _compatible(anchor.label, quantity):
        value, reason = None, WRONG_UNIT
    elif name == BILIRUBIN:
        value = U.bilirubin_to_mg_dl(number, unit)
        if unit is None:
            options = {
                U.MG_DL: U.round2(number),
                U.UMOL_L: U.bilirubin_to_mg_dl(number, U.UMOL_L),
            }
    elif name == ALBUMIN:
        value = U.albumin_to_g_dl(number, unit)
    elif name == INR:
        value = U.round2(number)
    else:
        value = U.platelets_to_per_ul(number, unit, quantity.raws[-1])
    doc.add(
        doc.numeric_finding(
            name, quantity, value, number=number, reason=reason, options=options
        )
    )


#: The field each test's name gives (other tests give none).
_LAB_FIELDS = {
    P.BILIRUBIN: BILIRUBIN,
    P.ALBUMIN: ALBUMIN,
    P.INR: INR,
    P.PLATELETS: PLATELETS,
}

#: The units each test's value may carry: the registry's (bot.fields).
_COMPATIBLE_UNITS = {
    label: frozenset(fields.field(name).units) for label, name in _LAB_FIELDS.items()
}


def _unit_fits(label: str, unit: str | None) -> bool:
    """Tell whether ``unit`` (``None``: no unit) can be a unit of the test ``label``."""
    if label == P.OTHER_LAB or unit is None:
        return True
    return unit in _COMPATIBLE_UNITS.get(label, frozenset())


def _compatible(label: str, quantity: Quantity) -> bool:
    """Tell whether ``quantity`` can be a value of the test ``label``."""
    return _unit_fits(label, quantity.unit)
