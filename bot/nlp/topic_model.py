"""A flat linear classifier over intents and FAQ topics, with no TensorFlow.

One model chooses among every label at once ("greet", "inform", "faq/risks",
"faq/cost", …). Deciding intent and topic together means the confidence the
fallback looks at is the confidence in the *answer* that would be given, and
the two most likely topics are at hand for a clarifying question.

Features are word 1–2-grams and character 2–5-grams (robust to misspellings)
over :func:`bot.nlp.text_features.prepare`. The model is saved as plain
arrays and JSON (no pickle), so loading a model file never runs code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlp.text_features import prepare

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)


@dataclass
class TopicModel:
    """Fitted vectorizers and a multinomial logistic regression."""

    word_vectorizer: object
    char_vectorizer: object
    classifier: object

    @property
    def labels(self) -> List[str]:
        """The labels the model can predict, in the order of its probabilities."""
        return [str(label) for label in self.classifier.classes_]

    @classmethod
    def fit(
        cls, texts: Sequence[str], labels: Sequence[str], c: float = 20.0
    ) -> "TopicModel":
        """Train on example texts and their labels.

        Args:
            texts: training examples as patients typed them.
            labels: one label per example (``"greet"``, ``"faq/risks"`` …).
            c: inverse regularisation strength of the logistic regression.
        """
        prepared = [prepare(t) for t in texts]
        word = TfidfVectorizer(
            analyzer="word",
            ngram_range=WORD_NGRAMS,
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b|__\w+__",
        )
        char = TfidfVectorizer(
            analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True, min_df=2
        )
        features = _stack(word.fit_transform(prepared), char.fit_transform(prepared))
        clf = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
        clf.fit(features, list(labels))
        return cls(word, char, clf)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities over :attr:`labels` for each text."""
        prepared = [prepare(t) for t in texts]
        features = _stack(
            self.word_vectorizer.transform(prepared),
            self.char_vectorizer.transform(prepared),
        )
        return self.classifier.predict_proba(features)

    def rank(self, text: str, top: int = 10) -> List[Tuple[str, float]]:
        """The ``top`` most likely labels for one text, best first."""
        probs = self.predict_proba([text])[0]
        order = np.argsort(-probs)[:top]
        return [(self.labels[i], float(probs[i])) for i in order]

    # -- persistence without pickle ---------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the model as ``topic_model.json`` and ``topic_model.npz``."""
        directory.mkdir(parents=True, exist_ok=True)
        meta = {
            "labels": self.labels,
            "word_vocabulary": _vocab(self.word_vectorizer),
            "char_vocabulary": _vocab(self.char_vectorizer),
        }
        (directory / "topic_model.json").write_text(json.dumps(meta), "utf-8")
        np.savez(
            directory / "topic_model.npz",
            word_idf=self.word_vectorizer.idf_,
            char_idf=self.char_vectorizer.idf_,
            coef=self.classifier.coef_,
            intercept=self.classifier.intercept_,
        )

    @classmethod
    def load(cls, directory: Path) -> "TopicModel":
        """Read a model written by :meth:`save`."""
        meta = json.loads((directory / "topic_model.json").read_text("utf-8"))
        arrays = np.load(directory / "topic_model.npz", allow_pickle=False)
        word = TfidfVectorizer(
            analyzer="word",
            ngram_range=WORD_NGRAMS,
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b|__\w+__",
            vocabulary=meta["word_vocabulary"],
        )
        word.idf_ = arrays["word_idf"]
        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=CHAR_NGRAMS,
            sublinear_tf=True,
            vocabulary=meta["char_vocabulary"],
        )
        char.idf_ = arrays["char_idf"]
        clf = LogisticRegression()
        clf.classes_ = np.array(meta["labels"])
        clf.coef_ = arrays["coef"]
        clf.intercept_ = arrays["intercept"]
        return cls(word, char, clf)


def _vocab(vectorizer: object) -> Dict[str, int]:
    return {term: int(index) for term, index in vectorizer.vocabulary_.items()}


def _stack(*matrices: object) -> object:
    return hstack(matrices).tocsr()
