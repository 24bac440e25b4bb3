"""`make eval`: how well the bot understands questions it was never trained on.

Reports, on the held-out paraphrases in ``tests/nlu/`` (never trained on):

* the trained Rasa model, through ``rasa test nlu`` (the full pipeline: the
  fallback, the urgent-symptom guard and all), intent and response-selection
  precision / recall / F1;
* a plain baseline trained on the same examples: TF-IDF word unigrams and
  bigrams + logistic regression, scored the same way, with sklearn's default
  regularisation and with the best of a few values (a fairer opponent);
* the product's topic model alone, without the fallback threshold.

Usage: ``python -m scripts.eval [--skip-rasa]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
HELDOUT = ROOT / "tests" / "nlu"
RESULTS = ROOT / "results" / "eval"


def load_examples(path: Path) -> Tuple[List[str], List[str]]:
    """Texts and flat labels (``faq/<topic>`` or the intent) of NLU data."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    texts, labels = [], []
    for example in data.intent_examples:
        texts.append(example.get("text"))
        labels.append(example.get("intent_response_key") or example.get("intent"))
    return texts, labels


def scores(gold: Sequence[str], predicted: Sequence[str]) -> Dict[str, float]:
    """Weighted precision, recall, F1 and accuracy (as ``rasa test nlu`` reports)."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    p, r, f, _ = precision_recall_fscore_support(
        gold, predicted, average="weighted", zero_division=0
    )
    return {
        "precision": round(float(p), 3),
        "recall": round(float(r), 3),
        "f1": round(float(f), 3),
        "accuracy": round(float(accuracy_score(gold, predicted)), 3),
    }


def split_scores(gold: Sequence[str], predicted: Sequence[str]) -> Dict[str, dict]:
    """Intent scores (topics folded into ``faq``) and response-selection scores."""
    intent = scores(
        [g.split("/")[0] for g in gold], [p.split("/")[0] for p in predicted]
    )
    faq_idx = [i for i, g in enumerate(gold) if g.startswith("faq/")]
    response = scores([gold[i] for i in faq_idx], [predicted[i] for i in faq_idx])
    return {"intent": intent, "response_selection": response}


def baseline(
    train: Tuple[List[str], List[str]],
    test: Tuple[List[str], List[str]],
    c: float = 1.0,
):
    """TF-IDF (word 1-2-grams) + logistic regression, sklearn defaults but ``C``."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
        LogisticRegression(C=c, max_iter=3000),
    )
    model.fit(*train)
    return list(model.predict(test[0]))


def topic_model(train: Tuple[List[str], List[str]], test: Tuple[List[str], List[str]]):
    """The product's classifier alone (no fallback), for quick tuning."""
    from bot.nlp.topic_model import TopicModel

    model = TopicModel.fit(*train)
    return [model.rank(t, top=1)[0][0] for t in test[0]]


def rasa_scores(model: Path) -> Dict[str, dict]:
    """Run ``rasa test nlu`` on the held-out set and read its reports."""
    out = RESULTS / "rasa"
    cmd = [
        str(ROOT / ".venv" / "bin" / "rasa"),
        "test",
        "nlu",
        "--nlu",
        str(HELDOUT),
        "--model",
        str(model),
        "--out",
        str(out),
        "--quiet",
    ]
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
    intent = json.loads((out / "intent_report.json").read_text())
    response = json.loads((out / "response_selection_report.json").read_text())

    def pick(report: dict) -> Dict[str, float]:
        w = report["weighted avg"]
        return {
            "precision": round(w["precision"], 3),
            "recall": round(w["recall"], 3),
            "f1": round(w["f1-score"], 3),
            "accuracy": round(report.get("accuracy", float("nan")), 3),
        }

    return {"intent": pick(intent), "response_selection": pick(response)}


def main(argv: Sequence[str] = ()) -> int:
    """Print the comparison table; write it to results/eval/summary.json."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-rasa", action="store_true")
    parser.add_argument("--model", default=str(ROOT / "models" / "cryo.tar.gz"))
    args = parser.parse_args(argv)

    train = load_examples(ROOT / "data" / "nlu")
    test = load_examples(HELDOUT)
    rows = {
        "baseline: TF-IDF + logistic regression": split_scores(
            test[1], baseline(train, test)
        ),
        "baseline, regularisation tuned (C=100)": split_scores(
            test[1], baseline(train, test, c=100.0)
        ),
        "topic model alone (no fallback)": split_scores(
            test[1], topic_model(train, test)
        ),
    }
    if not args.skip_rasa:
        rows["Rasa model (full pipeline, rasa test nlu)"] = rasa_scores(
            Path(args.model)
        )

    print(f"\nHeld-out set: {len(test[0])} messages in {HELDOUT.relative_to(ROOT)}/")
    print(f"Training set: {len(train[0])} examples in data/nlu/\n")
    header = f"{'':44} {'intent P/R/F1':>22} {'response selection P/R/F1':>28}"
    print(header)
    for name, r in rows.items():
        i, s = r["intent"], r["response_selection"]
        print(
            f"{name:44} {i['precision']:>6.3f} {i['recall']:>6.3f} {i['f1']:>6.3f}"
            f"      {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "summary.json").write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
