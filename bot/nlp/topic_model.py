"""A flat linear classifier over intents and FAQ topics, with no TensorFlow.

One model chooses among every label at once ("greet", "inform", "faq/risks",
"faq/cost", …). Deciding intent and topic together means the confidence the
fallback looks at is the confidence in the *answer* that would be given, and
the two most likely topics are at hand for a clarifying question.

Two views of each message are classified and their probabilities averaged
(chosen by measurement on the held-out sets, see README "Model and
measurements"):

* **prepared**: word 1–2-grams and character 2–5-grams (robust to
  misspellings) over :func:`bot.nlp.text_features.prepare` (glosses of SMS
  and Hinglish words, concept tokens), balanced class weights;
* **plain**: word 1–2-grams and ``char_wb`` 1–4-grams of the lower-cased
  text as typed, unweighted.

The two disagree on messages unlike the training data, so averaging them
lowers the confidence exactly where a wrong answer is likely; the fallback
then asks instead of guessing. The model is saved as plain arrays and JSON
(no pickle), so loading a model file never runs code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlp.text_features import prepare

WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
PLAIN_CHAR_NGRAMS = (1, 4)


@dataclass
class TopicModel:
    """Fitted vectorizers and a multinomial logistic regression."""

    word_vectorizer: object
    char_vectorizer: object
    classifier: object
    plain_word_vectorizer: object
    plain_char_vectorizer: object
    plain_classifier: object

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

        plain = [t.lower() for t in texts]
        plain_word, plain_char = _plain_vectorizers()
        plain_features = _stack(
            plain_word.fit_transform(plain), plain_char.fit_transform(plain)
        )
        plain_clf = LogisticRegression(C=c, max_iter=5000)
        plain_clf.fit(plain_features, list(labels))
        return cls(word, char, clf, plain_word, plain_char, plain_clf)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities over :attr:`labels` for each text (mean of both views)."""
        prepared = [prepare(t) for t in texts]
        features = _stack(
            self.word_vectorizer.transform(prepared),
            self.char_vectorizer.transform(prepared),
        )
        plain = [t.lower() for t in texts]
        plain_features = _stack(
            self.plain_word_vectorizer.transform(plain),
            self.plain_char_vectorizer.transform(plain),
        )
        return (
            self.classifier.predict_proba(features)
            + self.plain_classifier.predict_proba(plain_features)
        ) / 2

    def rank_many(self, texts: Sequence[str]) -> List[List[Tuple[str, float]]]:
        """Every label of each text, best first (one model call for all)."""
        labels = self.labels
        rankings = []
        for probs in self.predict_proba(list(texts)):
            order = np.argsort(-probs)
            rankings.append([(labels[i], float(probs[i])) for i in order])
        return rankings

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
            "plain_word_vocabulary": _vocab(self.plain_word_vectorizer),
            "plain_char_vocabulary": _vocab(self.plain_char_vectorizer),
        }
        (directory / "topic_model.json").write_text(json.dumps(meta), "utf-8")
        np.savez(
            directory / "topic_model.npz",
            word_idf=self.word_vectorizer.idf_,
            char_idf=self.char_vectorizer.idf_,
            coef=self.classifier.coef_,
            intercept=self.classifier.intercept_,
            plain_word_idf=self.plain_word_vectorizer.idf_,
            plain_char_idf=self.plain_char_vectorizer.idf_,
            plain_coef=self.plain_classifier.coef_,
            plain_intercept=self.plain_classifier.intercept_,
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
        plain_word, plain_char = _plain_vectorizers(
            meta["plain_word_vocabulary"], meta["plain_char_vocabulary"]
        )
        plain_word.idf_ = arrays["plain_word_idf"]
        plain_char.idf_ = arrays["plain_char_idf"]
        return cls(
            word,
            char,
            _classifier(meta["labels"], arrays["coef"], arrays["intercept"]),
            plain_word,
            plain_char,
            _classifier(
                meta["labels"], arrays["plain_coef"], arrays["plain_intercept"]
            ),
        )


def _plain_vectorizers(
    word_vocabulary: Optional[Dict[str, int]] = None,
    char_vocabulary: Optional[Dict[str, int]] = None,
) -> Tuple[object, object]:
    """Vectorizers of the plain view (fitted later, or with saved vocabularies)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    word = TfidfVectorizer(
        ngram_range=WORD_NGRAMS, sublinear_tf=True, vocabulary=word_vocabulary
    )
    char = TfidfVectorizer(
        analyzer="char_wb",
        ngram_range=PLAIN_CHAR_NGRAMS,
        sublinear_tf=True,
        vocabulary=char_vocabulary,
    )
    return word, char


def _classifier(labels: List[str], coef: np.ndarray, intercept: np.ndarray) -> object:
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression()
    clf.classes_ = np.array(labels)
    clf.coef_ = coef
    clf.intercept_ = intercept
    return clf


def _vocab(vectorizer: object) -> Dict[str, int]:
    return {term: int(index) for term, index in vectorizer.vocabulary_.items()}


def _stack(*matrices: object) -> object:
    return hstack(matrices).tocsr()
