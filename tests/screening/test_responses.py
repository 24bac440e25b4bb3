"""The responses the screening code sends: they exist, buttons are safe, no figures."""

import pathlib
import re

import yaml

from bot.channels.guard import is_button_payload
from bot.screening import flow, result
from bot.screening.fields import CHILD_PUGH_FIELDS, MAIN_FIELDS

ROOT = pathlib.Path(__file__).resolve().parents[2]
RESPONSES = yaml.safe_load((ROOT / "data/responses/screening.yml").read_text())[
    "responses"
]


def _constants(module):
    return {
        value
        for name, value in vars(module).items()
        if name.startswith("R_") and isinstance(value, str) and not value.endswith("_")
    }


def test_every_response_the_code_sends_exists():
    needed = _constants(flow) | _constants(result)
    needed |= {f"utter_ask_{name}" for name in flow.PSEUDO_QUESTIONS}
    needed |= {"utter_ask_health_consent", "utter_ask_child_pugh"}
    needed |= {f"utter_ask_{name}" for name in MAIN_FIELDS + CHILD_PUGH_FIELDS}
    needed |= {
        f"{flow.R_PREFIX_HELP}{name}" for name in MAIN_FIELDS + CHILD_PUGH_FIELDS
    }
    needed |= {
        f"utter_screening_{outcome}"
        for outcome in ("likely_suitable", "needs_review", "unlikely_suitable")
    }
    needed |= {"utter_screening_no_consent", "utter_screening_stopped"}
    needed |= {"utter_screening_error"}
    assert sorted(needed - set(RESPONSES)) == []


def test_template_variables_are_the_ones_the_code_fills():
    allowed = {"screening_readback", "field_label", "value", "noted", "corrected"}
    allowed |= {"child_pugh", "reasons", "next_steps", "notes"}
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
