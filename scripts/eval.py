"""`make eval`: how well the bot understands messages it was never trained on.

Two held-out sets in ``tests/nlu/`` (never trained on):

* **paraphrases**: ``heldout_faq.yml`` + ``heldout_general.yml``, written by the
  team that wrote the training data;
* **realistic**: ``heldout_realistic.yml``, written the way patients and
  relatives type (long stories, typos, SMS spelling, Hinglish, emoji,
  near-domain out-of-scope questions, feelings, relatives).

Two systems, trained on the same examples (``data/nlu/``):

* **baseline**: TF-IDF of word 1–2-grams and ``char_wb`` 1–4-grams, sublinear
  tf, logistic regression with C=20; below the product's fallback threshold
  its answer counts as the clarifying question too;
* **product**: the trained Rasa model loaded in process, the full NLU
  pipeline (scope check, classifier, fallback, urgent-symptom guard).

Figures (``results/eval/summary.json``):

* ``macro_f1``: F1 per gold label (FAQ topics and intents), averaged;
* ``faq_accuracy``: FAQ questions answered with the right topic;
* ``oos_recall``: out-of-scope or not-covered questions answered as such
  (``out_of_scope`` or ``not_covered``: both say honestly that the bot cannot
  answer and offer a coordinator);
* ``urgent_recall`` and ``false_alarms`` (non-urgent messages taken for an
  emergency);
* ``confident_wrong``: share of all messages answered with a wrong label at a
  confidence above the fallback threshold, i.e. not turned into the
  clarifying question (``out_of_scope`` and ``not_covered`` count as one);
* ``clarified``: share of messages that got the clarifying question.

Usage: ``python -m scripts.eval [--model models/cryo.tar.gz] [--errors]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "nlu"
SETS = {
    "paraphrases": [HELDOUT / "heldout_faq.yml", HELDOUT / "heldout_general.yml"],
    "realistic": [HELDOUT / "heldout_realistic.yml"],
}
RESULTS = ROOT / "results" / "eval"
FALLBACK = "nlu_fallback"
URGENT = "urgent_symptoms"
#: Both answers say the bot cannot answer this and offer a coordinator.
OUT_OF_SCOPE = frozenset({"out_of_scope", "not_covered"})

Examples = Tuple[List[str], List[str]]


def load_examples(*paths: Path) -> Examples:
    """Texts and flat labels (``faq/<topic>`` or the intent) of NLU files."""
    from rasa.shared.nlu.training_data.loading import load_data

    texts: List[str] = []
    labels: List[str] = []
    for path in paths:
        data = load_data(str(path))
        for example in data.intent_examples:
            texts.append(example.get("text"))
            labels.append(example.get("intent_response_key") or example.get("intent"))
    return texts, labels


def fallback_threshold() -> float:
    """The FallbackClassifier's threshold in config.yml."""
    import yaml

    config = yaml.safe_load((ROOT / "config.yml").read_text())
    for component in config["pipeline"]:
        if component["name"] == "FallbackClassifier":
            return float(component["threshold"])
    raise ValueError("no FallbackClassifier in config.yml")


def _same(gold: str, predicted: str) -> bool:
    return gold == predicted or (gold in OUT_OF_SCOPE and predicted in OUT_OF_SCOPE)


def figures(gold: Sequence[str], predicted: Sequence[str]) -> Dict[str, float]:
    """The figures of the module docstring for one system on one set."""
    from sklearn.metrics import f1_score

    n = len(gold)
    faq = [i for i, g in enumerate(gold) if g.startswith("faq/")]
    oos = [i for i, g in enumerate(gold) if g in OUT_OF_SCOPE]
    urgent = [i for i, g in enumerate(gold) if g == URGENT]
    labels = sorted(set(gold))
    return {
        "messages": n,
        "macro_f1": float(
            f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)
        ),
        "faq_accuracy": sum(gold[i] == predicted[i] for i in faq) / max(1, len(faq)),
        "oos_recall": sum(predicted[i] in OUT_OF_SCOPE for i in oos) / max(1, len(oos)),
        "urgent_recall": sum(predicted[i] == URGENT for i in urgent)
        / max(1, len(urgent)),
        "false_alarms": sum(
            1
            for g, p in zip(gold, predicted, strict=True)
            if p == URGENT and g != URGENT
        ),
        "confident_wrong": sum(
            1
            for g, p in zip(gold, predicted, strict=True)
            if p != FALLBACK and not _same(g, p)
        )
        / n,
        "clarified": sum(1 for p in predicted if p == FALLBACK) / n,
    }


