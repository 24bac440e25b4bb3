"""The register of what the bot says beyond its source (``docs/clinical_review.md``).

Every unit (sentence, or words in brackets) of every text the bot can send is
either **supported** by the clinical source (:func:`.source.supported`) or
**registered**: a row of the table between the ``register:start`` and
``register:end`` markers of ``docs/clinical_review.md``::

    | says | where | kind | why | status |
    |---|---|---|---|---|
    | New yellowing, … | `utter_faq/bilirubin` | safety | … | pending |

* ``says``: the unit exactly as the bot says it (template variables as
  ``{name}``; a ``|`` written ``\\|``);
* ``where``: the responses (or ``code:<id>`` texts) that say it, each in
  backticks, separated by commas;
* ``kind``: one of :data:`KINDS`;
* ``why``: why the bot says it (for a paraphrase: the source's words);
* ``status``: ``pending`` until a clinician of the service signs it as
  ``signed <name> <YYYY-MM-DD>``.

:func:`check` lists the units missing from the register (with the rows to
paste) and the rows nobody says any more.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Sequence, Set, Tuple

from scripts.clinical_review.source import ROOT, normalise, supported, units
from scripts.clinical_review.texts import TEXT, Text, all_texts

REGISTER = ROOT / "docs" / "clinical_review.md"
START = "<!-- register:start -->"
END = "<!-- register:end -->"
HEADER = "| says | where | kind | why | status |"

#: The kinds of sentence the register holds, and what each is for.
KINDS: Mapping[str, str] = {
    "safety": "safety advice: when to get medical help",
    "disclaimer": "what the bot is and is not; who decides",
    "explanation": "a medical term in plain words",
    "paraphrase": "the source's statement in other words",
    "framing": "words around a fact of the source (yes, no, a list's heading)",
    "computed": "the Child-Pugh class worked out in the conversation",
    "navigation": "where a value is on a report, how to type it",
    "process": "what the bot and the coordinators do: consent, data, handoff",
    "conversation": "greetings, thanks, questions back, acknowledgements",
}
PENDING = "pending"
TODO = "TODO"
_SIGNED = re.compile(r"^signed \S.* \d{4}-\d{2}-\d{2}$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


@dataclass
class Row:
    """One row of the register."""

    says: str
    where: List[str]
    kind: str
    why: str
    status: str
    line: int = 0

    @property
    def key(self) -> str:
        """The unit, normalised for comparison."""
        return normalise(self.says)

    def render(self) -> str:
        """The row as a line of the Markdown table."""
        where = ", ".join(f"`{name}`" for name in self.where)
        cells = [self.says, where, self.kind, self.why, self.status]
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


@dataclass
class Finding:
    """What :func:`check` found.

    Attributes:
        missing: rows to add (unit, where), kind and why left as TODO.
        stale: rows (or places of a row) that no text says any more.
        invalid: rows whose kind, why or status is not filled in properly.

    """

    missing: List[Row] = field(default_factory=list)
    stale: List[str] = field(default_factory=list)
    invalid: List[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing to add, remove or fix."""
        return not (self.missing or self.stale or self.invalid)

    def report(self) -> str:
        """A message saying exactly what to add or remove, and where."""
        parts = []
        if self.missing:
            parts.append(
                f"{len(self.missing)} sentence(s) the source does not state are "
                f"not in the register. Reword them until the source supports "
                f"them, or add these rows to {REGISTER.relative_to(ROOT)} "
                f"between {START} and {END}, with their kind and why (or run "
                f"`python -m scripts.clinical_review --add`, which appends them "
                f"with TODO to fill in):\n"
                + "\n".join(row.render() for row in self.missing)
            )
        if self.stale:
            parts.append(
                "Rows that no text says any more (remove them, or run "
                "`python -m scripts.clinical_review --prune`):\n"
                + "\n".join(self.stale)
            )
        if self.invalid:
            parts.append("Rows to complete:\n" + "\n".join(self.invalid))
        return "\n\n".join(parts)


