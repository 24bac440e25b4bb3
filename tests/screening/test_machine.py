"""The screening's state machine with the real lab-value extractor (no Rasa)."""

import pytest

from bot.screening import machine
from bot.screening.reading import Message
from bot.screening.state import next_question, required_questions

CONSENTED = {"health_consent": True}
HCC_SO_FAR = {
    **CONSENTED,
    "diagnosis": "hcc",
    "lesion_count": 2,
    "max_lesion_cm": 2.5,
    "bilirubin_mg_dl": 1.1,
    "platelets_per_ul": 120000,
}
COMPUTING = {"screening_state": {"route": "compute"}}


# -- order of the questions -------------------------------------------------------


def test_consent_comes_first_and_alone():
    assert required_questions({}) == ["health_consent"]
    assert next_question({"bilirubin_mg_dl": 1.0}) == "health_consent"


def test_refused_consent_leaves_nothing_to_ask():
    assert required_questions({"health_consent": False}) == []
    assert next_question({"health_consent": False}) is None


def test_main_questions_in_order_then_child_pugh_then_the_read_back():
    assert required_questions({**CONSENTED, "diagnosis": "hcc"}) == [
        "diagnosis",
        "lesion_count",
        "max_lesion_cm",
        "bilirubin_mg_dl",
        "platelets_per_ul",
        "child_pugh",
        "screening_check",
    ]
    assert next_question(CONSENTED) == "diagnosis"
    assert next_question(HCC_SO_FAR) == "child_pugh"


def test_metastasis_skips_child_pugh():
    done = {**HCC_SO_FAR, "diagnosis": "metastasis"}
    assert "child_pugh" not in required_questions(done)
    assert next_question(done) == "screening_check"


def test_child_pugh_routes():
    offer = {**HCC_SO_FAR, "screening_state": {"route": "offer"}}
    assert next_question(offer) == "child_pugh_offer"
    compute = {**HCC_SO_FAR, **COMPUTING}
    assert required_questions(compute)[-5:-1] == [
        "albumin_g_dl",
        "inr",
        "ascites",
        "encephalopathy",
    ]
    assert next_question(compute) == "albumin_g_dl"
    skipped = {**HCC_SO_FAR, "screening_state": {"route": "skip"}}
    assert next_question(skipped) == "screening_check"


def test_open_read_backs_come_before_the_next_field():
    pending = {"field": "bilirubin_mg_dl", "value": 300.0, "raw": 300.0}
    slots = {**CONSENTED, "screening_state": {"pending": [pending]}}
    assert next_question(slots) == "screening_confirm_value"
    unit = {"field": "max_lesion_cm", "raw": 28.0}
    slots = {**CONSENTED, "screening_state": {"unit": unit}}
    assert next_question(slots) == "lesion_size_unit"


def test_skipped_fields_are_not_asked_again():
    slots = {
        **CONSENTED,
        "diagnosis": "metastasis",
        "screening_state": {"skipped": ["lesion_count"]},
    }
    assert next_question(slots) == "max_lesion_cm"


# -- why the form runs ------------------------------------------------------------


def test_call_kind_after_a_patient_message():
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "2"},
        {"event": "slot", "name": "requested_slot", "value": "lesion_count"},
        {"event": "action", "name": "screening_form"},
    ]
    assert machine.call_kind(events) == machine.VALIDATION


def test_call_kind_at_activation():
    events = [
        {"event": "user", "text": "can I have it?"},
        {"event": "action", "name": "utter_screening_intro"},
        {"event": "active_loop", "name": "screening_form"},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "action", "name": "screening_form"},
    ]
    assert machine.call_kind(events) == machine.ACTIVATION


def test_call_kind_when_resuming_after_a_question():
    events = [
        {"event": "user", "text": "does it hurt?"},
        {"event": "action_execution_rejected", "name": "screening_form"},
        {"event": "action", "name": "utter_faq"},
        {"event": "slot", "name": "requested_slot", "value": "inr"},
        {"event": "action", "name": "screening_form"},
    ]
    assert machine.call_kind(events) == machine.RESUME


# -- consent ----------------------------------------------------------------------


def test_nothing_is_read_before_consent(chat):
    c = chat()
    c.say("bilirubin 2.3 mg/dl")
    assert c.value("bilirubin_mg_dl") is None
    assert c.responses == ["utter_screening_consent_unclear"]
    assert c.asked == "health_consent"


