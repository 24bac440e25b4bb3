"""The screening's actions, run as the action server runs them.

ValidateScreeningForm (the form's validation), ActionAskScreeningResult (the
result, asked by the form) and ActionScreeningEnd, with rasa_sdk's Tracker and
CollectingDispatcher, the real extractor, the real rules and the domain as
Rasa sends it (responses included, for the buttons on screen).
"""

import pathlib

import pytest
import yaml

from actions.screening import (
    ActionAskScreeningResult,
    ActionScreeningEnd,
    ValidateScreeningForm,
)
from bot.screening.state import next_question

ROOT = pathlib.Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
DOMAIN["responses"] = {}
for path in sorted((ROOT / "data/responses").glob("*.yml")):
    DOMAIN["responses"].update(yaml.safe_load(path.read_text())["responses"])

CONSENTED = {"health_consent": True}
ALL_MAIN = {
    **CONSENTED,
    "diagnosis": "hcc",
    "lesion_count": 2,
    "max_lesion_cm": 2.5,
    "bilirubin_mg_dl": 1.1,
    "platelets_per_ul": 120000,
}
HEALTH_SLOTS = (
    "diagnosis",
    "lesion_count",
    "max_lesion_cm",
    "bilirubin_mg_dl",
    "platelets_per_ul",
    "child_pugh",
    "albumin_g_dl",
    "inr",
    "ascites",
    "encephalopathy",
    "bile_duct_distance_mm",
    "bclc_stage",
)


@pytest.fixture
def stored(monkeypatch):
    """Replace the storage adapter and the tickets; record what was asked of them."""
    calls = {"consent": [], "screening": [], "tickets": []}

    def record_consent(**kwargs):
        calls["consent"].append(kwargs)
        return True

    def store_screening(**kwargs):
        calls["screening"].append(kwargs)
        return True

    def request_handoff(dispatcher, tracker, reason_code=None, note=None):
        # The handoff itself is tested in tests/actions/test_handoff_actions.py.
        calls["tickets"].append({"reason": reason_code, "summary": note})
        dispatcher.utter_message(response="utter_handoff_requested_open")
        return []

    monkeypatch.setattr("bot.screening.storage.record_consent", record_consent)
    monkeypatch.setattr("bot.screening.storage.store_screening", store_screening)
    monkeypatch.setattr("actions.screening.request_handoff", request_handoff)
    return calls


class Conversation:
    """One patient and the form, through the actions (Rasa's part emulated)."""

    def __init__(self, tracker_factory, run, **slots):
        self.tracker_factory = tracker_factory
        self.run_action = run
        self.slots = dict(slots)
        self.slots["requested_slot"] = next_question(self.slots)
        self.messages = []
        self.events = []

    @property
    def asked(self):
        return self.slots["requested_slot"]

    @property
    def names(self):
        return [m["response"] for m in self.messages]

    def tracker(self, text="", intent="", events=None):
        latest = {"text": text, "intent": {"name": intent}, "entities": []}
        return self.tracker_factory(
            events=events,
            latest_message=latest,
            slots=dict(self.slots),
            active_loop={"name": "screening_form"},
        )

    def say(self, text, intent="inform", events=None):
        dispatcher, events = self.run_action(
            ValidateScreeningForm(), self.tracker(text, intent, events), DOMAIN
        )
        self.messages, self.events = list(dispatcher.messages), events
        for event in events:
            if event["event"] == "slot":
                self.slots[event["name"]] = event["value"]
        if events and self.asked == "screening_result":
            self.show_result()
        return events

    def show_result(self):
        """Rasa asks the result: action_ask_screening_result runs."""
        dispatcher, events = self.run_action(
            ActionAskScreeningResult(), self.tracker(), DOMAIN
        )
        self.messages += dispatcher.messages
        for event in events:
            self.slots[event["name"]] = event["value"]
        self.slots["requested_slot"] = next_question(self.slots)

    def end(self):
        """The form ended: action_screening_end runs."""
        dispatcher, events = self.run_action(
            ActionScreeningEnd(), self.tracker(), DOMAIN
        )
        self.messages = list(dispatcher.messages)
        return events


@pytest.fixture
def talk(tracker_factory, run, stored):
    def start(**slots):
        return Conversation(tracker_factory, run, **slots)

    return start


# -- start and consent --------------------------------------------------------


