"""The state of reading one message, shared by the readers.

A :class:`Document` holds the text (as typed and normalised), its tokens, the
*anchors* the Matcher found (test names, lesion words, diagnosis words,
context cues), the quantities (numbers with their units), the clauses, and
the candidate findings each reader adds. The readers (``readers/``) ask it
about context: is this value in a hypothetical clause ("target bilirubin
below 2")? is it a bound ("above 100k")? is it negated? where does the
sentence end?
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Dict, List, Sequence, Tuple

from bot.nlp.labs import patterns as P
from bot.nlp.labs import pipeline
from bot.nlp.labs import units as U
from bot.nlp.labs.findings import BOUND, FIELDS, NO_UNIT, LabFinding
from bot.nlp.labs.quantities import Quantity, scan_quantities

if TYPE_CHECKING:  # pragma: no cover - spaCy is imported on first use
    from spacy.tokens import Doc

#: How far before a number a bound is looked for: "less than", "at least",
#: "up to", "above" and an optional "of about" fit in 25 characters.
BOUND_WINDOW = 25
#: How far before a number a negation is looked for ("not 2.1 but 1.2",
#: "isn't 40"): the negation word and a space or two.
NEGATION_WINDOW = 12


@dataclass
class Anchor:
    """A match of the Matcher: its label and where it is (characters, tokens)."""

    label: str
    start: int
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
#: Between two values of one test: the later one is an update ("2.1 -> 1.5").
UPDATE_BETWEEN = re.compile(
    r"^\W*(?:and\s+)?(?:to|->|now|currently|today|latest|recently)\b|^\s*(?:->|→)",
    re.IGNORECASE,
)
# Words that may stand between a name and its value ("bilirubin is about
# 1.2", "size measured 3 cm").
_FILLER = (
    r"(?:is|was|are|were|of|about|approx\.?|approximately|around|roughly|only"
    r"|just|nearly|almost|at|the|a|an|measures?|measuring|measured|size|sized"
    r"|span|diameter|thickness|width|enlarged|dilated|value|level|levels|count"
    r"|result|results|reading|report|reports|shows?|showed|says?|said|came"
    r"|comes|back|as|be|been|currently|now|today|latest|recent|last|this|that"
    r"|it|its|it's|lab|labs|test|tests|total|serum|and)"
)
#: A comma, semicolon or full stop followed by a space.
CLAUSE_BREAK = re.compile(r"[,;.]\s")
#: The text between a name and a value holds only those words.
FILLER_ONLY = re.compile(rf"^(?:[\s:=\-~(),.'\"]|{_FILLER}\b)*$", re.IGNORECASE)
#: What joins the items of a list ("2.5, 1.8 and 1.2 cm").
LIST_JOIN = re.compile(r"\s*(?:,|&|/|and|,\s*and)\s*", re.IGNORECASE)


class Document:
    """One message being read: text, tokens, anchors, quantities, candidates."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.norm = U.normalise_text(text)
        self.doc: Doc = pipeline.tokenise(self.norm)
        self.anchors, self.lesions, self.dx, self.cues = self._match()
        self.quantities = [
            q for q in scan_quantities(self.norm) if not self._inside_anchor(q.start)
        ]
        self.sentence_ends = [m.start() for m in _SENTENCE_END.finditer(self.norm)]
        self.clauses = self._clauses()
        self.consumed: List[Tuple[int, int]] = []
        self.candidates: Dict[str, List[LabFinding]] = {name: [] for name in FIELDS}

    def _match(
        self,
    ) -> Tuple[List[Anchor], List[Anchor], List[Anchor], Dict[str, List[Anchor]]]:
        by_group: Dict[str, List[Anchor]] = {}
        for label, tok_start, tok_end in pipeline.match(self.doc):
            span = self.doc[tok_start:tok_end]
            anchor = Anchor(label, span.start_char, span.end_char, tok_start, tok_end)
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

    def clause_at(self, pos: int) -> Tuple[int, int, str]:
        """Return the clause ``(start, end, terminator)`` that holds ``pos``."""
        for clause in self.clauses:
            if clause[0] <= pos < max(clause[1], clause[0] + 1):
                return clause
        return self.clauses[-1]

    def cues_in(self, label: str, start: int, end: int) -> List[Anchor]:
        """Return the context cues of kind ``label`` that start in the span."""
        return [c for c in self.cues.get(label, []) if start <= c.start < end]

    def is_hypothetical(self, pos: int) -> bool:
        """Tell whether ``pos`` is in a criterion or a supposition, not a measurement.

        A conditional, modal or criteria word before the value in its clause
        ("target bilirubin below 2", "bilirubin should be under 2"); or a
        question that is not about the patient ("what if bilirubin is above
        2?", "is 3 cm too big?"), while "is my 3 cm tumour too big?" is one.
        """
        start, end, terminator = self.clause_at(pos)
        if self.cues_in(P.CUE_HYPOTHETICAL, start, pos):
            return True
        if "?" in terminator:
            if self.cues_in(P.CUE_HYPOTHETICAL, start, end):
                return True
            return not self.cues_in(P.CUE_PERSON, start, end)
        return False

    def is_bound(self, pos: int) -> bool:
        """Tell whether a bound precedes ``pos`` ("above 100k", "< 3 cm")."""
        return bool(_BOUND_BEFORE.search(self.norm[max(0, pos - BOUND_WINDOW) : pos]))

    def is_negated(self, pos: int) -> bool:
        """Tell whether a negation precedes ``pos`` ("not 2.1 but 1.2")."""
        return bool(
            _NEGATED_BEFORE.search(self.norm[max(0, pos - NEGATION_WINDOW) : pos])
        )

    def sentence_end_after(self, pos: int) -> int:
        """Return where the sentence holding ``pos`` ends."""
        for end in self.sentence_ends:
            if end >= pos:
                return end
        return len(self.norm)

    def next_anchor_start(self, pos: int, groups: Sequence[List[Anchor]]) -> int:
        """Return where the next anchor of ``groups`` after ``pos`` starts."""
        starts = [a.start for group in groups for a in group if a.start >= pos]
        return min(starts, default=len(self.norm))

    def unclaimed(self, start: int, end: int) -> List[Quantity]:
        """Return the quantities no reader took that start in the span."""
        return [q for q in self.quantities if not q.claimed and start <= q.start < end]

    def claim_span(self, start: int, end: int) -> None:
        """Mark the span as read: its quantities belong to no later reader."""
        self.consumed.append((start, end))
        for quantity in self.quantities:
            if start <= quantity.start < end:
                quantity.claimed = True

    def in_consumed(self, pos: int) -> bool:
        """Tell whether ``pos`` is in a span a reader has claimed."""
        return any(a <= pos < b for a, b in self.consumed)

    def add(self, finding: LabFinding, pos: int | None = None) -> None:
        """Keep ``finding`` unless its clause is hypothetical."""
        if self.is_hypothetical(finding.start if pos is None else pos):
            return
        self.candidates[finding.field].append(finding)

    def numeric_finding(
        self,
        name: str,
        quantity: Quantity,
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
        """Build the finding for a word ("two", "B7", "HCC") at ``start:end``."""
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


def _longest_first(found: List[Anchor]) -> List[Anchor]:
    """Non-overlapping matches, longer ones first ("total bilirubin" > "bilirubin")."""
    chosen: List[Anchor] = []
    for anchor in sorted(found, key=lambda a: (-(a.end - a.start), a.start)):
        if all(anchor.end <= c.start or anchor.start >= c.end for c in chosen):
            chosen.append(anchor)
    return sorted(chosen, key=lambda a: a.start)
