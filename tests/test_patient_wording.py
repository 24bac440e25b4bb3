"""Answers speak about the patient: "you", "your father", or neutral wording.

The slots of bot/nlp/relation.py fill {patient_ref} and {patient_poss} in the
responses. These tests render every response as the three kinds of writer
would see it and check what a reader would notice.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import yaml

from bot.nlp.relation import NEUTRAL_POSS, NEUTRAL_REF, detect_patient

ROOT = Path(__file__).resolve().parent.parent
OWN = [
    "faq.yml",
    "general.yml",
    "conversation.yml",
    "understanding.yml",
    "screening.yml",
    "media.yml",
    "handoff.yml",
    "channels.yml",
]
#: Variables the actions pass with utter_message (not slots).
ACTION_VARIABLES = {"subject", "title"} | {
    # the handoff's (actions/handoff.py): who, when, how to reach the patient
    "contact",
    "hours",
    "name",
    "reopen",
    "reply_time",
    "timezone",
    "when",
    # the screening's (bot/screening): what was read, noted, corrected …
    "screening_readback",
    "field_label",
    "value",
    "noted",
    "corrected",
    "child_pugh",
    "reasons",
    "next_steps",
    "notes",
    "unchanged",
    "fields",
}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _texts() -> List[Tuple[str, str]]:
    found = []
    for name in OWN:
        doc = yaml.safe_load((ROOT / "data" / "responses" / name).read_text())
        for response, variants in doc["responses"].items():
            for variant in variants:
                found.append((response, variant.get("text") or ""))
    return found


TEXTS = _texts()
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def _render(text: str, relation_message: str | None) -> str:
    patient = detect_patient(relation_message) if relation_message else None
    values: Dict[str, str] = {
        "patient_ref": patient.ref if patient else NEUTRAL_REF,
        "patient_poss": patient.poss if patient else NEUTRAL_POSS,
        "subject": "insurance",
        "title": "cost",
    }
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), "…"), text)


def test_every_placeholder_is_a_slot_or_an_action_variable():
    slots = set(DOMAIN["slots"])
    for response, text in TEXTS:
        for name in PLACEHOLDER.findall(text):
            assert name in slots | ACTION_VARIABLES, (response, name)


def test_the_neutral_wording_is_the_slots_initial_value():
    slots = DOMAIN["slots"]
    assert slots["patient_ref"]["initial_value"] == NEUTRAL_REF
    assert slots["patient_poss"]["initial_value"] == NEUTRAL_POSS


@pytest.mark.parametrize("response, text", TEXTS)
def test_the_patient_never_starts_a_sentence(response, text):
    # "your father will" would need a capital letter there.
    assert not re.search(r"(?:^|[.!?]\s+|\n\s*(?:- )?)\{patient_", text), response


def test_enough_answers_speak_about_the_patient():
    with_patient = {r for r, t in TEXTS if "{patient_" in t}
    assert len(with_patient) >= 20
    assert "utter_faq/cirrhosis" in with_patient


@pytest.mark.parametrize(
    "writer, expected",
    [
        ("my father has hcc", "should evaluate your father before ablation"),
        ("I have liver cancer", "should evaluate you before ablation"),
        (None, "should evaluate the patient before ablation"),
    ],
)
def test_the_cirrhosis_answer_speaks_about_whoever_is_the_patient(writer, expected):
    (text,) = [t for r, t in TEXTS if r == "utter_faq/cirrhosis"]
    assert expected in _render(text, writer)


@pytest.mark.parametrize("writer", ["meri maa ko cancer hai", "i have hcc", None])
def test_no_answer_addresses_a_relative_as_the_patient(writer):
    for response, text in TEXTS:
        rendered = _render(text, writer)
        assert "{" not in rendered, response
        if writer and "maa" in writer and "{patient_" in text:
            assert "your mother" in rendered, response


@pytest.mark.parametrize(
    "response, writer, expected",
    [
        ("utter_ask_bilirubin_mg_dl", "my father has hcc", "your father's total"),
        ("utter_ask_platelets_per_ul", "meri maa ko cancer hai", "your mother's"),
        ("utter_ask_inr", "I have liver cancer", "What is your INR?"),
        ("utter_ask_albumin_g_dl", None, "the patient's albumin"),
        ("utter_ask_health_consent", "my husband has hcc", "review your husband's"),
    ],
)
def test_the_screening_questions_ask_about_whoever_is_the_patient(
    response, writer, expected
):
    (text,) = [t for r, t in TEXTS if r == response]
    assert expected in " ".join(_render(text, writer).split())
