"""The responses the screening code sends: they exist, buttons are safe, no figures."""

import pathlib
import re

import yaml

from bot import fields
from bot.channels.guard import is_button_payload
from bot.screening import effects, machine, result, state
from bot.screening.values import CHILD_PUGH_FIELDS, MAIN_FIELDS

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESPONSES = yaml.safe_load((ROOT / "data/responses/screening.yml").read_text())[
    "responses"
]
GENERAL = yaml.safe_load((ROOT / "data/responses/general.yml").read_text())["responses"]


def _constants(module):
    return {
        value
        for name, value in vars(module).items()
        if name.startswith("R_") and isinstance(value, str) and not value.endswith("_")
    }


def test_every_response_the_code_sends_exists():
    needed = _constants(effects) | _constants(machine) | _constants(result)
    needed |= set(result.NEXT_STEPS.values())
    # Every question is asked by a response, except the result (a custom
    # action asks it) and the quiet question after it.
    questions = state.PSEUDO_QUESTIONS - {state.ASK_RESULT, state.NEXT_STEP}
    needed |= {f"utter_ask_{name}" for name in questions}
    needed |= {"utter_ask_health_consent", "utter_ask_child_pugh"}
    needed |= {f"utter_ask_{name}" for name in MAIN_FIELDS + CHILD_PUGH_FIELDS}
    needed |= {
        f"{effects.R_PREFIX_HELP}{name}" for name in MAIN_FIELDS + CHILD_PUGH_FIELDS
    }
    needed |= {
        f"utter_screening_{outcome}"
        for outcome in ("likely_suitable", "needs_review", "unlikely_suitable")
    }
    needed |= {"utter_screening_stopped"}
    assert sorted(needed - set(RESPONSES) - set(GENERAL)) == []


def test_no_question_has_a_response_of_the_quiet_name():
    # After the result nothing is asked: Rasa asks a question only when a
    # response (or action) of its name exists.
    assert f"utter_ask_{state.NEXT_STEP}" not in RESPONSES
    assert f"utter_ask_{state.ASK_RESULT}" not in RESPONSES


def test_template_variables_are_the_ones_the_code_fills():
    allowed = {"screening_readback", "field_label", "value", "noted", "corrected"}
    allowed |= {"child_pugh", "reasons", "next_steps", "notes", "unchanged"}
    allowed |= {"fields"}
    for name, variants in RESPONSES.items():
        for variant in variants:
            used = set(re.findall(r"{(\w+)}", variant["text"]))
            assert used <= allowed, name


def test_buttons_send_only_plain_words_or_allowed_payloads():
    for name, variants in RESPONSES.items():
        for variant in variants:
            for button in variant.get("buttons", []):
                payload = button["payload"]
                assert not payload.startswith("/") or is_button_payload(payload), (
                    name,
                    payload,
                )


def test_consent_question_offers_yes_and_no():
    (consent,) = RESPONSES["utter_ask_health_consent"]
    assert [b["payload"] for b in consent["buttons"]] == ["/affirm", "/deny"]


def test_the_read_back_offers_all_correct_and_change_something():
    (check,) = RESPONSES["utter_ask_screening_check"]
    assert [b["title"] for b in check["buttons"]] == ["All correct", "Change something"]
    assert "{screening_readback}" in check["text"]


def test_results_that_need_a_specialist_offer_a_coordinator():
    (offer,) = RESPONSES["utter_screening_offer_coordinator"]
    assert "/request_human" in [b["payload"] for b in offer["buttons"]]


def test_every_result_says_it_is_not_a_medical_decision():
    (disclaimer,) = RESPONSES["utter_not_a_medical_decision"]
    assert "not a medical decision" in disclaimer["text"]


def test_no_figure_in_a_screening_response():
    # Questions describe where a value is; they never show an example number
    # (the source document must state every figure a response shows).
    for name, variants in RESPONSES.items():
        for variant in variants:
            assert not re.search(r"\d", variant["text"]), name


def test_the_words_for_a_field_come_from_the_registry_only():
    # A response may use {field_label}; it never spells a field's label out
    # in a sentence built around it ("continue without the platelet count").
    for name in ("utter_screening_field_skipped", "utter_screening_value_dropped"):
        (variant,) = RESPONSES[name]
        assert "{field_label}" in variant["text"]
        for spec in fields.FIELDS:
            assert spec.label not in variant["text"]