def test_consent_and_values_in_one_message(chat):
    c = chat()
    turn = c.say("yes, my bilirubin is 1.2 mg/dl")
    assert turn.consent_given
    assert c.value("bilirubin_mg_dl") == 1.2
    assert c.asked == "diagnosis"


def test_refusal_forgets_everything_typed(chat):
    c = chat(bilirubin_mg_dl=2.3, screening_state={"typed": {"bilirubin_mg_dl": {}}})
    c.say("no", intent="deny")
    assert c.value("health_consent") is False
    assert c.value("bilirubin_mg_dl") is None
    assert c.state["typed"] == {}
    assert c.state["ended"] == "refused"
    assert c.asked is None
    assert machine.ending(c.slots).replies[0].response == "utter_screening_no_consent"


def test_two_unclear_consent_answers_offer_a_way_on(chat):
    c = chat()
    c.say("hmm", intent="nlu_fallback")
    c.say("perhaps", intent="nlu_fallback")
    assert c.responses == ["utter_screening_consent_help"]
    assert c.asked == "health_consent"


# -- answers ----------------------------------------------------------------------


def test_bare_answers_are_read_in_the_context_of_the_question(chat):
    c = chat(**CONSENTED, diagnosis="hcc")
    c.say("2")
    assert c.value("lesion_count") == 2
    c.say("28 mm")
    assert c.value("max_lesion_cm") == 2.8
    assert c.replies[0][1]["noted"] == "- largest tumour 2.8 cm (you typed 28 mm)"


def test_a_size_without_unit_asks_for_the_unit(chat):
    c = chat(**CONSENTED, diagnosis="hcc", lesion_count=1)
    c.say("about 3")
    assert c.asked == "lesion_size_unit"
    assert c.value("screening_readback") == "largest tumour 3"
    c.say("cm")
    assert c.value("max_lesion_cm") == 3.0
    assert c.asked == "bilirubin_mg_dl"


def test_a_bilirubin_without_unit_is_read_back_with_what_was_typed(chat):
    c = chat(**CONSENTED, diagnosis="metastasis", lesion_count=1, max_lesion_cm=2.0)
    c.say("1.2")
    assert c.asked == "bilirubin_unit"
    c.say("mg/dl")
    assert c.value("bilirubin_mg_dl") == 1.2
    assert c.replies[0][1]["noted"] == "- bilirubin 1.2 mg/dL (you typed 1.2)"


def test_a_bound_is_not_a_value(chat):
    c = chat(**{k: v for k, v in HCC_SO_FAR.items() if k != "platelets_per_ul"})
    c.say("platelets above 100k")
    assert c.value("platelets_per_ul") is None
    assert c.responses == ["utter_screening_value_unclear"]
    assert c.asked == "platelets_per_ul"


def test_a_new_value_replaces_one_waiting_for_confirmation(chat):
    c = chat(**CONSENTED, diagnosis="hcc", lesion_count=1, max_lesion_cm=2.0)
    c.say("bilirubin 300 mg/dl")
    assert c.asked == "screening_confirm_value"
    c.say("sorry, bilirubin 3.0 mg/dl")
    assert c.value("bilirubin_mg_dl") == 3.0
    assert c.state["pending"] == []
    assert c.asked == "platelets_per_ul"


def test_a_number_after_no_replaces_the_value_read_back(chat):
    c = chat(**CONSENTED, diagnosis="hcc", lesion_count=1, max_lesion_cm=2.0)
    c.say("bilirubin 300 mg/dl")
    c.say("no, it's 3.0 mg/dl")
    assert c.value("bilirubin_mg_dl") == 3.0
    assert c.asked == "platelets_per_ul"


def test_child_pugh_given_directly_is_normalised(chat):
    c = chat(**HCC_SO_FAR)
    c.say("child pugh b 7")
    assert c.value("child_pugh") == "B7"
    assert c.asked == "screening_check"


def test_child_pugh_with_a_hedge(chat):
    c = chat(**HCC_SO_FAR)
    c.say("I think it's A")
    assert c.value("child_pugh") == "A"


def test_an_impossible_child_pugh_is_asked_again(chat):
    c = chat(**HCC_SO_FAR)
    c.say("Child-Pugh A9")  # class A has no score 9
    assert c.value("child_pugh") is None
    assert c.responses == ["utter_screening_value_unclear"]
    assert c.asked == "child_pugh"


def test_without_bilirubin_child_pugh_cannot_be_worked_out(chat):
    slots = {**HCC_SO_FAR, "screening_state": {"skipped": ["bilirubin_mg_dl"]}}
    del slots["bilirubin_mg_dl"]
    c = chat(**slots)
    c.say("I don't know", intent="dont_know")
    assert c.state["route"] == "skip"
    assert c.responses == ["utter_screening_child_pugh_skipped"]


