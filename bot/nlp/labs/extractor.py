"""Lab values and tumour details from what patients type (spec/lab_extraction.md).

How a message is read (``README.md`` in this package says more):

1. The text is normalised character for character (µ/μ -> u, × -> x,
   Arabic-Indic digits -> ASCII...), so every span found maps back to what the
   patient typed (``units.normalise_text``).
2. A blank English spaCy pipeline tokenises it and a ``Matcher`` built from
   ``patterns.py`` finds the anchors ("bilirubin", "PLT", "bile duct",
   "Child-Pugh", "HCC", "lesions"...) and the context cues (hypothetical,
   correction, negation, person) (``pipeline.py``, ``document.py``).
3. Every number is read with its unit (``quantities.py``, ``units.py``):
   "1,20,000 /cumm", "65 x10^9/L", "4.2 x 3.1 cm", "1.2 lakh".
4. One reader per field family gives numbers and words to fields, in the
   order stated in ``readers/__init__.py``.
5. Values in a hypothetical or criteria clause ("target bilirubin below 2",
   "what if bilirubin is above 2?") are dropped; values that cannot be read
   without guessing are kept as *ambiguous* findings:

   * a bilirubin without a unit, whatever its value (even 40, which looks
     like µmol/L: the bot asks, it does not guess);
   * a bound instead of a value ("platelets above 100k", "less than 3 cm");
   * a range ("1.2-1.5"), a unit of another test, a size or distance without
     cm/mm, a Child-Pugh score that does not fit its class.

Choices the spec leaves open, made here:

* several sizes -> the largest; "4.2 x 3.1 cm" -> 4.2 (a lesion's largest
  dimension is its diameter); a range of sizes "2-3 cm" -> 3; a change
  "from 4 cm to 2.5 cm" -> 2.5 (the latest);
* the same lab twice -> the later one (a correction or a newer result); a
  correction cue ("sorry", "I mean", "actually") drops what came before it
  for the fields it repeats, and a corrected value without a unit keeps the
  unit of the value it corrects;
* lesion counts said twice -> the larger ("two lesions, one in segment 6"),
  unless corrected;
* diagnosis: hcc over metastasis over other ("metastatic HCC" is hcc,
  "HCC with lung metastases" is hcc); "HCC or metastasis" is ambiguous.

The pipeline is built on first use, once per process; importing this module
imports neither spaCy nor Rasa.
"""

from __future__ import annotations

from typing import Any, Dict, List, Tuple

from bot.nlp.labs import patterns as P
from bot.nlp.labs import readers
from bot.nlp.labs.document import Document
from bot.nlp.labs.findings import (
    ALBUMIN,
    BCLC,
    BILE_DUCT,
    BILIRUBIN,
    CHILD_PUGH,
    DIAGNOSIS,
    INR,
    LESION_COUNT,
    MAX_LESION,
    PLATELETS,
    LabFinding,
)

#: The field each kind of anchor names ("PLT" names the platelet count).
_NAMED_FIELD = {
    P.BILIRUBIN: BILIRUBIN,
    P.ALBUMIN: ALBUMIN,
    P.INR: INR,
    P.PLATELETS: PLATELETS,
    P.BILE_DUCT: BILE_DUCT,
    P.CHILD_PUGH: CHILD_PUGH,
    P.CP_STANDALONE: CHILD_PUGH,
    P.BCLC: BCLC,
    P.LESION: LESION_COUNT,
    P.SIZE_CUE: MAX_LESION,
    P.DX_HCC: DIAGNOSIS,
    P.DX_MET: DIAGNOSIS,
    P.DX_OTHER: DIAGNOSIS,
}


def extract_lab_findings(text: str) -> Dict[str, LabFinding]:
    """Every field found in ``text``, with how it was written.

    Unlike :func:`extract_labs`, ambiguous values are included (with
    ``ambiguous=True`` and a ``reason``) so the conversation can ask about
    them, e.g. which unit a bilirubin of 34 is in.

    Args:
        text: what the patient typed.

    Returns:
        ``{field: LabFinding}`` for the fields found.

    Example:
        >>> extract_lab_findings("bilirubin 34")["bilirubin_mg_dl"].reason
        'no_unit'

    """
    if not text or not text.strip():
        return {}
    return readers.read(Document(text))


def extract_labs(text: str) -> Dict[str, Any]:
    """Canonical lab and tumour fields found in ``text`` (spec/lab_extraction.md).

    Only unambiguous values are returned: a bilirubin without its unit, a
    bound ("platelets above 100k") or a value in a hypothetical sentence
    ("target bilirubin below 2") is left out.

    Args:
        text: what the patient typed.

    Returns:
        Only the fields found, e.g. ``{"bilirubin_mg_dl": 1.99,
        "platelets_per_ul": 120000, "lesion_count": 2, "max_lesion_cm": 2.8}``.

    """
    return {
        name: finding.value
        for name, finding in extract_lab_findings(text).items()
        if not finding.ambiguous and finding.value is not None
    }


def field_mentions(text: str) -> List[Tuple[str, int, int]]:
    """Where ``text`` names a field, with or without a value.

    "the bilirubin is wrong" names ``bilirubin_mg_dl``; "how many tumours"
    names ``lesion_count``; "largest" names ``max_lesion_cm``. The words are
    the anchors of ``patterns.py`` (no second vocabulary).

    Args:
        text: what the patient typed.

    Returns:
        ``[(field, start, end), ...]`` in the order they appear.

    Example:
        >>> field_mentions("change the platelets")
        [('platelets_per_ul', 11, 20)]

    """
    if not text or not text.strip():
        return []
    doc = Document(text)
    named = [
        (_NAMED_FIELD[anchor.label], anchor.start, anchor.end)
        for anchor in (*doc.anchors, *doc.lesions, *doc.dx)
        if anchor.label in _NAMED_FIELD
    ]
    return sorted(named, key=lambda item: item[1])


__all__ = ["LabFinding", "extract_lab_findings", "extract_labs", "field_mentions"]