def test_the_form_starts_with_the_consent_question(talk):
    chat = talk(screening_state={"misses": {"diagnosis": 2}})
    events = [
        {"event": "user", "text": "could it work for me? bilirubin 1.1 mg/dl"},
        {"event": "action", "name": "utter_screening_intro"},
        {"event": "active_loop", "name": "screening_form"},
    ]
    chat.say(
        "could it work for me? bilirubin 1.1 mg/dl", "check_eligibility", events=events
    )
    assert chat.messages == []
    assert chat.asked == "health_consent"
    assert chat.slots["screening_state"]["misses"] == {}  # a new run starts afresh
    assert chat.slots.get("bilirubin_mg_dl") is None  # nothing read before consent


def test_consent_yes_is_recorded_and_the_first_question_follows(talk, stored):
    chat = talk()
    chat.say("/affirm", "affirm")
    assert chat.slots["health_consent"] is True
    assert chat.asked == "diagnosis"
    assert stored["consent"] == [{"channel": "rest", "sender_id": "patient-1"}]


def test_consent_no_ends_the_form_clears_values_and_says_so(talk, stored):
    chat = talk(bilirubin_mg_dl=2.3)
    chat.say("/deny", "deny")
    assert chat.slots["health_consent"] is False
    assert chat.asked is None
    assert all(chat.slots.get(name) is None for name in HEALTH_SLOTS)
    assert stored["consent"] == []
    chat.end()
    assert chat.names == ["utter_screening_no_consent"]


def test_an_unclear_consent_answer_asks_again(talk, stored):
    chat = talk()
    events = chat.say("bilirubin 2.3 mg/dl")
    assert chat.names == ["utter_screening_consent_unclear"]
    assert chat.asked == "health_consent"
    assert chat.slots.get("bilirubin_mg_dl") is None
    # A slot event, so that Rasa does not reject the form for this message.
    assert any(e["name"] == "screening_state" for e in events)
    assert stored["consent"] == []


# -- values -------------------------------------------------------------------


def test_several_values_in_one_message_in_any_order(talk):
    chat = talk(**CONSENTED)
    chat.say("platelets 1.2 lakh, biggest 28 mm, it's HCC with 2 lesions")
    assert chat.slots["platelets_per_ul"] == 120000
    assert chat.slots["max_lesion_cm"] == 2.8
    assert chat.slots["diagnosis"] == "hcc"
    assert chat.slots["lesion_count"] == 2
    assert chat.asked == "bilirubin_mg_dl"
    assert chat.names == ["utter_screening_noted"]
    assert chat.messages[0]["noted"].splitlines() == [
        "- diagnosis: liver cancer that started in the liver (HCC)"
        ' (you typed "it\'s HCC with 2 lesions")',
        "- 2 tumours",
        "- largest tumour 2.8 cm (you typed 28 mm)",
        "- platelets 120,000 per µL (you typed 1.2 lakh)",
    ]


def test_a_correction_before_the_result_overwrites_and_says_so(talk):
    chat = talk(**ALL_MAIN)
    chat.say("sorry, platelets are 80k")
    assert chat.slots["platelets_per_ul"] == 80000
    assert chat.names == ["utter_screening_corrected"]
    assert chat.asked == "child_pugh"


def test_change_the_bilirubin_keeps_the_unit_it_was_typed_in(talk):
    chat = talk(
        **ALL_MAIN,
        screening_state={"typed": {"bilirubin_mg_dl": {"raw": 1.1, "unit": "mg/dL"}}},
    )
    chat.say("change the bilirubin to 1.9")
    assert chat.slots["bilirubin_mg_dl"] == 1.9
    assert chat.messages[0]["corrected"] == "- bilirubin 1.9 mg/dL (you typed 1.9)"


def test_an_ambiguous_bilirubin_asks_for_the_unit(talk):
    chat = talk(**CONSENTED, diagnosis="metastasis", lesion_count=1, max_lesion_cm=2.0)
    chat.say("bilirubin 34")
    assert chat.slots.get("bilirubin_mg_dl") is None
    assert chat.asked == "bilirubin_unit"
    assert chat.slots["screening_readback"] == "bilirubin 34"
    chat.say("µmol/L")
    assert chat.slots["bilirubin_mg_dl"] == 1.99
    assert chat.asked == "platelets_per_ul"
    assert chat.messages[0]["noted"] == "- bilirubin 1.99 mg/dL (you typed 34)"


