"""The realistic held-out set stays held out and covers the kinds it claims."""

from collections import Counter
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

ROOT = Path(__file__).resolve().parents[2]
REALISTIC = ROOT / "tests" / "nlu" / "heldout_realistic.yml"
SPEC = ROOT / "reference" / "spec" / "faq_topics.md"


def _examples(path):
    data = load_data(str(path))
    return [
        (e.get("intent_response_key") or e.get("intent"), e.get("text"))
        for e in data.intent_examples
    ]


def _normal(text):
    return " ".join(text.lower().split())


def test_no_realistic_message_is_in_the_training_data():
    training = {
        _normal(text)
        for path in sorted((ROOT / "data" / "nlu").glob("*.yml"))
        for _, text in _examples(path)
    }
    leaked = [t for _, t in _examples(REALISTIC) if _normal(t) in training]
    assert leaked == []


def test_the_set_is_large_and_covers_every_kind_of_message():
    examples = _examples(REALISTIC)
    counts = Counter(label.split("/")[0] for label, _ in examples)
    assert len(examples) >= 250
    assert counts["faq"] >= 150
    assert counts["out_of_scope"] >= 30
    assert counts["not_covered"] >= 10
    assert counts["feelings"] >= 10
    assert counts["urgent_symptoms"] >= 10
    topics = {label for label, _ in examples if label.startswith("faq/")}
    assert len(topics) == 33


def test_no_duplicates_inside_the_set():
    texts = Counter(_normal(t) for _, t in _examples(REALISTIC))
    assert [t for t, n in texts.items() if n > 1] == []
