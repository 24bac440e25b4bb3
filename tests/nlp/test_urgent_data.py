"""The rules agree with the NLU data: every urgent example is caught, nothing else.

Reads every NLU file in data/nlu/ and tests/nlu/ (training and held-out, the
FAQ files included), so a new ordinary question that the rules would take for
an emergency fails here.
"""

from collections import Counter
from pathlib import Path

import pytest
from rasa.shared.nlu.training_data.loading import load_data

from bot.nlp.urgent import assess_urgency

ROOT = Path(__file__).resolve().parents[2]
NLU_FILES = sorted((ROOT / "data" / "nlu").glob("*.yml")) + sorted(
    (ROOT / "tests" / "nlu").glob("*.yml")
)
TRAINING = ROOT / "data" / "nlu" / "general.yml"
HELDOUT = ROOT / "tests" / "nlu" / "heldout_general.yml"


def _examples(path):
    data = load_data(str(path))
    return [
        (e.get("intent_response_key") or e.get("intent"), e.get("text"))
        for e in data.intent_examples
    ]


@pytest.fixture(scope="module")
def labelled():
    return {path: _examples(path) for path in NLU_FILES}


def test_both_of_our_files_are_read():
    assert TRAINING in NLU_FILES and HELDOUT in NLU_FILES


def test_every_urgent_example_is_detected(labelled):
    urgent = [
        (path.name, text)
        for path, examples in labelled.items()
        for label, text in examples
        if label == "urgent_symptoms"
    ]
    assert len(urgent) >= 70
    missed = [
        (name, text) for name, text in urgent if not assess_urgency(text).is_urgent
    ]
    assert missed == []


def test_no_other_example_is_taken_for_an_emergency(labelled):
    others = [
        (path.name, label, text)
        for path, examples in labelled.items()
        for label, text in examples
        if label != "urgent_symptoms"
    ]
    assert len(others) >= 400
    false_alarms = [o for o in others if assess_urgency(o[2]).is_urgent]
    assert false_alarms == []


MINIMUM = {
    "greet": 25,
    "goodbye": 25,
    "thank": 25,
    "affirm": 25,
    "deny": 25,
    "bot_challenge": 25,
    "check_eligibility": 25,
    "inform": 60,
    "request_human": 25,
    "urgent_symptoms": 50,
    "out_of_scope": 50,
    "dont_know": 25,
    "stop": 25,
    "delete_data": 25,
    "withdraw_consent": 25,
}


def test_training_file_covers_every_conversation_intent():
    counts = Counter(label for label, _ in _examples(TRAINING))
    short = {i: counts[i] for i, n in MINIMUM.items() if counts[i] < n}
    assert short == {}


def test_heldout_file_covers_every_intent_and_symptom_questions():
    examples = _examples(HELDOUT)
    counts = Counter(label for label, _ in examples)
    short = {i: counts[i] for i in MINIMUM if counts[i] < 8}
    assert short == {}
    assert counts["urgent_symptoms"] >= 20
    faq = [text for label, text in examples if label.startswith("faq/")]
    assert len(faq) >= 20


@pytest.mark.parametrize("path", [TRAINING, HELDOUT])
def test_no_duplicate_examples(path):
    texts = Counter(text.lower().strip() for _, text in _examples(path))
    assert [t for t, n in texts.items() if n > 1] == []


def test_heldout_examples_are_never_trained_on():
    training = {
        text.lower().strip()
        for path in sorted((ROOT / "data" / "nlu").glob("*.yml"))
        for _, text in _examples(path)
    }
    leaked = [t for _, t in _examples(HELDOUT) if t.lower().strip() in training]
    assert leaked == []
