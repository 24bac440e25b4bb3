"""LabValueExtractor in a Rasa 3.6 NLU pipeline: entities as Rasa's own extractors."""

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlp import extract_labs
from bot.nlp.labs.rasa_component import LabValueExtractor


def _component(tmp_path, config=None):
    return LabValueExtractor.create(
        {**LabValueExtractor.get_default_config(), **(config or {})},
        LocalModelStorage(tmp_path),
        Resource("lab_values"),
        ExecutionContext(graph_schema=None, node_name="lab_values"),
    )


def _entities(component, text, existing=None):
    data = {"text": text}
    if existing is not None:
        data["entities"] = existing
    message = Message(data=data)
    component.process([message])
    return message.get("entities") or []


PUBLIC = "Bilirubin 34 umol/L, plt 1.2 lakh, two lesions, biggest 28 mm"


def test_one_entity_per_field_with_canonical_value_and_span(tmp_path):
    entities = _entities(_component(tmp_path), PUBLIC)
    by_name = {e["entity"]: e for e in entities}
    assert {name: e["value"] for name, e in by_name.items()} == {
        "bilirubin_mg_dl": 1.99,
        "platelets_per_ul": 120000,
        "lesion_count": 2,
        "max_lesion_cm": 2.8,
    }
    assert (
        PUBLIC[by_name["bilirubin_mg_dl"]["start"] : by_name["bilirubin_mg_dl"]["end"]]
        == "34 umol/L"
    )
    assert (
        PUBLIC[
            by_name["platelets_per_ul"]["start"] : by_name["platelets_per_ul"]["end"]
        ]
        == "1.2 lakh"
    )
    assert (
        PUBLIC[by_name["lesion_count"]["start"] : by_name["lesion_count"]["end"]]
        == "two"
    )
    assert (
        PUBLIC[by_name["max_lesion_cm"]["start"] : by_name["max_lesion_cm"]["end"]]
        == "28 mm"
    )
    assert {e["extractor"] for e in entities} == {"LabValueExtractor"}


@pytest.mark.parametrize(
    "text",
    [
        "albumin 31 g/L, INR 1.4",
        "she is child pugh class B, score 7",
        "hepatoma, BCLC stage A",
        "it's 4 mm away from the bile duct",
    ],
)
def test_entities_agree_with_extract_labs(tmp_path, text):
    entities = _entities(_component(tmp_path), text)
    assert {e["entity"]: e["value"] for e in entities} == extract_labs(text)


def test_existing_entities_are_kept(tmp_path):
    other = {"entity": "name", "value": "Asha", "start": 0, "end": 4}
    entities = _entities(_component(tmp_path), "Asha: PLT 65 x10^9/L", [other])
    assert entities[0] == other
    assert [(e["entity"], e["value"]) for e in entities[1:]] == [
        ("platelets_per_ul", 65000)
    ]


@pytest.mark.parametrize(
    "text",
    [
        '/inform{"bilirubin_mg_dl": 2}',
        '/inform{"text": "bilirubin 2.3 mg/dl"}',
        "/faq/cost",
    ],
)
def test_payloads_yield_no_entities(tmp_path, text):
    assert _entities(_component(tmp_path), text) == []


def test_no_entities_for_ordinary_or_hypothetical_text(tmp_path):
    component = _component(tmp_path)
    assert _entities(component, "how much does it cost?") == []
    assert _entities(component, "what if bilirubin is above 2?") == []
    assert _entities(component, "") == []


def test_ambiguous_bilirubin_is_no_entity_by_default(tmp_path):
    assert _entities(_component(tmp_path), "bilirubin 34") == []


def test_ambiguous_entities_when_configured(tmp_path):
    component = _component(tmp_path, {"ambiguous_entities": True})
    entities = _entities(component, "bilirubin 34, platelets 90k")
    assert {e["entity"]: e["value"] for e in entities} == {
        "bilirubin_mg_dl_ambiguous": 34.0,
        "platelets_per_ul": 90000,
    }


def test_training_data_passes_through(tmp_path):
    data = TrainingData(
        training_examples=[Message(data={"text": "hi", "intent": "greet"})]
    )
    assert _component(tmp_path).process_training_data(data) is data