def test_not_knowing_a_part_of_child_pugh_continues_without_it(chat):
    c = chat(**HCC_SO_FAR, **COMPUTING)
    c.say("no idea", intent="dont_know")
    assert c.state["route"] == "skip"
    assert c.asked == "screening_check"


def test_two_unclear_answers_to_a_part_of_child_pugh_offer_to_go_on(chat):
    c = chat(**HCC_SO_FAR, albumin_g_dl=3.1, **COMPUTING)
    c.say("hmm", intent="nlu_fallback")
    c.say("erm", intent="nlu_fallback")
    assert c.responses == ["utter_screening_help_inr"]
    assert c.asked == "screening_skip_offer"
    c.say("continue without it", intent="dont_know")
    assert c.state["route"] == "skip"
    assert c.asked == "screening_check"


def test_a_corrected_part_recomputes_child_pugh(chat):
    c = chat(**HCC_SO_FAR, albumin_g_dl=3.1, inr=1.5, ascites="mild", **COMPUTING)
    c.say("none")
    assert c.value("child_pugh") == "B7"
    c.say("sorry, albumin is 2.5 g/dL")
    assert c.value("child_pugh") == "B8"
    assert "utter_screening_child_pugh_computed" in c.responses


# -- what the form leaves to the rules --------------------------------------------


@pytest.mark.parametrize(
    "intent", ["urgent_symptoms", "withdraw_consent", "delete_data"]
)
def test_emergencies_and_privacy_requests_go_to_their_rules_first(intent):
    turn = machine.step(
        HCC_SO_FAR, Message("bilirubin 2.5 mg/dl", intent), "child_pugh"
    )
    assert turn.detour and turn.updates == {} and turn.replies == []


@pytest.mark.parametrize("intent", ["faq", "faq/risks", "nlu_fallback", "inform"])
def test_a_real_question_goes_to_the_rules_whatever_the_intent(intent):
    turn = machine.step(HCC_SO_FAR, Message("does it hurt?", intent), "child_pugh")
    assert turn.detour


def test_small_talk_with_values_is_an_answer(chat):
    c = chat(**CONSENTED)
    turn = c.say("thanks! it is HCC", intent="thank")
    assert not turn.detour
    assert c.value("diagnosis") == "hcc"


def test_small_talk_alone_is_left_to_the_rules(chat):
    assert chat(**CONSENTED).say("thank you", intent="thank").detour


def test_a_short_answer_read_as_a_question_is_still_an_answer(chat):
    # "mm" alone looks like a question about tumour size to the classifier.
    unit = {"field": "max_lesion_cm", "raw": 28.0, "options": {}}
    c = chat(
        **CONSENTED, diagnosis="hcc", lesion_count=1, screening_state={"unit": unit}
    )
    turn = c.say("mm", intent="faq")
    assert not turn.detour
    assert c.value("max_lesion_cm") == 2.8


def test_a_question_with_the_patients_value_is_answered_and_the_value_kept(chat):
    # "is my 6 cm tumour too big?": the FAQ answers, then the form keeps 6 cm.
    c = chat(**CONSENTED, diagnosis="hcc", lesion_count=1)
    turn = c.say("is my 6 cm tumour too big?", intent="faq")
    assert turn.detour
    assert c.value("max_lesion_cm") == 6.0
    assert c.asked == "bilirubin_mg_dl"


def test_a_request_for_information_sets_no_value(chat):
    c = chat(**CONSENTED)
    assert c.say("tell me about liver metastases", intent="faq").detour
    assert c.value("diagnosis") is None
    assert c.say("liver metastases", intent="faq").detour is False
    assert c.value("diagnosis") == "metastasis"


def test_values_read_as_a_question_are_still_answers(chat):
    c = chat(**CONSENTED)
    assert not c.say("HCC, 2 lesions, bilirubin 1.1 mg/dl", intent="faq").detour
    assert c.value("lesion_count") == 2


def test_a_question_asked_again_after_two_questions_offers_a_way_on(chat):
    c = chat(**CONSENTED, diagnosis="metastasis", lesion_count=1, max_lesion_cm=2.0)
    c.say("does it hurt?", intent="faq")
    assert c.asked == "bilirubin_mg_dl"
    c.say("how long does it take?", intent="faq")
    # Not a third plain "what is your bilirubin?": where to find it, and the
    # offer to go on without it or with a coordinator.
    assert c.responses == ["utter_screening_help_bilirubin_mg_dl"]
    assert c.asked == "screening_skip_offer"


