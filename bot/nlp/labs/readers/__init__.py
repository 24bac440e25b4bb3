"""The readers, one per field family, and the order they run in.

Each reader looks at the anchors of its family (``patterns.py``) and the
quantities near them, adds candidate findings to the :class:`Document`, and
*claims* the quantities it used, so that a later reader does not read them
again. The order below is therefore part of the meaning; it is stated here
and nowhere else:

1. ``child_pugh`` and ``bclc``: their letters and numbers ("B7", "stage 0")
   are not counts or lab values;
2. ``other_numbers.read_segments``: "segment 6 and 7" is no count;
3. ``bile_duct``: a length said of a structure ("4 mm from the bile duct",
   "2 cm from the portal vein") is a distance, not a lesion size;
4. ``other_numbers.read_structure_sizes``: "spleen 13 cm", "5 mm margin" are
   no lesion sizes;
5. ``lesion_count``: "two lesions", before the lab tests take bare numbers;
6. ``lab_tests``: values after (or before) the tests' names;
7. ``lesion_size``: every length still unclaimed is a lesion size;
8. ``diagnosis``: words only, no numbers.

Then :func:`resolve` keeps one finding per field.
"""

from __future__ import annotations

from typing import Callable, Dict, Tuple

from bot.nlp.labs import patterns as P
from bot.nlp.labs.document import Document
from bot.nlp.labs.findings import (
    DIAGNOSIS,
    FIELDS,
    LESION_COUNT,
    MAX_LESION,
    LabFinding,
)
from bot.nlp.labs.readers import (
    bclc,
    bile_duct,
    child_pugh,
    diagnosis,
    lab_tests,
    lesion_count,
    lesion_size,
    other_numbers,
)
from bot.nlp.labs.readers.diagnosis import DIAGNOSIS_PRIORITY

Reader = Callable[[Document], None]

#: The readers in the order they run (see the module docstring for why).
PASSES: Tuple[Reader, ...] = (
    child_pugh.read_child_pugh,
    bclc.read_bclc,
    other_numbers.read_segments,
    bile_duct.read_bile_duct,
    other_numbers.read_structure_sizes,
    lesion_count.read_lesion_counts,
    lab_tests.read_labs,
    lesion_size.read_sizes,
    diagnosis.read_diagnosis,
)


def read(doc: Document) -> Dict[str, LabFinding]:
    """Run every reader on ``doc`` in order; return one finding per field."""
    for reader in PASSES:
        reader(doc)
    return resolve(doc)


def resolve(doc: Document) -> Dict[str, LabFinding]:
    """Keep one finding per field.

    A correction cue ("sorry", "I mean") drops what came before it for the
    fields it repeats; then the largest count or size, the most specific
    diagnosis, or the last (definite) value.
    """
    corrections = [c.start for c in doc.cues.get(P.CUE_CORRECTION, [])]
    result: Dict[str, LabFinding] = {}
    for name in FIELDS:
        found = sorted(doc.candidates[name], key=lambda f: f.start)
        if not found:
            continue
        cuts = [
            c
            for c in corrections
            if any(f.start < c for f in found) and any(f.start > c for f in found)
        ]
        if cuts:
            found = [f for f in found if f.start > max(cuts)]
        definite = [f for f in found if not f.ambiguous]
        if name in (LESION_COUNT, MAX_LESION) and definite:
            result[name] = max(definite, key=lambda f: f.value)
        elif name == DIAGNOSIS and definite:
            result[name] = min(definite, key=lambda f: DIAGNOSIS_PRIORITY[f.value])
        else:
            result[name] = (definite or found)[-1]
    return result
