"""The blank English spaCy pipeline and the Matcher, built once per process.

Only a tokenizer and a ``Matcher`` are used: no model, nothing trained. The
tokenizer gets a few extra infixes so that "bilirubin:1.2", "2.3mg", "bili-2.3"
and "INR1.3" give the test's name as a token of its own ("A6" and "S7" stay
whole).

Two choices keep this cheap in a long-running server:

* **Numbers are masked before tokenising** (the digits of a number of
  several digits read as ``0`` for spaCy; the extractor reads the numbers
  from the text itself). spaCy keeps
  every distinct token it has seen in its vocabulary, and patients type
  endless distinct numbers; with the digits masked the vocabulary only grows
  with new words, which it stops doing (see ``README.md`` for the measure).
  The word classes of ``patterns.py`` ("A6", "S7", "CA19-9") are read from
  the unmasked text.
* **spaCy is imported without TensorFlow** where TensorFlow is not loaded yet
  (the action server, scripts, tests of the screening). spaCy's ML library,
  thinc, imports TensorFlow whenever it is installed, and Rasa installs it;
  the tokenizer and the Matcher never use it. Measured on this project's
  machine (``README.md`` of this package): the first extraction in a fresh
  process (the action server's first screening answer) costs 1.3-1.4 s of CPU
  with TensorFlow kept out and 3.8-4.9 s without. thinc offers no setting
  for this, so :func:`_spacy_without_tensorflow` hides TensorFlow from that
  one import and puts everything back right after; in the Rasa server, which
  has loaded TensorFlow already, it does nothing.
"""

from __future__ import annotations

import importlib
import re
import sys
import threading
from types import ModuleType
from typing import TYPE_CHECKING, Tuple

from bot.nlp.labs import patterns as P

if TYPE_CHECKING:  # pragma: no cover - spaCy is imported on first use (above)
    from spacy.language import Language
    from spacy.matcher import Matcher
    from spacy.tokens import Doc

_PIPELINE: Tuple[Language, Matcher] | None = None
_LOCK = threading.Lock()

#: Extra tokenizer infixes (see the module docstring).
EXTRA_INFIXES = (
    r"[:=;()\[\]]",
    r"(?<=[0-9])(?=[a-zA-Z%])",
    r"(?<=[a-zA-Z])-(?=[0-9])",
    r"(?<=[a-zA-Z]{3})(?=[0-9])",
)

# The digits of a number of several digits ("34", "1.2", "1,20,000") read as
# 0 for spaCy ("00", "1.0", "1,00,000"); a digit standing alone is left as it
# is, so that tokenizer exceptions such as the emoticon "<3" stay what they
# were (the extractor never reads numbers from spaCy's tokens).
_MASKED_DIGIT = re.compile(r"(?<=[0-9])[0-9]|(?<=[0-9][.,])[0-9]|[0-9](?=[0-9])")


def _spacy_without_tensorflow() -> ModuleType:
    """Import spaCy, keeping thinc from importing TensorFlow (measured above)."""
    if "thinc" in sys.modules or "tensorflow" in sys.modules:
        return importlib.import_module("spacy")
    sys.modules["tensorflow"] = None  # type: ignore[assignment]
    try:
        return importlib.import_module("spacy")
    finally:
        if sys.modules.get("tensorflow", False) is None:
            del sys.modules["tensorflow"]


def _build() -> Tuple[Language, Matcher]:
    spacy = _spacy_without_tensorflow()
    from spacy.matcher import Matcher  # loaded with spaCy just above
    from spacy.util import compile_infix_regex

    nlp = spacy.blank("en")
    infixes = list(nlp.Defaults.infixes or []) + list(EXTRA_INFIXES)
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    matcher = Matcher(nlp.vocab, validate=True)
    for label, token_patterns in P.all_patterns().items():
        matcher.add(label, token_patterns)
    return nlp, matcher


def pipeline() -> Tuple[Language, Matcher]:
    """Return the blank English pipeline and its Matcher, built on first use."""
    global _PIPELINE
    if _PIPELINE is None:
        with _LOCK:
            if _PIPELINE is None:
                _PIPELINE = _build()
    return _PIPELINE


def tokenise(text: str) -> Doc:
    """Tokenise normalised ``text``, digits masked, word classes in ``NORM``.

    Args:
        text: normalised text (``units.normalise_text``).

    Returns:
        The spaCy ``Doc``; its tokens have the offsets of ``text``, and the
        ``NORM`` of each word of a class of ``patterns.py`` is that class.

    """
    nlp, _ = pipeline()
    doc = nlp(_MASKED_DIGIT.sub("0", text))
    for token in doc:
        name = P.word_class(text[token.idx : token.idx + len(token)])
        if name is not None:
            token.norm_ = name
    return doc


def match(doc: Doc) -> list:
    """Run the Matcher on ``doc``: ``[(label, first token, end token), ...]``."""
    _, matcher = pipeline()
    strings = doc.vocab.strings
    return [(strings[match_id], start, end) for match_id, start, end in matcher(doc)]