def test_emergency_advice_does_not_count_as_a_miss(chat):
    c = chat(**CONSENTED, diagnosis="metastasis")
    for _ in range(3):
        c.say("he is vomiting blood", intent="urgent_symptoms")
    assert c.asked == "lesion_count"
    assert c.responses == []


# -- new runs ---------------------------------------------------------------------


def test_a_new_run_keeps_values_and_forgets_state():
    slots = {
        **HCC_SO_FAR,
        "screening_state": {
            "skipped": ["platelets_per_ul"],
            "misses": {"platelets_per_ul": 1},
            "route": "skip",
            "shown": "x",
        },
    }
    turn = machine.start(slots, Message("check again", "check_eligibility"))
    new = turn.updates["screening_state"]
    assert new["skipped"] == [] and new["route"] is None and new["shown"] is None
    assert "bilirubin_mg_dl" not in turn.updates


def test_a_new_run_after_a_refusal_asks_for_consent_again():
    turn = machine.start(
        {"health_consent": False, "screening_state": {"ended": "refused"}},
        Message("", "check_eligibility"),
    )
    assert turn.updates["health_consent"] is None
    assert turn.updates["screening_state"]["ended"] is None


def test_a_new_run_reads_values_only_with_consent():
    message = Message("can I have it? HCC, bilirubin 1.1 mg/dl", "check_eligibility")
    assert "diagnosis" not in machine.start({}, message).updates
    assert machine.start(CONSENTED, message).updates["diagnosis"] == "hcc"


# -- unit and read-back questions -------------------------------------------------


def test_another_value_at_the_offer_is_not_read_as_the_offered_one(chat):
    c = chat(
        **CONSENTED,
        diagnosis="hcc",
        lesion_count=1,
        screening_state={"skip_offered": "max_lesion_cm"},
    )
    assert c.asked == "screening_skip_offer"
    c.say("albumin 31 g/L")
    assert c.value("albumin_g_dl") == 3.1
    assert c.value("max_lesion_cm") is None


def test_the_value_can_still_be_typed_after_the_offer(chat):
    c = chat(
        **CONSENTED,
        diagnosis="metastasis",
        lesion_count=1,
        max_lesion_cm=2.0,
        bilirubin_mg_dl=1.0,
        screening_state={"skip_offered": "platelets_per_ul"},
    )
    c.say("1.5 lakh")
    assert c.value("platelets_per_ul") == 150000
    assert c.state["skip_offered"] is None


def test_two_unclear_answers_to_a_unit_question_offer_to_go_on(chat):
    unit = {"field": "max_lesion_cm", "raw": 28.0, "options": {}}
    c = chat(
        **CONSENTED, diagnosis="hcc", lesion_count=1, screening_state={"unit": unit}
    )
    c.say("1.5")
    assert c.responses == ["utter_screening_not_understood"]
    c.say("hmm", intent="nlu_fallback")
    assert c.responses == ["utter_screening_help_max_lesion_cm"]
    assert c.state["unit"] is None
    assert c.asked == "screening_skip_offer"


def test_two_unclear_answers_to_a_read_back_drop_the_value(chat):
    c = chat(**CONSENTED, diagnosis="metastasis")
    c.say("40 lesions")
    assert c.asked == "screening_confirm_value"
    c.say("hmm", intent="nlu_fallback")
    c.say("erm", intent="nlu_fallback")
    assert c.responses == ["utter_screening_value_dropped"]
    assert c.value("lesion_count") is None
    assert c.asked == "lesion_count"


def test_an_answered_question_starts_counting_afresh(chat):
    c = chat(**CONSENTED, diagnosis="metastasis")
    c.say("40 lesions")
    c.say("hmm", intent="nlu_fallback")
    c.say("yes", intent="affirm")
    assert c.value("lesion_count") == 40
    assert "screening_confirm_value" not in c.state["misses"]


def test_a_corrected_number_keeps_the_unit_of_the_value_read_back(chat):
    c = chat(**CONSENTED, diagnosis="hcc", lesion_count=2, max_lesion_cm=3.0)
    c.say("bilirubin 300 mg/dl")
    assert c.asked == "screening_confirm_value"
    c.say("oh no sorry, I meant 3.0")
    assert c.value("bilirubin_mg_dl") == 3.0
    assert c.asked == "platelets_per_ul"
