"""From the form's slots to the result messages, with the real rules."""

import pathlib

import pytest
import yaml

from bot.screening.result import conclude, failure_replies
from bot.screening.values import facts

LIKELY = {
    "health_consent": True,
    "diagnosis": "metastasis",
    "lesion_count": 2.0,  # Rasa may hand a count back as a float
    "max_lesion_cm": 2.5,
    "bilirubin_mg_dl": 1.1,
    "platelets_per_ul": 120000.0,
    "screening_attempts": {"inr": 1},
    "requested_slot": None,
}


def test_only_health_values_reach_the_rules():
    found = facts(LIKELY)
    assert found == {
        "diagnosis": "metastasis",
        "lesion_count": 2,
        "max_lesion_cm": 2.5,
        "bilirubin_mg_dl": 1.1,
        "platelets_per_ul": 120000,
    }
    assert isinstance(found["lesion_count"], int)


def _names(screening):
    return [reply.response for reply in screening.replies]


def test_likely_suitable():
    screening = conclude(LIKELY)
    assert screening.result.outcome == "likely_suitable"
    assert _names(screening) == [
        "utter_screening_likely_suitable",
        "utter_not_a_medical_decision",
        "utter_screening_offer_records",
    ]
    steps = screening.replies[0].variables["next_steps"]
    assert steps.startswith("- Send the imaging")
    # What could not be checked is named (metastasis: no BCLC stage).
    assert "could not check: the distance from the bile duct." in steps
    assert all(line.startswith("- ") for line in steps.splitlines())


def test_needs_review_names_each_reason_and_offers_a_coordinator():
    screening = conclude({**LIKELY, "platelets_per_ul": 40000, "bilirubin_mg_dl": 2.5})
    assert screening.result.outcome == "needs_review"
    assert _names(screening) == [
        "utter_screening_needs_review",
        "utter_not_a_medical_decision",
        "utter_screening_offer_coordinator",
    ]
    reasons = screening.replies[0].variables["reasons"].splitlines()
    assert len(reasons) == 2
    assert any("platelet" in line for line in reasons)
    assert any("bilirubin" in line for line in reasons)
    # Words for the patient, never flag names.
    assert "platelet_transfusion" not in screening.replies[0].variables["reasons"]


def test_unlikely_suitable_offers_a_coordinator():
    slots = {**LIKELY, "diagnosis": "hcc", "child_pugh": "B8"}
    screening = conclude(slots)
    assert screening.result.outcome == "unlikely_suitable"
    assert _names(screening)[0] == "utter_screening_unlikely_suitable"
    assert _names(screening)[-2:] == [
        "utter_not_a_medical_decision",
        "utter_screening_offer_coordinator",
    ]
    assert "Child-Pugh" in screening.replies[0].variables["reasons"]


HCC_B8 = {**LIKELY, "diagnosis": "hcc", "child_pugh": "B8"}


@pytest.mark.parametrize(
    ("computed", "outcome", "source"),
    [(False, "unlikely_suitable", "report"), (True, "needs_review", "computed")],
)
def test_the_screening_passes_where_child_pugh_came_from(computed, outcome, source):
    # The form's state records whether the class was worked out here.
    slots = {**HCC_B8, "screening_state": {"computed": computed}}
    screening = conclude(slots)
    assert screening.values["child_pugh_source"] == source
    assert screening.result.outcome == outcome
    assert "hepatology_review" in screening.result.flags
    reasons = screening.replies[0].variables["reasons"]
    assert ("worked out from the answers given" in reasons) is computed
    assert ("the doctors may grade it differently" in reasons) is computed
    assert "TACE or systemic therapy" in screening.replies[0].variables["next_steps"]


def test_a_computed_class_in_range_is_noted_as_worked_out():
    slots = {
        **HCC_B8,
        "child_pugh": "A6",
        "screening_state": {"computed": True},
    }
    screening = conclude(slots)
    assert screening.result.outcome == "likely_suitable"
    notes = dict((r.response, r.variables) for r in screening.replies)[
        "utter_screening_notes"
    ]["notes"]
    assert "(A6) was worked out from the answers given" in notes
    assert "the doctors may grade it differently" in notes


def test_no_child_pugh_no_source():
    assert "child_pugh_source" not in conclude(LIKELY).values


def test_incomplete_says_what_is_missing_and_offers_to_continue():
    slots = {**LIKELY, "platelets_per_ul": None, "max_lesion_cm": 6.0}
    screening = conclude(slots)
    assert screening.result.outcome == "incomplete"
    assert _names(screening) == [
        "utter_screening_incomplete",
        "utter_screening_reasons_so_far",
        "utter_not_a_medical_decision",
        "utter_screening_offer_continue",
    ]
    assert "platelet count" in screening.replies[0].variables["next_steps"]
    assert "5 cm" in screening.replies[1].variables["reasons"]


def test_within_milan_mentions_bridging_to_transplant():
    slots = {**LIKELY, "diagnosis": "hcc", "child_pugh": "A5"}
    screening = conclude(slots)
    assert "within_milan" in screening.result.flags
    assert "bridge to transplantation" in screening.replies[0].variables["next_steps"]
    assert "utter_screening_notes" in _names(screening)


def test_an_impossible_value_is_refused_not_guessed():
    with pytest.raises(ValueError):
        conclude({**LIKELY, "lesion_count": 0})


RESPONSES = yaml.safe_load(
    (
        pathlib.Path(__file__).resolve().parents[2] / "data/responses/screening.yml"
    ).read_text()
)["responses"]


@pytest.mark.parametrize(
    "slots, outcome",
    [
        (LIKELY, "likely_suitable"),
        ({**LIKELY, "platelets_per_ul": 40000}, "needs_review"),
        ({**LIKELY, "diagnosis": "hcc", "child_pugh": "C10"}, "unlikely_suitable"),
        ({**LIKELY, "platelets_per_ul": None}, "incomplete"),
    ],
)
def test_every_result_ends_with_a_next_step_button(slots, outcome):
    # A favourable result too: send the records, or talk to a coordinator.
    screening = conclude(slots)
    assert screening.result.outcome == outcome
    last = screening.replies[-1].response
    (variant,) = RESPONSES[last]
    payloads = [button["payload"] for button in variant["buttons"]]
    assert "/request_human" in payloads
    assert {"/faq/records_needed", "/check_eligibility"} & set(payloads)
    assert "change something" in payloads  # corrections still possible


def test_failure_offers_a_coordinator():
    names = [reply.response for reply in failure_replies()]
    assert names[-1] == "utter_screening_offer_coordinator"
    assert "utter_not_a_medical_decision" in names