def baseline(train: Examples, threshold: float) -> Callable[[List[str]], List[str]]:
    """The strong plain baseline of issue 14, trained on ``train``."""
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True)
    features = hstack([word.fit_transform(train[0]), char.fit_transform(train[0])])
    model = LogisticRegression(C=20.0, max_iter=5000)
    model.fit(features.tocsr(), train[1])

    def predict(texts: List[str]) -> List[str]:
        x = hstack([word.transform(texts), char.transform(texts)]).tocsr()
        probs = model.predict_proba(x)
        return [
            str(model.classes_[row.argmax()]) if row.max() >= threshold else FALLBACK
            for row in probs
        ]

    return predict


def label_of(parse: dict) -> str:
    """The label a Rasa parse result answers with (``faq/<topic>`` for the FAQ)."""
    intent = (parse.get("intent") or {}).get("name") or ""
    if intent == "faq":
        selector = (parse.get("response_selector") or {}).get("faq") or {}
        key = (selector.get("response") or {}).get("intent_response_key")
        return key or intent
    return intent


def product(model: Path) -> Callable[[List[str]], List[str]]:
    """The trained Rasa model's full NLU pipeline, loaded in this process."""
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    agent = Agent.load(str(model))

    def predict(texts: List[str]) -> List[str]:
        async def run() -> List[str]:
            return [label_of(await agent.parse_message(t)) for t in texts]

        return asyncio.run(run())

    return predict


COLUMNS = [
    ("macro_f1", "macro-F1", "{:.3f}"),
    ("faq_accuracy", "FAQ acc", "{:.3f}"),
    ("oos_recall", "OOS rec", "{:.3f}"),
    ("urgent_recall", "urgent rec", "{:.3f}"),
    ("false_alarms", "false alarms", "{:d}"),
    ("confident_wrong", "conf. wrong", "{:.1%}"),
    ("clarified", "clarified", "{:.1%}"),
]


def main(argv: Sequence[str] = ()) -> int:
    """Print the comparison table; write it to results/eval/summary.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default=str(ROOT / "models" / "cryo.tar.gz"))
    parser.add_argument(
        "--errors", action="store_true", help="list the product's mistakes"
    )
    args = parser.parse_args(argv)
    # Rasa repeats domain and data warnings on every load: they are not results.
    warnings.filterwarnings("ignore")

    threshold = fallback_threshold()
    train = load_examples(*sorted((ROOT / "data" / "nlu").glob("*.yml")))
    systems = {
        "baseline: TF-IDF word+char_wb, LR C=20": baseline(train, threshold),
        "product: Rasa model, full NLU pipeline": product(Path(args.model)),
    }
    print(f"\nTraining set: {len(train[0])} examples in data/nlu/")
    print(f"Fallback threshold: {threshold}\n")
    summary: Dict[str, dict] = {}
    for set_name, paths in SETS.items():
        texts, gold = load_examples(*paths)
        print(f"{set_name}: {len(texts)} messages")
        print(f"  {'':40}" + "".join(f"{title:>13}" for _, title, _ in COLUMNS))
        summary[set_name] = {}
        for name, predict in systems.items():
            predicted = predict(texts)
            row = figures(gold, predicted)
            summary[set_name][name] = row
            cells = "".join(f"{fmt.format(row[key]):>13}" for key, _, fmt in COLUMNS)
            print(f"  {name:40}{cells}")
            if args.errors and name.startswith("product"):
                for text, g, p in zip(texts, gold, predicted, strict=True):
                    if not _same(g, p):
                        print(f"      {g:28} -> {p:28} {text}")
        print()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
