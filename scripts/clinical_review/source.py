"""Does the clinical source state a sentence? The similarity rule, in one place.

A bot sentence is **supported** by the source when, for each of its clauses,
enough of its content words stand together in one place of the source:

* **places of the source** are its lines (a paragraph, a bullet with its
  heading, a table row, a question with its answer: how the document is
  laid out), read from ``reference/seeds/000_4c5dabd8a3483595.txt``;
* **content words** are the words left when function words (:data:`STOPWORDS`)
  are dropped, lower-cased, split at hyphens, reduced to a simple stem
  (:func:`stem`) and mapped to the source's own word for a few lay synonyms
  (:data:`SYNONYMS`: "tumour" and "lesion" count as one word, "bleeding" and
  "haemorrhage" too). Numbers count as words;
* a **clause** is a sentence, or a part of it between semicolons or after a
  colon; words in brackets are not part of it (an explanation in brackets is
  a unit of its own, checked the same way);
* **negations and quantifiers** ("not", "never", "without", "all", "only" …)
  are content words, and a clause with a negation is supported only by a
  line that has one too (:data:`NEGATION`);
* **support** of a clause is the share of its content words found in the one
  line of the source that holds most of them. A unit (a sentence, or words in
  brackets) is supported when every clause reaches :data:`THRESHOLD`, and a
  clause of fewer than :data:`MIN_WORDS` content words (too short to judge by
  a share) only when all of its words are there. A clause with no content
  word at all ("Yes.") is never supported: it is reviewed in its place.

A sentence that is not supported is either reworded until it is, or listed in
the register of what goes beyond the source (``docs/clinical_review.md``),
with why it is there, for a clinician to sign. Support says the source talks
about the same things in one place; it does not prove the sentence keeps the
source's qualifiers or adds no certainty: :mod:`.wording` checks those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
SEED_NAME = "000_4c5dabd8a3483595.txt"
#: The committed copy of the clinical source (a test keeps it equal to
#: ../shared/seeds/).
SEED = ROOT / "reference" / "seeds" / SEED_NAME

#: Share of a clause's content words that must stand in one line of the source.
THRESHOLD = 0.6
#: A clause with fewer content words than this is never "supported".
MIN_WORDS = 3

#: Function words: they carry no claim of their own. Qualifiers ("may",
#: "most", "including") are here too: whether an answer keeps them is checked
#: separately (``docs/faithfulness.yml``), not by word overlap.
STOPWORDS: FrozenSet[str] = frozenset(
    """
    a about above after again against also am an and are as at be because
    been before being below between both but by can could did do does doing
    done down during either else even ever few for from further get gets
    getting given gives go goes had has have having he her here hers herself
    him himself his how however i if in into is it its itself just least less
    let like made make makes many may me might more most much must my myself
    now of off often on once one or other others our ours ourselves out over
    own per rather same shall she should since so some such than that the
    their theirs them themselves then there these they this those though
    through thus to too under until up upon us usually very was we were what
    when where whether which while who whom whose why will with within would
    yes yet you your yours yourself yourselves s t d ll re ve m i'm i've i'll
    it's that's there's let's
    """.split()
)

#: Words that turn a statement round. A clause that has one is supported
#: only by a line of the source that has one too ("does not have this
#: problem", "cannot have", "no side effects" are never matched to a line
#: that states the opposite by sharing its other words). They, and the
#: quantifiers "all", "every", "each", "any", "only", are content words.
NEGATION = re.compile(
    r"(?<![\w'])(?:no|not|never|cannot|without|none|nothing|nor)(?![\w'])|n't\b",
    re.IGNORECASE,
)

_TURNING_WORDS = frozenset(
    "no not never can without none nothing nor all every each any only".split()
)

#: Lay words mapped to the source's word (after stemming). Kept short on
#: purpose: each pair is one the answers use for a word of the source.
SYNONYMS: Dict[str, str] = {
    "tumour": "lesion",
    "tumor": "lesion",
    "bleed": "haemorrhage",
    "bleeding": "haemorrhage",
    "hepatic": "liver",
    "vascular": "vessel",
    "vein": "vessel",
    "frozen": "freeze",
    "freezing": "freeze",
    "surgery": "resection",
    "scan": "imaging",
    "cryoprobe": "probe",
    "electrode": "probe",
    "transplantation": "transplant",
    "cirrhotic": "cirrhosis",
    "procedural": "procedure",
    "intraprocedural": "procedure",
    "chemoembolisation": "tace",
    "metastasis": "metastase",
    "metastases": "metastase",
    "survival": "os",
    "year": "yr",
}

_TOKEN = re.compile(r"[a-z0-9µ]+(?:[.,'][a-z0-9]+)*")
# Headings glued to their text in the source ("safetyThe ice-ball"), table
# cells glued together ("B7Child-Pugh"): a boundary before a capital that
# starts a word.
_GLUED = re.compile(r"(?<=[a-z0-9)%])(?=[A-Z][a-z])")


# Words whose ending is no plural or verb form.
_UNCHANGED = frozenset({"series", "species", "bed", "need", "red", "seed", "during"})


def stem(word: str) -> str:
    """Reduce a word to a simple stem, so that plurals and -ing forms match.

    >>> [stem(w) for w in ("tumours", "series", "freezing", "studies", "preferred")]
    ['tumour', 'series', 'freez', 'study', 'prefer']
    """
    if len(word) <= 3 or word.isdigit() or word in _UNCHANGED:
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss")):
        if word.endswith(suffix):
            return word[: -len(suffix)] + replacement
    for suffix, shortest in (("ing", 6), ("ed", 6)):
        if word.endswith(suffix) and len(word) >= shortest:
            root = word[: -len(suffix)]
            # "planned", "preferred": one of a doubled final consonant goes.
            if len(root) > 3 and root[-1] == root[-2] and root[-1] not in "aeiouls":
                root = root[:-1]
            return root
    if word.endswith("s") and not word.endswith(("ss", "us", "is", "ies")):
        return word[:-1]
    return word


def content_words(text: str) -> FrozenSet[str]:
    """The content words of a text (see the module docstring).

    >>> sorted(content_words("Bleeding (haemorrhage) after freezing the tumours"))
    ['freeze', 'haemorrhage', 'lesion']
    """
    text = _GLUED.sub(" ", text)
    text = re.sub(r"{\w+}", " ", text).lower().replace("’", "'")
    words = set()
    text = text.replace("n't", " not").replace("cannot", "can not")
    for token in _TOKEN.findall(text.replace("-", " ").replace("–", " ")):
        token = token.strip(".,'")
        if not token or token in STOPWORDS:
            continue
        word = SYNONYMS.get(token) or SYNONYMS.get(stem(token)) or stem(token)
        if word not in STOPWORDS:
            words.add(word)
    return frozenset(words)


@lru_cache(maxsize=1)
def source_lines() -> Tuple[Tuple[str, FrozenSet[str]], ...]:
    """Each non-empty line of the source, with its content words."""
    lines = SEED.read_text(encoding="utf-8").splitlines()
    return tuple((line.strip(), content_words(line)) for line in lines if line.strip())


@lru_cache(maxsize=1)
def negative_lines() -> FrozenSet[str]:
    """The lines of the source that have a negation."""
    return frozenset(line for line, _ in source_lines() if NEGATION.search(line))


@lru_cache(maxsize=1)
def source_text() -> str:
    """The source, whitespace collapsed (to look up quotes)."""
    return normalise(SEED.read_text(encoding="utf-8"))


def normalise(text: str) -> str:
    """Collapse whitespace and unify quotes and dashes, for comparisons."""
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"')
    text = text.replace("”", '"')
    return " ".join(text.split())


def in_source(quote: str) -> bool:
    """Tell whether a quote stands in the source (whitespace-insensitive)."""
    return normalise(quote) in source_text()


@dataclass(frozen=True)
class Support:
    """How well the source supports one clause.

    Attributes:
        clause: the clause.
        words: its content words.
        score: the share of them in the best line of the source.
        line: that line (empty when the clause has no content word).
        missing: its content words that line lacks.

    """

    clause: str
    words: FrozenSet[str]
    score: float
    line: str
    missing: FrozenSet[str]
    negated: bool = False

    @property
    def supported(self) -> bool:
        """Enough of its content words in one line (all of them, when few)."""
        if self.negated and self.line not in negative_lines():
            return False
        if not self.words - _TURNING_WORDS:
            # "No.", "All right.": nothing but a turn of phrase to match.
            return False
        if len(self.words) < MIN_WORDS:
            return bool(self.words) and not self.missing
        return self.score >= THRESHOLD


def support(clause: str) -> Support:
    """The support of one clause by the source's best line."""
    words = content_words(clause)
    negated = NEGATION.search(re.sub(r"{\w+}", " ", clause)) is not None
    if not words:
        return Support(clause, words, 0.0, "", frozenset(), negated)
    # The line with most of the clause's words; of equals, one that agrees
    # with the clause on negation.
    best_line, best_words = max(
        source_lines(),
        key=lambda item: (
            len(words & item[1]),
            negated == (item[0] in negative_lines()),
        ),
    )
    found = words & best_words
    return Support(
        clause, words, len(found) / len(words), best_line, words - found, negated
    )