@pytest.mark.parametrize(
    "text, field, readback",
    [
        ("bilirubin 300 mg/dl", "bilirubin_mg_dl", "bilirubin 300 mg/dL"),
        ("40 lesions", "lesion_count", "40 tumours"),
        ("a 30 cm tumour", "max_lesion_cm", "largest tumour 30 cm"),
    ],
)
def test_an_implausible_value_is_read_back(talk, text, field, readback):
    chat = talk(**CONSENTED)
    chat.say(text)
    assert chat.slots.get(field) is None
    assert chat.asked == "screening_confirm_value"
    assert chat.slots["screening_readback"] == readback
    assert chat.messages == []


def test_a_confirmed_value_is_used(talk):
    chat = talk(**CONSENTED)
    chat.say("bilirubin 300 mg/dl")
    chat.say("/affirm", "affirm")
    assert chat.slots["bilirubin_mg_dl"] == 300.0
    assert chat.asked == "diagnosis"
    assert chat.names == ["utter_screening_noted"]


def test_a_denied_value_is_dropped_and_asked_again(talk):
    chat = talk(**CONSENTED, diagnosis="metastasis", lesion_count=1, max_lesion_cm=2.0)
    chat.say("bilirubin 300 mg/dl")
    chat.say("/deny", "deny")
    assert chat.slots.get("bilirubin_mg_dl") is None
    assert chat.names == ["utter_screening_value_dropped"]
    assert chat.messages[0]["field_label"] == "the bilirubin level"
    assert chat.asked == "bilirubin_mg_dl"


def test_an_impossible_value_is_asked_again(talk):
    chat = talk(**CONSENTED, diagnosis="hcc")
    chat.say("0 lesions")
    assert chat.slots.get("lesion_count") is None
    assert chat.names == ["utter_screening_impossible_value"]
    assert chat.messages[0]["value"] == "0 tumours"
    assert chat.asked == "lesion_count"


def test_a_typed_slash_command_cannot_set_a_slot(talk):
    chat = talk(**CONSENTED)
    chat.say('/inform{"bilirubin_mg_dl": 0.5, "platelets_per_ul": 300000}')
    assert chat.slots.get("bilirubin_mg_dl") is None
    assert chat.slots.get("platelets_per_ul") is None
    assert chat.names == ["utter_screening_not_understood"]
    assert chat.asked == "diagnosis"


# -- the cases of issue 11 ----------------------------------------------------


def test_lay_answers_to_each_child_pugh_question(talk):
    chat = talk(**ALL_MAIN)
    chat.say("no idea what that is", "dont_know")
    assert chat.asked == "child_pugh_offer"
    chat.say("Yes, work it out", "faq")  # the button's title, typed
    assert chat.asked == "albumin_g_dl"
    chat.say("I think it was 31", "faq")
    assert chat.slots["albumin_g_dl"] == 3.1
    chat.say("around 1.4", "faq")
    assert chat.slots["inr"] == 1.4
    chat.say("yes, a small amount", "faq")
    assert chat.slots["ascites"] == "mild"
    chat.say("no, he has never been confused", "deny")
    assert chat.slots["encephalopathy"] == "none"
    # bilirubin 1.1 (1 point), albumin 3.1 (2), INR 1.4 (1), mild (2), none (1)
    assert chat.slots["child_pugh"] == "B7"
    assert "utter_screening_child_pugh_computed" in chat.names
    assert chat.asked == "screening_check"


def test_a_negated_answer_about_another_field(talk):
    chat = talk(
        **ALL_MAIN, albumin_g_dl=3.1, inr=1.4, screening_state={"route": "compute"}
    )
    assert chat.asked == "ascites"
    chat.say("no, he is not confused", "deny")
    assert chat.slots["encephalopathy"] == "none"
    assert chat.slots.get("ascites") is None
    assert chat.asked == "ascites"


def test_a_restatement_of_an_earlier_field_while_another_question_is_on_screen(talk):
    chat = talk(
        **ALL_MAIN,
        albumin_g_dl=3.1,
        inr=1.4,
        ascites="mild",
        screening_state={"route": "compute"},
    )
    assert chat.asked == "encephalopathy"
    chat.say("just to be clear, the fluid in his belly is only mild", "faq")
    assert chat.slots["ascites"] == "mild"
    assert chat.slots.get("encephalopathy") is None
    assert chat.slots.get("child_pugh") is None  # nothing worked out from a guess
    assert chat.names == ["utter_screening_unchanged"]
    assert chat.asked == "encephalopathy"


