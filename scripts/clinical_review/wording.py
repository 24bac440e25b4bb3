"""Words, not only figures: qualifiers kept, no absolute words.

The data is ``docs/faithfulness.yml``.

Two checks over every text the bot can send (:mod:`.texts`):

* **Qualifiers kept.** For each FAQ answer and each screening text that makes
  a clinical statement, ``answers:`` lists the source lines it rests on
  (verbatim quotes of the clinical source, or of the spec for what the spec
  adds) and the source's qualifiers it must keep ("in selected series",
  "including", "small risk", "may" …). A qualifier is written once when the
  answer uses the source's own words, or as ``{source: …, say: …}`` when the
  answer puts them plainly (``say`` may list alternatives). The qualifier's
  source words must stand in the entry's quotes, and its ``say`` words in the
  answer.
* **No absolute words.** ``absolute_words.words`` lists words no text may use
  about outcomes or safety ("proven", "guaranteed", "always", "never",
  "exactly", "completely" …), unless the source uses the same word in that
  place: ``absolute_words.allowed`` holds each reviewed exception with the
  source line that uses it. ``absolute_words.names`` are names of things that
  contain such a word but claim nothing ("complete blood count").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Sequence

import yaml

from bot.screening import effects, result
from scripts.clinical_review.source import ROOT, in_source, normalise, stem, units
from scripts.clinical_review.texts import TEXT, Text, all_texts

DATA = ROOT / "docs" / "faithfulness.yml"
SPEC = ROOT / "reference" / "spec" / "eligibility.md"

#: Responses whose statements are clinical: each needs an entry in ``answers``
#: (besides every ``utter_faq/*`` answer and every ``code:eligibility.*`` text).
RESULT_RESPONSES = (
    "utter_screening_likely_suitable",
    "utter_screening_needs_review",
    "utter_screening_unlikely_suitable",
    result.R_INCOMPLETE,
    result.R_NOT_A_DECISION,
    effects.R_CHILD_PUGH_COMPUTED,
)
#: Texts built in code that make a clinical statement outside bot.eligibility.
CLINICAL_CODE_TEXTS = ("code:screening.computed_note",)


@lru_cache(maxsize=1)
def load(path: Path = DATA) -> Dict[str, Any]:
    """The data file."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def spec_text() -> str:
    """The eligibility spec, whitespace collapsed (to look up quotes)."""
    return normalise(SPEC.read_text(encoding="utf-8"))


def _lower(text: str) -> str:
    return normalise(text).lower()


def said_by(texts: Iterable[Text]) -> Dict[str, str]:
    """Each place's sentences (all its variants), for the qualifier check."""
    said: Dict[str, List[str]] = {}
    for text in texts:
        if text.kind == TEXT:
            said.setdefault(text.where, []).append(text.text)
    return {where: "\n".join(parts) for where, parts in said.items()}


def needs_entry(where: str) -> bool:
    """Tell whether a text makes clinical statements that need an entry."""
    return (
        where.startswith("utter_faq/")
        or where.startswith("code:eligibility.")
        or where in RESULT_RESPONSES
        or where in CLINICAL_CODE_TEXTS
    )


@dataclass(frozen=True)
class Qualifier:
    """One qualifier an answer must keep."""

    source: str
    say: Sequence[str]

    @classmethod
    def read(cls, entry: Any) -> "Qualifier":
        """From the data: a string, or ``{source|spec: …, say: … | [...]}``."""
        if isinstance(entry, str):
            return cls(entry, (entry,))
        words = entry.get("source") or entry.get("spec")
        say = entry.get("say") or words
        return cls(words, tuple(say) if isinstance(say, list) else (say,))


