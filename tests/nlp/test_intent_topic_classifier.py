"""The Rasa component: output has the shape Rasa's own components produce."""

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp.intent_topic_classifier import IntentTopicClassifier


def _example(text, intent, response_key=None):
    data = {"text": text, "intent": intent}
    if response_key:
        data["intent_response_key"] = f"{intent}/{response_key}"
    return Message(data=data)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    resource = Resource("topic")
    context = ExecutionContext(graph_schema=None, node_name="topic")
    component = IntentTopicClassifier.create({}, storage, resource, context)
    examples = (
        [
            _example(t, "faq", "cost")
            for t in [
                "how much does it cost",
                "price of the treatment",
                "is it expensive",
                "fees please",
                "can we afford it",
            ]
        ]
        + [
            _example(t, "faq", "pain")
            for t in [
                "does it hurt",
                "is it painful",
                "will I feel pain",
                "pain after it",
                "sore afterwards?",
            ]
        ]
        + [_example(t, "greet") for t in ["hello", "hi", "good morning", "hey", "hiya"]]
    )
    component.train(TrainingData(training_examples=examples))
    loaded = IntentTopicClassifier.load({}, storage, resource, context)
    return loaded


def _process(component, text):
    message = Message(data={"text": text})
    component.process([message])
    return message


def test_faq_question_sets_intent_and_response_selector(trained):
    message = _process(trained, "how expensive is it")
    assert message.get("intent")["name"] == "faq"
    selector = message.get("response_selector")
    assert selector["all_retrieval_intents"] == ["faq"]
    response = selector["faq"]["response"]
    assert response["intent_response_key"] == "faq/cost"
    assert response["utter_action"] == "utter_faq/cost"
    assert response["confidence"] == message.get("intent")["confidence"]
    assert [r["intent_response_key"] for r in selector["faq"]["ranking"]][:2] == [
        "faq/cost",
        "faq/pain",
    ]


def test_other_intents_keep_a_topic_ranking_for_clarification(trained):
    message = _process(trained, "hello there")
    assert message.get("intent")["name"] == "greet"
    names = [r["name"] for r in message.get("intent_ranking")]
    assert names == sorted(set(names), key=names.index)  # each intent once
    assert set(names) == {"greet", "faq"}


def test_quick_reply_payload_selects_its_topic_with_certainty(trained):
    message = _process(trained, "/faq/pain")
    assert message.get("intent") == {"name": "faq", "confidence": 1.0}
    assert message.get("response_selector")["faq"]["response"]["utter_action"] == (
        "utter_faq/pain"
    )


@pytest.mark.parametrize(
    "text", ["我父亲有肝癌，可以冷冻治疗吗", "هل العلاج مؤلم", "क्या दर्द होता है"]
)
def test_non_latin_scripts_get_other_language(trained, text):
    message = _process(trained, text)
    assert message.get("intent") == {"name": "other_language", "confidence": 1.0}