def parse(text: str) -> List[Row]:
    """Read the register's rows from the Markdown document."""
    lines = text.splitlines()
    try:
        start, end = lines.index(START), lines.index(END)
    except ValueError as error:
        raise ValueError(f"{REGISTER.name}: the markers {START} {END}") from error
    rows: List[Row] = []
    for number, line in enumerate(lines[start + 1 : end], start=start + 2):
        if not line.startswith("|") or line.startswith(("| says", "|---")):
            continue
        cells = [c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(line)[1:-1]]
        if len(cells) != 5:
            raise ValueError(f"{REGISTER.name}:{number}: expected 5 cells: {line}")
        says, where, kind, why, status = cells
        names = [n.strip().strip("`") for n in where.split(",") if n.strip()]
        rows.append(Row(says, names, kind, why, status, number))
    return rows


def load(path: Path = REGISTER) -> List[Row]:
    """The register's rows."""
    return parse(path.read_text(encoding="utf-8"))


def beyond_source(texts: Iterable[Text]) -> Dict[str, Dict[str, str]]:
    """The units the source does not state: normalised unit -> {where: unit}."""
    found: Dict[str, Dict[str, str]] = defaultdict(dict)
    for text in texts:
        if text.kind != TEXT:
            continue
        for unit in units(text.text):
            if not supported(unit):
                found[normalise(unit)][text.where] = unit
    return found


def check(
    rows: Sequence[Row] | None = None, texts: Sequence[Text] | None = None
) -> Finding:
    """Compare what the bot says with the register."""
    rows = load() if rows is None else rows
    texts = all_texts() if texts is None else texts
    needed = beyond_source(texts)
    finding = Finding()
    registered: Dict[str, Set[str]] = defaultdict(set)
    for row in rows:
        registered[row.key] |= set(row.where)
        problems = []
        if row.kind not in KINDS:
            problems.append(f"kind {row.kind!r} is not one of {', '.join(KINDS)}")
        if not row.why or row.why == TODO:
            problems.append("why is empty")
        if row.status != PENDING and not _SIGNED.match(row.status):
            problems.append(
                f"status {row.status!r} is neither {PENDING!r} nor "
                "'signed <name> <YYYY-MM-DD>'"
            )
        if problems:
            finding.invalid.append(
                f"line {row.line}: {row.says}: {'; '.join(problems)}"
            )
        gone = [name for name in row.where if name not in needed.get(row.key, {})]
        if gone:
            finding.stale.append(
                f"line {row.line}: {row.says} (no longer said in: {', '.join(gone)})"
            )
    for key, places in needed.items():
        absent = [where for where in places if where not in registered.get(key, ())]
        if absent:
            unit = places[absent[0]]
            finding.missing.append(Row(unit, absent, TODO, TODO, PENDING))
    return finding


def add_missing(finding: Finding, path: Path = REGISTER) -> int:
    """Append the missing rows (kind and why TODO) to the register; return how many.

    A unit already registered for other places gets a row of its own for the
    new places, so that its kind and why are reviewed there too.
    """
    if not finding.missing:
        return 0
    text = path.read_text(encoding="utf-8")
    rows = "\n".join(row.render() for row in finding.missing)
    path.write_text(text.replace(END, f"{rows}\n{END}", 1), encoding="utf-8")
    return len(finding.missing)


def prune(texts: Sequence[Text] | None = None, path: Path = REGISTER) -> int:
    """Remove from the register the places (and rows) nobody says any more."""
    texts = all_texts() if texts is None else texts
    needed = beyond_source(texts)
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = {row.line: row for row in parse("\n".join(lines))}
    kept_lines, removed = [], 0
    for number, line in enumerate(lines, start=1):
        row = rows.get(number)
        keep = [n for n in row.where if n in needed.get(row.key, {})] if row else []
        if row is None or keep == row.where:
            kept_lines.append(line)
            continue
        removed += 1
        if keep:
            kept_lines.append(
                Row(row.says, keep, row.kind, row.why, row.status).render()
            )
    path.write_text("\n".join(kept_lines) + "\n", encoding="utf-8")
    return removed


def counts(rows: Sequence[Row]) -> Tuple[int, int]:
    """How many rows are pending and how many signed."""
    pending = sum(1 for row in rows if row.status == PENDING)
    return pending, len(rows) - pending