def test_the_read_back_with_a_change_then_the_result(talk, stored):
    chat = talk(**ALL_MAIN, child_pugh="A6")
    assert chat.asked == "screening_check"
    chat.say("Change something", "faq")
    assert chat.asked == "screening_change"
    chat.say("the platelets are 40k")
    assert chat.slots["platelets_per_ul"] == 40000
    assert chat.asked == "screening_check"
    assert (
        "- platelets 40,000 per µL (you typed 40k)" in chat.slots["screening_readback"]
    )
    assert stored["screening"] == []  # no result before the values are confirmed
    chat.say("All correct", "affirm")
    assert "utter_screening_needs_review" in chat.names
    assert stored["screening"][0]["outcome"] == "needs_review"
    assert chat.asked == "screening_next_step"


def test_a_correction_by_name_after_the_result_is_a_new_screening(talk, stored):
    chat = talk(**ALL_MAIN, child_pugh="A6")
    chat.say("/affirm", "affirm")
    assert stored["screening"][-1]["outcome"] == "likely_suitable"
    # Read by the form first, whatever the classifier says ("deny").
    chat.say("no wait, platelets are 40k, please fix that", "deny")
    assert chat.slots["platelets_per_ul"] == 40000
    assert chat.names[0] == "utter_screening_corrected"
    assert "utter_screening_needs_review" in chat.names
    assert [s["outcome"] for s in stored["screening"]] == [
        "likely_suitable",
        "needs_review",
    ]


def test_a_part_of_child_pugh_corrected_after_the_result_recomputes_it(talk, stored):
    chat = talk(
        **ALL_MAIN,
        albumin_g_dl=3.1,
        inr=1.4,
        ascites="mild",
        encephalopathy="mild",
        child_pugh="B8",
        screening_state={"route": "compute", "computed": True},
    )
    chat.say("/affirm", "affirm")
    # Worked out from the answers: a team review, never "unlikely suitable".
    assert chat.slots["screening_outcome"] == "needs_review"
    result = next(
        m for m in chat.messages if m["response"] == "utter_screening_needs_review"
    )
    assert "worked out from the answers given" in result["reasons"]
    assert stored["screening"][-1]["values"]["child_pugh_source"] == "computed"
    chat.say("no wait, he has never been confused, please fix that", "deny")
    assert chat.slots["encephalopathy"] == "none"
    assert chat.slots["child_pugh"] == "B7"
    assert chat.slots["screening_outcome"] == "likely_suitable"
    assert len(stored["screening"]) == 2


def test_an_faq_question_in_the_middle_goes_to_the_rules_then_the_form_resumes(talk):
    chat = talk(**ALL_MAIN)
    assert chat.say("does the procedure hurt?", "faq") == []  # rejected
    events = [
        {"event": "user", "text": "does the procedure hurt?"},
        {"event": "action", "name": "utter_faq"},
    ]
    chat.say("does the procedure hurt?", "faq", events=events)
    assert chat.messages == []
    assert chat.asked == "child_pugh"


@pytest.mark.parametrize(
    "slots, outcome, offer",
    [
        (
            {**ALL_MAIN, "child_pugh": "A6"},
            "likely_suitable",
            "utter_screening_offer_records",
        ),
        (
            {**ALL_MAIN, "child_pugh": "A6", "platelets_per_ul": 40000},
            "needs_review",
            "utter_screening_offer_coordinator",
        ),
        (
            {**ALL_MAIN, "child_pugh": "C10"},
            "unlikely_suitable",
            "utter_screening_offer_coordinator",
        ),
        (
            {**ALL_MAIN, "screening_state": {"route": "skip"}},
            "incomplete",
            "utter_screening_offer_continue",
        ),
    ],
)
def test_a_next_step_button_after_every_outcome(talk, stored, slots, outcome, offer):
    chat = talk(**slots)
    chat.say("All correct", "affirm")
    assert stored["screening"][0]["outcome"] == outcome
    assert chat.names[-2:] == ["utter_not_a_medical_decision", offer]
    (variant,) = DOMAIN["responses"][offer]
    assert "/request_human" in [b["payload"] for b in variant["buttons"]]