def qualifier_problems(
    texts: Sequence[Text] | None = None, data: Mapping[str, Any] | None = None
) -> List[str]:
    """What is wrong with the qualifiers: missing entries, quotes, qualifiers."""
    texts = all_texts() if texts is None else texts
    data = load() if data is None else data
    answers: Mapping[str, Any] = data.get("answers") or {}
    said = said_by(texts)
    problems = [
        f"{where}: no entry in docs/faithfulness.yml (its source lines and the "
        "qualifiers it must keep)"
        for where in sorted(said)
        if needs_entry(where) and where not in answers
    ]
    for where, entry in answers.items():
        if where not in said:
            problems.append(f"{where}: in docs/faithfulness.yml but no text says it")
            continue
        problems += _entry_problems(where, entry or {}, said[where])
    return problems


def _entry_problems(where: str, entry: Mapping[str, Any], text: str) -> List[str]:
    problems = []
    quotes = [*(entry.get("source") or ()), *(entry.get("spec") or ())]
    if not quotes:
        problems.append(f"{where}: lists no source line")
    for quote in entry.get("source") or ():
        if not in_source(quote):
            problems.append(f"{where}: not in the clinical source: {quote!r}")
    for quote in entry.get("spec") or ():
        if normalise(quote) not in spec_text():
            problems.append(f"{where}: not in spec/eligibility.md: {quote!r}")
    lowered_quotes = _lower(" \n ".join(quotes))
    lowered_text = _lower(text)
    for raw in entry.get("keep") or ():
        qualifier = Qualifier.read(raw)
        if _lower(qualifier.source) not in lowered_quotes:
            problems.append(
                f"{where}: the qualifier {qualifier.source!r} is not in its "
                "source lines"
            )
        if not any(_lower(words) in lowered_text for words in qualifier.say):
            problems.append(
                f"{where}: dropped the source's qualifier {qualifier.source!r} "
                f"(say {' or '.join(repr(w) for w in qualifier.say)})"
            )
    return problems


# ---------------------------------------------------------------------------
# Absolute words
# ---------------------------------------------------------------------------


def _pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)


def absolute_words_in(
    text: str, words: Iterable[str], names: Iterable[str]
) -> List[str]:
    """The absolute words a text uses (names of things left out).

    >>> absolute_words_in("Both are proven. A complete blood count.",
    ...                   ["proven", "complete"], ["complete blood count"])
    ['proven']
    """
    for name in names:
        text = _pattern(name).sub(" ", text)
    return [word for word in words if _pattern(word).search(text)]


def _uses(quote: str, word: str) -> bool:
    """Tell whether a source quote uses the word (or a form of it)."""
    wanted = {stem(part) for part in word.lower().split()}
    used = {stem(w) for w in re.findall(r"[a-z%0-9]+", quote.lower())}
    return wanted <= used or _pattern(word).search(quote) is not None


def absolute_word_problems(
    texts: Sequence[Text] | None = None, data: Mapping[str, Any] | None = None
) -> List[str]:
    """Absolute words used without a reviewed exception, and bad exceptions."""
    texts = all_texts() if texts is None else texts
    data = load() if data is None else data
    config = data.get("absolute_words") or {}
    words, names = config.get("words") or (), config.get("names") or ()
    allowed = {(a["where"], a["word"].lower()): a for a in config.get("allowed") or ()}
    problems, used = [], set()
    for text in texts:
        for word in absolute_words_in(text.text, words, names):
            key = (text.where, word.lower())
            used.add(key)
            if key not in allowed:
                sentence = next(
                    (u for u in units(text.text) if _pattern(word).search(u)),
                    text.text,
                )
                problems.append(
                    f"{text.where} ({text.file}): {word!r} in {sentence!r}: "
                    "reword it, or, if the source uses the word in that place, "
                    "add an exception to absolute_words.allowed in "
                    "docs/faithfulness.yml with the source line"
                )
    for key, exception in allowed.items():
        quote = exception.get("source") or ""
        if key not in used:
            problems.append(f"exception no longer needed: {key[0]}: {key[1]!r}")
        elif not in_source(quote):
            problems.append(f"{key[0]}: exception quotes no source line: {quote!r}")
        elif not _uses(quote, key[1]):
            problems.append(f"{key[0]}: the source line does not use {key[1]!r}")
    return problems
