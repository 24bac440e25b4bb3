"""The guard after the FallbackClassifier: urgent wins, false alarms are demoted."""

from pathlib import Path

import pytest
import yaml
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.urgent_component import UrgentSymptomGuard

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def guard(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(graph_schema=None, node_name="guard")
    return UrgentSymptomGuard.create({}, storage, Resource("guard"), context)


def _message(text, ranking):
    """A message as the classifier and the FallbackClassifier leave it."""
    message = Message(data={"text": text})
    ranking = [{"name": name, "confidence": conf} for name, conf in ranking]
    message.set("intent", dict(ranking[0]), add_to_output=True)
    message.set("intent_ranking", ranking, add_to_output=True)
    return message


def _names(message):
    return [entry["name"] for entry in message.get("intent_ranking")]


def test_a_described_emergency_overrides_nlu_fallback(guard):
    message = _message(
        "my dad is bleeding from the wound since the procedure",
        [("nlu_fallback", 0.3), ("faq", 0.25), ("urgent_symptoms", 0.22)],
    )
    guard.process([message])
    assert message.get("intent") == {"name": "urgent_symptoms", "confidence": 1.0}
    assert _names(message)[0] == "urgent_symptoms"
    assert _names(message).count("urgent_symptoms") == 1
    output = message.as_dict(only_output_properties=True)
    assert output["urgency"]["level"] == "urgent"
    assert output["urgency"]["signs"] == ["bleeding"]
    assert output["intent"]["name"] == "urgent_symptoms"


def test_an_emergency_the_model_missed_becomes_urgent(guard):
    message = _message("mi padre tiene fiebre alta", [("other_language", 1.0)])
    guard.process([message])
    assert message.get("intent")["name"] == "urgent_symptoms"
    assert _names(message) == ["urgent_symptoms", "other_language"]


def test_a_question_the_model_took_for_urgent_is_demoted(guard):
    message = _message(
        "what are the risks, can it cause bleeding?",
        [("urgent_symptoms", 0.55), ("faq", 0.40), ("out_of_scope", 0.05)],
    )
    guard.process([message])
    assert message.get("intent") == {"name": "faq", "confidence": 0.40}
    assert _names(message) == ["faq", "out_of_scope"]
    assert message.get("urgency")["level"] == "not_urgent"


def test_a_demoted_prediction_with_nothing_else_ranked_asks_for_clarification(guard):
    message = _message(
        "is fever normal after cryoablation?", [("urgent_symptoms", 0.9)]
    )
    guard.process([message])
    assert message.get("intent")["name"] == "nlu_fallback"


@pytest.mark.parametrize(
    "ranking",
    [
        [("urgent_symptoms", 0.7), ("faq", 0.2)],
        [("faq", 0.7), ("urgent_symptoms", 0.2)],
    ],
)
def test_an_unclear_message_keeps_the_model_prediction(guard, ranking):
    message = _message("my father has cirrhosis with ascites", ranking)
    guard.process([message])
    assert message.get("intent")["name"] == ranking[0][0]
    assert message.get("urgency")["level"] == "unclear"


def test_an_ordinary_prediction_is_left_alone(guard):
    message = _message("how much does it cost", [("faq", 0.8), ("out_of_scope", 0.2)])
    guard.process([message])
    assert message.get("intent") == {"name": "faq", "confidence": 0.8}
    assert _names(message) == ["faq", "out_of_scope"]


@pytest.mark.parametrize("payload", ["/faq/risks", "/affirm", '/inform{"x": 1}'])
def test_button_payloads_are_untouched(guard, payload):
    message = _message(payload, [("faq", 1.0)])
    before = dict(message.data)
    guard.process([message])
    assert message.data == before
    assert message.get("urgency") is None


def test_a_button_payload_is_not_read_for_signs(guard):
    message = _message('/inform{"note": "he is bleeding"}', [("inform", 1.0)])
    guard.process([message])
    assert message.get("intent") == {"name": "inform", "confidence": 1.0}


def test_the_urgent_button_payload_is_made_certain(guard):
    message = _message("/urgent_symptoms", [("urgent_symptoms", 0.6), ("faq", 0.4)])
    guard.process([message])
    assert message.get("intent") == {"name": "urgent_symptoms", "confidence": 1.0}
    assert _names(message) == ["urgent_symptoms", "faq"]


def test_several_messages_are_judged_independently(guard):
    urgent = _message("she collapsed", [("greet", 0.9)])
    ordinary = _message("hello", [("greet", 0.9)])
    guard.process([urgent, ordinary])
    assert urgent.get("intent")["name"] == "urgent_symptoms"
    assert ordinary.get("intent")["name"] == "greet"


def test_the_component_is_registered_and_runs_last_in_the_pipeline():
    registered = DefaultV1Recipe._from_registry(
        "bot.nlp.urgent_component.UrgentSymptomGuard"
    )
    assert registered.clazz is UrgentSymptomGuard
    assert not registered.is_trainable
    pipeline = [
        step["name"]
        for step in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    ]
    assert pipeline[-1] == "bot.nlp.urgent_component.UrgentSymptomGuard"
    assert pipeline.index("FallbackClassifier") < len(pipeline) - 1