def test_taking_the_coordinator_offer_hands_the_screening_over(talk, stored):
    chat = talk(**{**ALL_MAIN, "child_pugh": "A6", "platelets_per_ul": 40000})
    chat.say("All correct", "affirm")
    chat.say("yes please", "affirm")  # "Would you like a coordinator ...?"
    assert chat.asked is None  # the form ends
    chat.end()
    (ticket,) = stored["tickets"]
    assert ticket["reason"] == "screening_needs_review"
    assert "needs_review" in ticket["summary"]
    assert "platelets 40,000 per µL" in ticket["summary"]
    assert chat.names == ["utter_handoff_requested_open"]


def test_talk_to_a_coordinator_typed_after_a_favourable_result(talk, stored):
    chat = talk(**ALL_MAIN, child_pugh="A6")
    chat.say("All correct", "affirm")
    chat.say("talk to a coordinator", "faq")
    assert chat.asked is None
    chat.end()
    assert stored["tickets"][0]["reason"] == "screening_review"


def test_after_the_result_other_messages_go_to_the_rules(talk):
    chat = talk(**ALL_MAIN, child_pugh="A6")
    chat.say("All correct", "affirm")
    assert chat.say("how long is the recovery?", "faq") == []
    assert chat.say("thanks", "thank") == []


def test_answer_the_missing_questions_after_an_incomplete_result(talk):
    chat = talk(**ALL_MAIN, screening_state={"route": "skip"})
    chat.say("All correct", "affirm")
    chat.say("/check_eligibility", "check_eligibility")
    assert chat.asked == "child_pugh"


def test_stop_after_the_result_closes_the_screening(talk):
    chat = talk(**ALL_MAIN, child_pugh="A6")
    chat.say("All correct", "affirm")
    chat.say("stop", "stop")
    assert chat.asked is None
    chat.end()
    assert chat.names == ["utter_screening_closed"]


# -- retries ------------------------------------------------------------------


def test_two_failed_answers_explain_where_to_find_it_and_offer_to_go_on(talk):
    chat = talk(**{**ALL_MAIN, "diagnosis": "metastasis", "platelets_per_ul": None})
    chat.say("hmm", "nlu_fallback")
    assert chat.names == ["utter_screening_not_understood"]
    assert chat.asked == "platelets_per_ul"
    chat.say("erm", "out_of_scope")
    assert chat.names == ["utter_screening_help_platelets_per_ul"]
    assert chat.asked == "screening_skip_offer"
    chat.say("/dont_know", "dont_know")
    assert chat.slots["screening_state"]["skipped"] == ["platelets_per_ul"]
    assert chat.names == ["utter_screening_field_skipped"]
    assert chat.asked == "screening_check"


def test_i_dont_know_explains_where_to_find_the_value(talk):
    chat = talk(**CONSENTED)
    chat.say("no idea", "dont_know")
    assert chat.names == ["utter_screening_help_diagnosis"]
    assert chat.asked == "screening_skip_offer"


# -- detours ------------------------------------------------------------------


@pytest.mark.parametrize(
    "intent", ["faq", "urgent_symptoms", "request_human", "stop", "withdraw_consent"]
)
def test_detours_reject_the_form_so_the_rules_answer(talk, intent):
    chat = talk(**ALL_MAIN)
    # No slot event at all: Rasa rejects the form and the rules take over.
    assert chat.say("can I talk to someone about this?", intent) == []
    assert chat.messages == []


def test_an_emergency_is_never_read_as_an_answer(talk):
    chat = talk(
        **ALL_MAIN,
        albumin_g_dl=3.1,
        inr=1.4,
        ascites="none",
        screening_state={"route": "compute"},
    )
    assert chat.say("he is very confused right now", "urgent_symptoms") == []


# -- the result ---------------------------------------------------------------


def test_an_impossible_value_gives_an_apology_not_a_guess(
    tracker_factory, run, stored, caplog
):
    tracker = tracker_factory(slots={**ALL_MAIN, "lesion_count": 0, "child_pugh": "A6"})
    dispatcher, events = run(ActionAskScreeningResult(), tracker, DOMAIN)
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_screening_error",
        "utter_not_a_medical_decision",
        "utter_screening_offer_coordinator",
    ]
    assert stored["screening"] == []
    assert "field=lesion_count" in caplog.text and ": 0" not in caplog.text
