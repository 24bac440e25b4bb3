"""Lab values and tumour details from what patients type (spec/lab_extraction.md).

How a message is read:

1. The text is normalised character for character (µ/μ -> u, × -> x,
   Arabic-Indic digits -> ASCII...), so every span found maps back to what the
   patient typed.
2. A blank English spaCy pipeline tokenises it and a ``Matcher`` built from
   ``patterns.py`` finds the anchors ("bilirubin", "PLT", "bile duct",
   "Child-Pugh", "HCC", "lesions"...) and the context cues (hypothetical,
   correction, negation, person).
3. Every number is read with its unit (``units.py``): "1,20,000 /cumm",
   "65 x10^9/L", "4.2 x 3.1 cm", "1.2 lakh".
4. Numbers are given to fields in an order that keeps each where it belongs:
   Child-Pugh and BCLC first, then segment numbers, distances to the bile duct
   and sizes of other structures, lesion counts, the lab tests, and what is
   left in cm/mm is a lesion size.
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

import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Sequence, Tuple

from bot.nlp.labs import patterns as P
from bot.nlp.labs import units as U

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

# Field names (eligibility.md).
BILIRUBIN = "bilirubin_mg_dl"
ALBUMIN = "albumin_g_dl"
INR = "inr"
PLATELETS = "platelets_per_ul"
LESION_COUNT = "lesion_count"
MAX_LESION = "max_lesion_cm"
BILE_DUCT = "bile_duct_distance_mm"
CHILD_PUGH = "child_pugh"
BCLC = "bclc_stage"
DIAGNOSIS = "diagnosis"
FIELDS = (
    BILIRUBIN,
    ALBUMIN,
    INR,
    PLATELETS,
    LESION_COUNT,
    MAX_LESION,
    BILE_DUCT,
    CHILD_PUGH,
    BCLC,
    DIAGNOSIS,
)

# Reasons a finding is ambiguous (the conversation asks back).
NO_UNIT = "no_unit"
BOUND = "bound"
RANGE = "range"
WRONG_UNIT = "unit_of_another_test"
SCORE_MISMATCH = "score_does_not_fit_class"
ALTERNATIVES = "alternatives"


@dataclass
class LabFinding:
    """One field read from a message.

    Attributes:
        field: the canonical field name, e.g. ``"bilirubin_mg_dl"``.
        value: the canonical value (mg/dL, g/dL, per µL, cm, mm, "B7", "hcc");
            ``None`` when it cannot be known without asking.
        raw_value: the number as typed (a float), or the word/letters typed
            for a count word, a class or a diagnosis.
        raw_unit: the unit exactly as typed (e.g. ``"μmol/L"``), if any.
        unit: the canonical name of that unit (e.g. ``"µmol/L"``), if any.
        start: start of the value's span in the original text.
        end: end of that span.
        text: the original text of the span.
        ambiguous: ``True`` when the bot must ask before using the value.
        reason: why it is ambiguous (``"no_unit"``, ``"bound"``, ...).
        options: for a bilirubin without a unit, the value in mg/dL under
            each reading, e.g. ``{"mg/dL": 34.0, "µmol/L": 1.99}``.

    """

    field: str
    value: Any
    raw_value: Any
    raw_unit: str | None
    unit: str | None
    start: int
    end: int
    text: str
    ambiguous: bool = False
    reason: str | None = None
    options: Dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> Dict[str, Any]:
        """Return the finding as a plain, JSON-serialisable dict."""
        return asdict(self)


# --------------------------------------------------------------------------
# The pipeline, built once per process
# --------------------------------------------------------------------------

_PIPELINE: Tuple[Language, Matcher] | None = None
_PIPELINE_LOCK = threading.Lock()
_VOCAB_LIMIT = 200_000

# Extra tokenizer infixes: split "bilirubin:1.2", "2.3mg", "bili-2.3",
# "INR1.3", "HCC(BCLC" so that anchor words are tokens of their own ("A6" and
# "S7" stay whole).
_EXTRA_INFIXES = (
    r"[:=;()\[\]]",
    r"(?<=[0-9])(?=[a-zA-Z%])",
    r"(?<=[a-zA-Z])-(?=[0-9])",
    r"(?<=[a-zA-Z]{3})(?=[0-9])",
)


@contextmanager
def _without_tensorflow() -> Iterator[None]:
    """Import spaCy without letting thinc import TensorFlow.

    thinc (spaCy's ML library) imports TensorFlow when it is installed, which
    Rasa's requirements make it: ~5 s and hundreds of MB for a tokenizer and a
    Matcher that never use it. In the Rasa server TensorFlow is already
    loaded and this does nothing; in the action server and in scripts it
    keeps the first call fast. ``sys.modules`` is restored right after.
    """
    if "thinc" in sys.modules or "tensorflow" in sys.modules:
        yield
        return
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        yield
    finally:
        if "tensorflow" in sys.modules and sys.modules["tensorflow"] is None:
            del sys.modules["tensorflow"]


def _pipeline() -> Tuple[Language, Matcher]:
    """Return the blank English pipeline and its Matcher, built on first use.

    spaCy keeps every distinct word it has seen in its vocabulary; patients
    type endless distinct numbers, so past ``_VOCAB_LIMIT`` entries the
    pipeline is rebuilt (under a second) rather than grow for ever in a
    long-running server.
    """
    global _PIPELINE
    if _PIPELINE is None or len(_PIPELINE[0].vocab) > _VOCAB_LIMIT:
        with _PIPELINE_LOCK:
            if _PIPELINE is None or len(_PIPELINE[0].vocab) > _VOCAB_LIMIT:
                with _without_tensorflow():
                    import spacy
                    from spacy.matcher import Matcher
                    from spacy.util import compile_infix_regex

                nlp = spacy.blank("en")
                infixes = list(nlp.Defaults.infixes or []) + list(_EXTRA_INFIXES)
                nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
                matcher = Matcher(nlp.vocab, validate=True)
                for label, token_patterns in P.all_patterns().items():
                    matcher.add(label, token_patterns)
                _PIPELINE = (nlp, matcher)
    return _PIPELINE


# --------------------------------------------------------------------------
# Numbers with their units
# --------------------------------------------------------------------------


@dataclass
class _Quantity:
    """A number (or several: "4.2 x 3.1", "2-3") with the unit after it."""

    start: int
    end: int
    numbers: Tuple[float, ...]
    raws: Tuple[str, ...]
    units: Tuple[str | None, ...]  # per number (dimensions may each have one)
    shape: str  # "single" | "dims" | "range" | "change"
    unit: str | None
    unit_span: Tuple[int, int] | None  # where the unit is written
    claimed: bool = False

    @property
    def first(self) -> float:
        return self.numbers[0]

    @property
    def is_length(self) -> bool:
        return any(u in U.LENGTH_UNITS for u in self.units)

    @property
    def is_integer(self) -> bool:
        return (
            self.shape == "single"
            and self.unit is None
            and self.first == int(self.first)
        )


_NUM_CORE = re.compile(U.NUMBER_CORE)
_DIM_SEP = re.compile(r"\s*(?:x|\*|by)\s*(?=[-.\d])", re.IGNORECASE)
_RANGE_SEP = re.compile(r"\s*(?:-|to)\s*(?=[.\d])", re.IGNORECASE)
_LENGTH_UNIT = re.compile(
    r"[ ]*(cm|cms|centimet(?:er|re)s?|mm|mms|millimet(?:er|re)s?)\b", re.IGNORECASE
)
_MONTHS = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_RE = re.compile(
    r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{2,4}\b"
    r"|\b\d{1,2}:\d{2}(?::\d{2})?\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}(?:\s*,?\s*\d{{4}})?"
    rf"|\b{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:\s*,?\s*\d{{4}})?"
    rf"|\b{_MONTHS}\s+\d{{4}}\b"
    r"|\b(?:in|since|year|dated|from)\s+(?:19|20)\d{2}\b",
    re.IGNORECASE,
)


def _length_unit(text: str, pos: int) -> Tuple[str, int, int] | None:
    found = _LENGTH_UNIT.match(text, pos)
    if not found:
        return None
    unit = U.MM if found.group(1).lower().startswith("m") else U.CM
    return unit, found.start(1), found.end()


def _read_quantity(text: str, match: re.Match[str]) -> _Quantity:
    """Read the quantity starting at the number ``match``: dims, range, unit."""
    raw = match.group()
    value = U.parse_number(raw)
    assert value is not None
    start, pos = match.start(), match.end()

    # "4.2 x 3.1 cm", "42 x 31 x 30 mm", "4.2cm x 3.1cm": a length is required.
    nums, raws, units = [value], [raw], []
    unit_after = _length_unit(text, pos)
    units.append(unit_after[0] if unit_after else None)
    cursor = unit_after[2] if unit_after else pos
    span = unit_after[1:] if unit_after else None
    while len(nums) < 3:
        sep = _DIM_SEP.match(text, cursor)
        nxt = _NUM_CORE.match(text, sep.end()) if sep else None
        if not nxt or text[nxt.end() : nxt.end() + 1].isdigit():
            break
        if re.match(r"10\s*(?:\^|\*|e|⁹|³|⁴|\s+[934]\s*/)", text[nxt.start() :], re.I):
            break  # "x 10^9/L" is a unit, not a dimension
        nums.append(U.parse_number(nxt.group()) or 0.0)
        raws.append(nxt.group())
        unit_after = _length_unit(text, nxt.end())
        units.append(unit_after[0] if unit_after else None)
        cursor = unit_after[2] if unit_after else nxt.end()
        span = unit_after[1:] if unit_after else span
    if len(nums) > 1 and units[-1] is not None:
        last = units[-1]
        filled = tuple(u or last for u in units)
        return _Quantity(
            start, cursor, tuple(nums), tuple(raws), filled, "dims", last, span
        )

    unit = U.match_unit(text, pos)
    if unit:
        name, unit_start, unit_end = unit
        return _Quantity(
            start,
            unit_end,
            (value,),
            (raw,),
            (name,),
            "single",
            name,
            (unit_start, unit_end),
        )

    # "1.2-1.5", "2 to 3 cm"; "from 2.1 to 1.5" is a change, not a range.
    sep = _RANGE_SEP.match(text, pos)
    nxt = _NUM_CORE.match(text, sep.end()) if sep else None
    if sep and nxt and not text[nxt.end() : nxt.end() + 1].isdigit():
        second = U.parse_number(nxt.group())
        if second is not None:
            closing = re.match(r"[ ]*[)\]]", text[nxt.end() :])
            unit = U.match_unit(text, nxt.end()) or (
                U.match_unit(text, nxt.end() + closing.end()) if closing else None
            )
            name = unit[0] if unit else None
            end = unit[2] if unit else nxt.end()
            shape = (
                "change"
                if re.search(r"\bfrom\s*$", text[max(0, start - 8) : start], re.I)
                else "range"
            )
            return _Quantity(
                start,
                end,
                (value, second),
                (raw, nxt.group()),
                (name, name),
                shape,
                name,
                (unit[1], unit[2]) if unit else None,
            )
    return _Quantity(start, pos, (value,), (raw,), (None,), "single", None, None)


def scan_quantities(text: str) -> List[_Quantity]:
    """Every number in normalised ``text`` with its unit, dates and times left out."""
    skipped = [m.span() for m in _DATE_RE.finditer(text)]
    found: List[_Quantity] = []
    pos = 0
    for match in U.NUMBER_RE.finditer(text):
        if match.start() < pos or any(a <= match.start() < b for a, b in skipped):
            continue
        quantity = _read_quantity(text, match)
        found.append(quantity)
        pos = quantity.end
    return found


# --------------------------------------------------------------------------
# Reading one message
# --------------------------------------------------------------------------


@dataclass
class _Anchor:
    label: str
    start: int  # characters
    end: int
    tok_start: int
    tok_end: int


_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)|\n")
_CLAUSE_END = re.compile(
    r"[.!?;](?=\s|$)|\n|,(?=\s)|\s-\s|[()\[\]]"
    r"|\s(?:but|so|because|although|though|however|whereas|while)\s",
    re.IGNORECASE,
)
_BOUND_BEFORE = re.compile(
    r"(?:\b(?:below|under|above|over|beyond|exceed(?:ing|s)?|within|atleast"
    r"|(?:less|more|greater|higher|lower|bigger|larger|smaller|fewer)\s+than"
    r"|at\s+(?:least|most)|up\s*to)|[<>]=?|=[<>])\s*(?:of\s+)?(?:about\s+)?$",
    re.IGNORECASE,
)
_NEGATED_BEFORE = re.compile(r"\b(?:not|isn't|wasn't|n't|no)\s*$", re.IGNORECASE)
_UPDATE_BETWEEN = re.compile(
    r"^\W*(?:and\s+)?(?:to|->|now|currently|today|latest|recently)\b|^\s*(?:->|→)",
    re.IGNORECASE,
)
_FILLER = (
    r"(?:is|was|are|were|of|about|approx\.?|approximately|around|roughly|only"
    r"|just|nearly|almost|at|the|a|an|measures?|measuring|measured|size|sized"
    r"|span|diameter|thickness|width|enlarged|dilated|value|level|levels|count"
    r"|result|results|reading|report|reports|shows?|showed|says?|said|came"
    r"|comes|back|as|be|been|currently|now|today|latest|recent|last|this|that"
    r"|it|its|it's|lab|labs|test|tests|total|serum|and)"
)
_CLAUSE_BREAK = re.compile(r"[,;.]\s")
_FILLER_ONLY = re.compile(rf"^(?:[\s:=\-~(),.'\"]|{_FILLER}\b)*$", re.IGNORECASE)


class _Reader:
    """State while reading one message; see the module docstring for the order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.norm = U.normalise_text(text)
        nlp, matcher = _pipeline()
        self.doc: Doc = nlp(self.norm)
        for token in self.doc:
            name = P.word_class(token.text)
            if name is not None:
                token.norm_ = name
        self.anchors, self.lesions, self.dx, self.cues = self._match(matcher)
        self.quantities = [
            q for q in scan_quantities(self.norm) if not self._inside_anchor(q.start)
        ]
        self.sentence_ends = [m.start() for m in _SENTENCE_END.finditer(self.norm)]
        self.clauses = self._clauses()
        self.consumed: List[Tuple[int, int]] = []
        self.candidates: Dict[str, List[LabFinding]] = {name: [] for name in FIELDS}

    # ---- setup ---------------------------------------------------------

    def _match(
        self, matcher: Matcher
    ) -> Tuple[List[_Anchor], List[_Anchor], List[_Anchor], Dict[str, List[_Anchor]]]:
        by_group: Dict[str, List[_Anchor]] = {}
        vocab = self.doc.vocab
        for match_id, tok_start, tok_end in matcher(self.doc):
            label = vocab.strings[match_id]
            span = self.doc[tok_start:tok_end]
            anchor = _Anchor(label, span.start_char, span.end_char, tok_start, tok_end)
            if label in P.ANCHOR_LABELS:
                group = "anchor"
            elif label in P.LESION_LABELS:
                group = "lesion"
            elif label in P.DX_LABELS:
                group = "dx"
            else:
                group = label
            by_group.setdefault(group, []).append(anchor)
        chosen = {group: _longest_first(found) for group, found in by_group.items()}
        cues = {
            label: found
            for label, found in chosen.items()
            if label not in ("anchor", "lesion", "dx")
        }
        return (
            chosen.get("anchor", []),
            chosen.get("lesion", []),
            chosen.get("dx", []),
            cues,
        )

    def _inside_anchor(self, pos: int) -> bool:
        # "CA 19-9", "HbA1c", "S7": numbers that are part of a name.
        return any(a.start <= pos < a.end for a in self.anchors)

    def _clauses(self) -> List[Tuple[int, int, str]]:
        clauses, start = [], 0
        for match in _CLAUSE_END.finditer(self.norm):
            clauses.append((start, match.start(), match.group()))
            start = match.end()
        clauses.append((start, len(self.norm), ""))
        return clauses

    # ---- context -------------------------------------------------------

    def clause_at(self, pos: int) -> Tuple[int, int, str]:
        for clause in self.clauses:
            if clause[0] <= pos < max(clause[1], clause[0] + 1):
                return clause
        return self.clauses[-1]

    def _cues_in(self, label: str, start: int, end: int) -> List[_Anchor]:
        return [c for c in self.cues.get(label, []) if start <= c.start < end]

    def is_hypothetical(self, pos: int) -> bool:
        """Tell whether ``pos`` is in a criterion or a supposition, not a measurement.

        A conditional, modal or criteria word before the value in its clause
        ("target bilirubin below 2", "bilirubin should be under 2"); or a
        question that is not about the patient ("what if bilirubin is above
        2?", "is 3 cm too big?"), while "is my 3 cm tumour too big?" is one.
        """
        start, end, terminator = self.clause_at(pos)
        if self._cues_in(P.CUE_HYPOTHETICAL, start, pos):
            return True
        if "?" in terminator:
            if self._cues_in(P.CUE_HYPOTHETICAL, start, end):
                return True
            return not self._cues_in(P.CUE_PERSON, start, end)
        return False

    def is_bound(self, pos: int) -> bool:
        return bool(_BOUND_BEFORE.search(self.norm[max(0, pos - 25) : pos]))

    def is_negated(self, pos: int) -> bool:
        return bool(_NEGATED_BEFORE.search(self.norm[max(0, pos - 12) : pos]))

    def sentence_end_after(self, pos: int) -> int:
        for end in self.sentence_ends:
            if end >= pos:
                return end
        return len(self.norm)

    def next_anchor_start(self, pos: int, groups: Sequence[List[_Anchor]]) -> int:
        starts = [a.start for group in groups for a in group if a.start >= pos]
        return min(starts, default=len(self.norm))

    def unclaimed(self, start: int, end: int) -> List[_Quantity]:
        return [q for q in self.quantities if not q.claimed and start <= q.start < end]

    def claim_span(self, start: int, end: int) -> None:
        self.consumed.append((start, end))
        for quantity in self.quantities:
            if start <= quantity.start < end:
                quantity.claimed = True

    def in_consumed(self, pos: int) -> bool:
        return any(a <= pos < b for a, b in self.consumed)

    # ---- findings ------------------------------------------------------

    def add(self, finding: LabFinding, pos: int | None = None) -> None:
        """Keep ``finding`` unless its clause is hypothetical."""
        if self.is_hypothetical(finding.start if pos is None else pos):
            return
        self.candidates[finding.field].append(finding)

    def numeric_finding(
        self,
        name: str,
        quantity: _Quantity,
        value: Any,
        *,
        number: float | None = None,
        unit: str | None = None,
        reason: str | None = None,
        options: Dict[str, Any] | None = None,
    ) -> LabFinding:
        """Build the finding for ``quantity``; a bound or no value is ambiguous."""
        if reason is None and self.is_bound(quantity.start):
            reason = BOUND
        if reason is None and value is None:
            reason = NO_UNIT
        return LabFinding(
            field=name,
            value=value,
            raw_value=quantity.first if number is None else number,
            raw_unit=(
                self.text[slice(*quantity.unit_span)].rstrip(" )]）")
                if quantity.unit_span
                else None
            ),
            unit=unit if unit is not None else quantity.unit,
            start=quantity.start,
            end=quantity.end,
            text=self.text[quantity.start : quantity.end],
            ambiguous=reason is not None,
            reason=reason,
            options=options or {},
        )

    def word_finding(
        self, name: str, value: Any, start: int, end: int, raw: Any = None
    ) -> LabFinding:
        return LabFinding(
            field=name,
            value=value,
            raw_value=self.text[start:end] if raw is None else raw,
            raw_unit=None,
            unit=None,
            start=start,
            end=end,
            text=self.text[start:end],
        )

    # ---- 1. Child-Pugh and BCLC ---------------------------------------

    def read_child_pugh(self) -> None:
        for anchor in self.anchors:
            if anchor.label == P.CP_STANDALONE and not self.in_consumed(anchor.start):
                letter = self.norm[anchor.start]
                score = int(self.norm[anchor.start + 1 : anchor.end])
                self.claim_span(anchor.start, anchor.end)
                self.add(
                    self.word_finding(
                        CHILD_PUGH, f"{letter}{score}", anchor.start, anchor.end
                    )
                )
            if anchor.label not in (P.CHILD_PUGH, P.CHILD_BARE):
                continue
            after = self.norm[anchor.end : anchor.end + 50]
            strict = anchor.label == P.CHILD_BARE
            parsed = _parse_child_pugh(after, strict=strict)
            if parsed is None:
                continue
            letter, score, length, reason = parsed
            end = anchor.end + length
            self.claim_span(anchor.start, end)
            if letter is None and score is not None:
                letter = _class_of_score(score)
            value = f"{letter}{score if score is not None else ''}" if letter else None
            finding = self.word_finding(CHILD_PUGH, value, anchor.start, end)
            if reason:
                finding.value = None
                finding.ambiguous, finding.reason = True, reason
            self.add(finding)

    def read_bclc(self) -> None:
        for anchor in self.anchors:
            if anchor.label not in (P.BCLC, P.STAGE) or self.in_consumed(anchor.start):
                continue
            after = self.norm[anchor.end : anchor.end + 40]
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
                if not found or self._other_cancer_stage(anchor, after[found.end() :]):
                    continue
                stage, length = _stage_group(found).upper(), found.end()
            end = anchor.end + length
            self.claim_span(anchor.start, end)
            self.add(self.word_finding(BCLC, stage, anchor.start, end))

    def _other_cancer_stage(self, anchor: _Anchor, rest: str) -> bool:
        """Reject another staging: "stage C colon cancer", "Dukes stage B"."""
        before = self.norm[max(0, anchor.start - 20) : anchor.start]
        if re.search(
            r"\b(?:dukes|tnm|figo|ann\s+arbor|child|pugh|cp|ctp)\W*$", before, re.I
        ):
            return True
        organs = "|".join(P.PRIMARY_ORGANS)
        return bool(re.match(rf"^\W*(?:\w+\W+)?(?:{organs})\b", rest, re.I))

    # ---- 2. numbers that belong to something else ----------------------

    def read_segments(self) -> None:
        """Numbers of liver segments ("segment 6 and 7") and stages ("stage 4")."""
        for anchor in self.anchors:
            if anchor.label not in (P.SEGMENT, P.STAGE):
                continue
            found = _SEGMENT_NUMBERS.match(self.norm, anchor.end)
            if found:
                self.claim_span(anchor.end, found.end())

    def read_distances_and_structures(self) -> None:
        ducts = [a for a in self.anchors if a.label == P.BILE_DUCT]
        used_ducts: set = set()
        # "4 mm away from the bile duct", "2 cm from the portal vein".
        for quantity in self.quantities:
            if quantity.claimed or not quantity.is_length:
                continue
            after = self.norm[quantity.end : quantity.end + 60]
            rel = _DISTANCE_AFTER.match(after)
            if not rel:
                continue
            target = next(
                (
                    a
                    for a in self.anchors
                    if quantity.end <= a.start <= quantity.end + rel.end() + 25
                ),
                None,
            )
            if target is None:
                # "the bile duct is 3 mm away": the structure was named before.
                clause_start = self.clause_at(quantity.start)[0]
                target = next(
                    (
                        a
                        for a in reversed(self.anchors)
                        if clause_start <= a.start and a.end <= quantity.start
                    ),
                    None,
                )
            if rel.group("of") and not (target and target.label == P.BILE_DUCT):
                continue  # "3 cm of the liver" is no distance
            quantity.claimed = True
            if target is not None and target.label == P.BILE_DUCT:
                used_ducts.add(target.start)
                self._duct_finding(quantity)
        # "distance to the bile duct: 6 mm", "bile duct 4 mm away", "CBD 8 mm".
        for duct in ducts:
            if duct.start in used_ducts:
                continue
            end = min(
                self.next_anchor_start(duct.end, [self.anchors, self.lesions]),
                self.sentence_end_after(duct.end),
                duct.end + 40,
            )
            for quantity in self.unclaimed(duct.end, end):
                between = self.norm[duct.end : quantity.start]
                if not _FILLER_ONLY.match(
                    re.sub(
                        r"\b(?:distance|away|from|to|close|near|is|at)\b", " ", between
                    )
                ):
                    break
                quantity.claimed = True
                sentence = (
                    self.clause_at(duct.start)[0],
                    self.sentence_end_after(quantity.end),
                )
                if self._cues_in(P.CUE_DISTANCE, *sentence):
                    self._duct_finding(quantity)
                break
        # Sizes of the spleen, a vessel, a margin, a needle...
        for anchor in self.anchors:
            if anchor.label != P.STRUCTURE:
                continue
            end = min(
                self.next_anchor_start(anchor.end, [self.anchors, self.lesions]),
                anchor.end + 30,
            )
            for quantity in self.unclaimed(anchor.end, end):
                if quantity.is_length and _FILLER_ONLY.match(
                    self.norm[anchor.end : quantity.start]
                ):
                    quantity.claimed = True
                break
            word = self.norm[anchor.start : anchor.end].lower()
            if word.split()[0] in _MEASURED_BEFORE:
                for quantity in self.quantities:
                    gap = self.norm[quantity.end : anchor.start]
                    if (
                        not quantity.claimed
                        and quantity.is_length
                        and quantity.end <= anchor.start
                        and re.fullmatch(r"\s*(?:[a-z\-]+\s+)?", gap, re.I)
                    ):
                        quantity.claimed = True

    def _duct_finding(self, quantity: _Quantity) -> None:
        unit = next((u for u in quantity.units if u in U.LENGTH_UNITS), None)
        number = quantity.numbers[-1] if quantity.shape == "change" else quantity.first
        value = U.length_to_mm(number, unit)
        reason = RANGE if quantity.shape == "range" else None
        self.add(
            self.numeric_finding(
                BILE_DUCT, quantity, value, number=number, reason=reason
            )
        )

    # ---- 3. lesion counts ---------------------------------------------

    def read_lesion_counts(self) -> None:
        lab_spans = [(a.start, a.end) for a in self.anchors if a.label in P.LAB_LABELS]
        for noun in self.lesions:
            if noun.label != P.LESION:
                continue
            if self._count_before(noun, lab_spans):
                continue
            self._count_after(noun)

    def _count_before(self, noun: _Anchor, lab_spans: List[Tuple[int, int]]) -> bool:
        """Read a count before the noun: "two small liver lesions", "3 tumours"."""
        doc, index, skipped = self.doc, noun.tok_start - 1, 0
        while index >= 0 and skipped <= 3:
            token = doc[index]
            pos = token.idx
            quantity = next(
                (q for q in self.quantities if q.start <= pos < q.end), None
            )
            if quantity is not None and quantity.is_length:
                index = (
                    doc.char_span(
                        quantity.start, quantity.start + 1, alignment_mode="expand"
                    ).start
                    - 1
                )
                skipped += 1
                continue
            lowered = token.lower_
            if lowered in U.UNCOUNTED_WORDS or any(
                c.start <= pos < c.end for c in self.cues.get(P.CUE_UNCOUNTED, [])
            ):
                return True  # "multiple lesions": no count
            count: int | None = None
            if (
                quantity is not None
                and quantity.is_integer
                and quantity.end <= noun.start
            ):
                if quantity.claimed:
                    return False
                count = int(quantity.first)
                start, end = quantity.start, quantity.end
            elif lowered in U.COUNT_WORDS:
                count = U.COUNT_WORDS[lowered]
                start, end = token.idx, token.idx + len(token)
            elif (
                quantity is not None
                and quantity.shape == "range"
                and quantity.unit is None
            ):
                quantity.claimed = True
                self.add(
                    self.numeric_finding(LESION_COUNT, quantity, None, reason=RANGE)
                )
                return True
            if count is not None:
                if quantity is not None:
                    quantity.claimed = True
                    finding = self.numeric_finding(LESION_COUNT, quantity, count)
                else:
                    finding = self.word_finding(LESION_COUNT, count, start, end)
                    if self.is_bound(start):
                        finding.ambiguous, finding.reason = True, BOUND
                self.add(finding)
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

    def _count_after(self, noun: _Anchor) -> None:
        """Read a count after the noun: "tumors: 2", "Number of lesions: 3"."""
        found = _COUNT_AFTER.match(self.norm, noun.end)
        if not found:
            return
        word = self.norm[noun.start : noun.end].lower()
        before = self.norm[max(0, noun.start - 14) : noun.start]
        plural = word.endswith("s") and word not in ("mass", "focus")
        introduced = bool(found.group("sep") or found.group("kw")) or bool(
            re.search(r"\b(?:number|no|nos|count)\.?\s*(?:of\s+)?$", before, re.I)
        )
        if not (plural or introduced):
            return
        value_start = found.start("n")
        quantity = next((q for q in self.quantities if q.start == value_start), None)
        if quantity is not None:
            if quantity.claimed or not quantity.is_integer:
                return
            quantity.claimed = True
            self.add(self.numeric_finding(LESION_COUNT, quantity, int(quantity.first)))
            return
        count = U.parse_count_word(found.group("n"))
        if count is not None:
            self.add(
                self.word_finding(LESION_COUNT, count, value_start, found.end("n"))
            )

    # ---- 4. lab tests --------------------------------------------------

    def read_labs(self) -> None:
        labs = [a for a in self.anchors if a.label in P.LAB_LABELS]
        done: set = set()
        # Value before the name with an explicit unit: "1.2 lakh platelets".
        for anchor in labs:
            quantity = self._adjacent_before(anchor)
            if (
                quantity is not None
                and quantity.unit is not None
                and _compatible(anchor.label, quantity)
                and not self._belongs_to_previous(quantity)
            ):
                self._lab_finding(anchor, quantity)
                done.add(anchor.start)
        # "bilirubin and albumin are 1.2 and 3.5": names listed, then values.
        for group in self._listed(labs):
            values = self._listed_values(group[-1], len(group))
            for anchor, quantity in zip(group, values, strict=False):
                self._lab_finding(anchor, quantity)
                done.add(anchor.start)
        # Value after the name: "bilirubin 34 umol/L", "sorry, platelets are 80k".
        for anchor in labs:
            if anchor.start in done:
                continue
            quantity = self._forward_value(anchor)
            if quantity is not None:
                self._lab_finding(anchor, quantity)
                done.add(anchor.start)
        # Value before the name without a unit: "120000 platelets".
        for anchor in labs:
            if anchor.start in done:
                continue
            quantity = self._adjacent_before(anchor)
            if quantity is not None and _compatible(anchor.label, quantity):
                self._lab_finding(anchor, quantity)

    def _listed(self, labs: List[_Anchor]) -> List[List[_Anchor]]:
        """Group test names joined only by "and", "," or "/"."""
        groups: List[List[_Anchor]] = []
        current: List[_Anchor] = []
        for anchor in labs:
            if current and _LIST_JOIN.fullmatch(
                self.norm[current[-1].end : anchor.start]
            ):
                current.append(anchor)
                continue
            if len(current) > 1:
                groups.append(current)
            current = [anchor]
        if len(current) > 1:
            groups.append(current)
        return groups

    def _listed_values(self, last: _Anchor, count: int) -> List[_Quantity]:
        """``count`` values listed after ``last`` ("are 1.2 and 3.5"), or none."""
        end = min(
            self.next_anchor_start(last.end, [self.anchors, self.lesions, self.dx]),
            self.sentence_end_after(last.end),
        )
        found = self.unclaimed(last.end, end)[:count]
        if len(found) < count or not _FILLER_ONLY.match(
            self.norm[last.end : found[0].start]
        ):
            return []
        for previous, later in zip(found, found[1:], strict=False):
            if not _LIST_JOIN.fullmatch(self.norm[previous.end : later.start]):
                return []
        return found

    def _adjacent_before(self, anchor: _Anchor) -> _Quantity | None:
        for quantity in self.quantities:
            if (
                not quantity.claimed
                and quantity.end <= anchor.start
                and re.fullmatch(
                    r"[ ]*(?:of[ ]+)?", self.norm[quantity.end : anchor.start]
                )
            ):
                return quantity
        return None

    def _belongs_to_previous(self, quantity: _Quantity) -> bool:
        """Tell whether ``quantity`` follows another test's name ("alb 35 g/L plt")."""
        previous = [a for a in self.anchors if a.end <= quantity.start]
        if not previous:
            return False
        last = max(previous, key=lambda a: a.end)
        if last.label not in P.LAB_LABELS:
            return False
        between = self.unclaimed(last.end, quantity.start)
        return not between and _compatible(last.label, quantity)

    def _forward_value(self, anchor: _Anchor) -> _Quantity | None:
        # The dot of an abbreviation ("Plt. 150", "Bil. T 1.2") ends no sentence.
        dot = 1 if self.norm[anchor.end : anchor.end + 1] == "." else 0
        window_end = min(
            self.next_anchor_start(anchor.end, [self.anchors, self.lesions, self.dx]),
            self.sentence_end_after(anchor.end + dot),
            anchor.end + 60,
        )
        found, skipped = [], []
        for quantity in self.unclaimed(anchor.end, window_end):
            if self.is_hypothetical(quantity.start) or self.is_negated(quantity.start):
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
        between = self.norm[anchor.end : found[0].start]
        if (
            found[0].unit is None
            and _CLAUSE_BREAK.search(between)
            and not _FILLER_ONLY.match(between)
        ):
            # "platelets normal, 2 of the lesions...": a bare number after a
            # comma and other words is not the test's value ("platelets are
            # fine, around 1.5 lakh" is, by its unit).
            return None
        chosen = found[0]
        for previous, later in zip(found, found[1:], strict=False):
            between = self.norm[previous.end : later.start]
            corrected = self._cues_in(P.CUE_CORRECTION, previous.end, later.start)
            if not (corrected or _UPDATE_BETWEEN.match(between)):
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
        self._unit_after_reference(anchor, chosen, found)
        return chosen

    def _unit_after_reference(
        self, anchor: _Anchor, chosen: _Quantity, found: List[_Quantity]
    ) -> None:
        """Apply the unit of a reference range that follows a bare value.

        Reports pasted as text put the value, then the reference range, then
        the unit: "Bilirubin 1.2 0.2-1.2 mg/dL", "Bilirubin 1.2 (0.2-1.2) mg/dL".
        """
        if chosen.unit is not None or chosen is found[-1]:
            return
        following = found[found.index(chosen) + 1]
        between = self.norm[chosen.end : following.start]
        if (
            following.shape == "range"
            and following.unit is not None
            and re.fullmatch(r"[\s(\[]*", between)
            and _compatible(anchor.label, following)
        ):
            chosen.unit, chosen.units = following.unit, (following.unit,)
            chosen.unit_span = following.unit_span
            following.claimed = True

    def _header_unit(self, anchor: _Anchor, quantity: _Quantity) -> None:
        """Apply a unit written in brackets after the name: "TBIL(μmol/L): 34.2"."""
        if quantity.unit is not None or quantity.start <= anchor.end:
            return
        between = self.norm[anchor.end : quantity.start]
        for bracket in re.finditer(r"[(\[]", between):
            found = U.match_unit(self.norm, anchor.end + bracket.start())
            if found is None:
                continue
            name, unit_start, unit_end = found
            if unit_end <= quantity.start and _unit_fits(anchor.label, name):
                quantity.unit, quantity.units = name, (name,)
                quantity.unit_span = (unit_start, unit_end)
                return

    def _lab_finding(self, anchor: _Anchor, quantity: _Quantity) -> None:
        quantity.claimed = True
        self._header_unit(anchor, quantity)
        name = _LAB_FIELDS.get(anchor.label)
        if name is None:
            return  # another test: its value is only kept away from ours
        if quantity.shape == "range":
            self.add(self.numeric_finding(name, quantity, None, reason=RANGE))
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
        self.add(
            self.numeric_finding(
                name, quantity, value, number=number, reason=reason, options=options
            )
        )

    # ---- 5. lesion size -----------------------------------------------

    def read_sizes(self) -> None:
        lengths = [q for q in self.quantities if q.is_length and not q.claimed]
        for earlier, later in zip(lengths, lengths[1:], strict=False):
            # "shrank from 4 cm to 2.5 cm": the size now is the later one.
            before = self.norm[max(0, earlier.start - 6) : earlier.start]
            between = self.norm[earlier.end : later.start]
            if re.search(r"\bfrom\s*$", before, re.I) and re.fullmatch(
                r"\s*(?:to|->|→)\s*", between, re.I
            ):
                earlier.claimed = True
        for cue in self.lesions:
            if cue.label != P.SIZE_CUE:
                continue
            end = min(
                self.next_anchor_start(cue.end, [self.anchors, self.lesions]),
                cue.end + 25,
            )
            for quantity in self.unclaimed(cue.end, end):
                if quantity.unit is None and _FILLER_ONLY.match(
                    self.norm[cue.end : quantity.start]
                ):
                    quantity.claimed = True
                    self.add(
                        self.numeric_finding(MAX_LESION, quantity, None, reason=NO_UNIT)
                    )
                break
        for index, quantity in enumerate(self.quantities):
            if quantity.claimed or not quantity.is_length:
                continue
            # "2.5, 1.8 and 1.2 cm", "tumours of 2 and 3 cm": one unit for all.
            later = quantity
            for earlier in reversed(self.quantities[:index]):
                if (
                    earlier.claimed
                    or earlier.unit is not None
                    or earlier.shape != "single"
                    or not _LIST_JOIN.fullmatch(self.norm[earlier.end : later.start])
                ):
                    break
                earlier.claimed = True
                value = U.length_to_cm(earlier.first, quantity.units[0])
                self.add(
                    self.numeric_finding(
                        MAX_LESION, earlier, value, unit=quantity.units[0]
                    )
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
            self.add(self.numeric_finding(MAX_LESION, quantity, value, number=number))

    # ---- 6. diagnosis --------------------------------------------------

    def read_diagnosis(self) -> None:
        found: List[Tuple[str, _Anchor]] = []
        for anchor in self.dx:
            category = _DX_CATEGORY[anchor.label]
            if self._dx_negated(anchor):
                continue
            if (
                anchor.label == P.DX_MET
                and self.norm[anchor.start : anchor.end].lower() == "metastatic"
            ):
                following = [
                    d
                    for d in self.dx
                    if d.start > anchor.end and d.start - anchor.end <= 2
                ]
                if any(d.label != P.DX_MET for d in following):
                    continue  # "metastatic HCC" is HCC
            found.append((category, anchor))
        for category, anchor in found:
            finding = self.word_finding(DIAGNOSIS, category, anchor.start, anchor.end)
            clause = self.clause_at(anchor.start)
            others = [
                a
                for c, a in found
                if c != category and clause[0] <= a.start < clause[1]
            ]
            for other in others:
                low, high = sorted((anchor, other), key=lambda a: a.start)
                if re.search(
                    r"\b(?:or|vs\.?|versus)\b|/", self.norm[low.end : high.start], re.I
                ):
                    finding.value = None
                    finding.ambiguous, finding.reason = True, ALTERNATIVES
            self.add(finding)

    def _dx_negated(self, anchor: _Anchor) -> bool:
        doc = self.doc
        before = doc[max(0, anchor.tok_start - 3) : anchor.tok_start]
        after = doc[anchor.tok_end : anchor.tok_end + 3]
        negations = self.cues.get(P.CUE_NEGATION, [])
        lower = max(before.start_char, self.clause_at(anchor.start)[0])
        if any(lower <= n.start < anchor.start for n in negations):
            return True
        if self.norm[max(0, anchor.start - 1) : anchor.start] == "?":
            return True  # "?HCC": a radiologist's query, not a diagnosis
        return bool(
            re.match(
                r"\W*(?:was\s+|is\s+|has\s+been\s+)?(?:ruled\s+out|excluded|negative)",
                after.text,
                re.I,
            )
        )

    # ---- resolution ----------------------------------------------------

    def resolve(self) -> Dict[str, LabFinding]:
        corrections = [c.start for c in self.cues.get(P.CUE_CORRECTION, [])]
        result: Dict[str, LabFinding] = {}
        for name in FIELDS:
            found = sorted(self.candidates[name], key=lambda f: f.start)
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
                result[name] = min(definite, key=lambda f: _DX_PRIORITY[f.value])
            else:
                result[name] = (definite or found)[-1]
        return result

    def read(self) -> Dict[str, LabFinding]:
        self.read_child_pugh()
        self.read_bclc()
        self.read_segments()
        self.read_distances_and_structures()
        self.read_lesion_counts()
        self.read_labs()
        self.read_sizes()
        self.read_diagnosis()
        return self.resolve()


# --------------------------------------------------------------------------
# Small rules used by the reader
# --------------------------------------------------------------------------

_LAB_FIELDS = {
    P.BILIRUBIN: BILIRUBIN,
    P.ALBUMIN: ALBUMIN,
    P.INR: INR,
    P.PLATELETS: PLATELETS,
}
_COMPATIBLE_UNITS = {
    P.BILIRUBIN: U.BILIRUBIN_UNITS,
    P.ALBUMIN: U.ALBUMIN_UNITS,
    P.INR: frozenset(),
    P.PLATELETS: U.PLATELET_UNITS,
}
_LIST_JOIN = re.compile(r"\s*(?:,|&|/|and|,\s*and)\s*", re.IGNORECASE)
_DX_CATEGORY = {P.DX_HCC: "hcc", P.DX_MET: "metastasis", P.DX_OTHER: "other"}
_DX_PRIORITY = {"hcc": 0, "metastasis": 1, "other": 2}
_MEASURED_BEFORE = frozenset(
    {
        "margin",
        "margins",
        "incision",
        "needle",
        "probe",
        "probes",
        "cryoprobe",
        "cryoprobes",
        "ice",
        "iceball",
        "ablation",
        "ablative",
        "cyst",
        "cysts",
        "stone",
        "stones",
        "node",
        "nodes",
        "lymph",
        "wall",
    }
)
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


def _unit_fits(label: str, unit: str | None) -> bool:
    """Tell whether ``unit`` (``None``: no unit) can be a unit of the test ``label``."""
    if label == P.OTHER_LAB or unit is None:
        return True
    return unit in _COMPATIBLE_UNITS.get(label, frozenset())


def _compatible(label: str, quantity: _Quantity) -> bool:
    """Tell whether ``quantity`` can be a value of the test ``label``."""
    return _unit_fits(label, quantity.unit)


def _longest_first(found: List[_Anchor]) -> List[_Anchor]:
    """Non-overlapping matches, longer ones first ("total bilirubin" > "bilirubin")."""
    chosen: List[_Anchor] = []
    for anchor in sorted(found, key=lambda a: (-(a.end - a.start), a.start)):
        if all(anchor.end <= c.start or anchor.start >= c.end for c in chosen):
            chosen.append(anchor)
    return sorted(chosen, key=lambda a: a.start)


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
_CP_RANGES = {"A": range(5, 7), "B": range(7, 10), "C": range(10, 16)}


def _class_of_score(score: int) -> str | None:
    for letter, scores in _CP_RANGES.items():
        if score in scores:
            return letter
    return None


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
        if letter and score is not None and score not in _CP_RANGES[letter]:
            return letter, score, length, SCORE_MISMATCH
        if letter is None and score is None:
            continue
        return letter, score, length, None
    return None


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


_SEGMENT_NUMBERS = re.compile(
    r"[\s:\-]*\d{1,2}(?![\d.]|\s*(?:cm|mm)\b)"
    r"(?:\s*(?:,|/|&|and|-|to|or)\s*(?:s(?:eg(?:ment)?)?\s*)?\d{1,2}(?![\d.]|\s*(?:cm|mm)\b))*",
    re.IGNORECASE,
)
_DISTANCE_AFTER = re.compile(
    r"^[\s)]*(?:(?:away|apart|distant|distance|gap|short)\b\s*)?"
    r"(?:(?:from|to|off)\b(?!\s*[\d.])|(?P<of>of)\b|(?=away|apart))",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(
    r"(?:\s*\((?:s|es)\))?\s*(?P<kw>(?:count|number|no\.?|nos\.?|total)\b)?\s*"
    r"(?P<sep>[:=\-])?\s*(?:(?:is|are|was|were|about|around|approx\.?)\s+)*"
    r"(?P<n>\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|single)\b"
    r"(?!\s*(?:cm|mm|centimet|millimet|[.,]\d|x\s*\d|%))",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------


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
    return _Reader(text).read()


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


__all__ = ["LabFinding", "extract_lab_findings", "extract_labs", "scan_quantities"]