# ---------------------------------------------------------------------------
# Units: what a text is split into for review
# ---------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?]+[\"'”]*\s+(?=[A-Z\"'(“{])")
_BRACKETS = re.compile(r"\(([^()]*)\)")
# "T. Bil": a single capital before the full stop is an abbreviation.
_INITIAL = re.compile(r"(?:^|[^\w])[A-Z]$")


def sentences(line: str) -> List[str]:
    """Split one line into sentences, never inside brackets or after an initial.

    >>> sentences('Line "T. Bil" (see p. 2). Next one! Last')
    ['Line "T. Bil" (see p. 2).', 'Next one!', 'Last']
    """
    found, start, depth, index = [], 0, 0, 0
    while index < len(line):
        char = line[index]
        depth += char == "("
        depth -= char == ")" and depth > 0
        end = _SENTENCE_END.match(line, index) if char in ".!?" else None
        if end and depth == 0 and not _INITIAL.search(line[start:index]):
            found.append(line[start : end.end()].strip())
            start = index = end.end()
            continue
        index += 1
    found.append(line[start:].strip())
    return [sentence for sentence in found if sentence]


def units(text: str) -> List[str]:
    """Split a text into the units the register lists: sentences, brackets.

    Markdown emphasis is dropped; each line and each bullet is split into
    sentences; words in brackets are taken out of their sentence and become
    a unit of their own, written with their brackets ("(a pocket of
    infection)"). Units with no letter ("{reasons}", "-") are left out.

    >>> units("Risks exist. Major ones (bleeding) are rare.\\n- **A**: b; c")
    ['Risks exist.', 'Major ones are rare.', '(bleeding)', 'A: b; c']
    """
    found: List[str] = []
    for line in text.replace("**", "").splitlines():
        line = re.sub(r"^\s*[-•]\s+", "", line).strip()
        for sentence in sentences(line):
            brackets = [f"({inner.strip()})" for inner in _BRACKETS.findall(sentence)]
            outside = " ".join(_BRACKETS.sub(" ", sentence).split())
            outside = re.sub(r"\s+([.,;:!?])", r"\1", outside)
            for unit in (outside, *brackets):
                if re.search(r"[A-Za-z]", re.sub(r"{\w+}", "", unit)):
                    found.append(unit)
    return found


def clauses(unit: str) -> List[str]:
    """The clauses of a unit: its parts between semicolons, and after a colon.

    >>> clauses("RFA: shorter; cheaper")
    ['RFA', 'shorter', 'cheaper']
    """
    parts = re.split(r";|:(?=\s|$)", unit)
    return [part.strip() for part in parts if part.strip(" .")]


def unit_support(unit: str) -> List[Support]:
    """The support of each clause of a unit."""
    return [support(clause) for clause in clauses(unit)]


def supported(unit: str) -> bool:
    """Tell whether the source states a unit (every clause supported)."""
    return all(s.supported for s in unit_support(unit))
