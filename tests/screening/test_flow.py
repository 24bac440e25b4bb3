"""The screening flow with the real lab-value extractor (no Rasa)."""

import pytest

from bot.screening import flow


class Chat:
    """Drives the flow the way ValidateScreeningForm does, one message at a time."""

    def __init__(self, **slots):
        self.slots = dict(slots)
        self.slots["requested_slot"] = flow.next_question(self.slots)
        self.replies = []

    def say(self, text, intent="inform"):
        turn = flow.handle_message(
            self.slots, flow.Message(text, intent), self.slots.get("requested_slot")
        )
        self.replies = [(r.response, dict(r.variables)) for r in turn.replies]
        if turn.handled:
            self.slots.update(turn.updates)
            self.slots["requested_slot"] = flow.next_question(self.slots)
        return turn

    @property
    def asked(self):
        return self.slots["requested_slot"]

    @property
    def responses(self):
        return [name for name, _ in self.replies]


CONSENTED = {"health_consent": True}
HCC_SO_FAR = {
    **CONSENTED,
    "diagnosis": "hcc",
    "lesion_count": 2,
    "max_lesion_cm": 2.5,
    "bilirubin_mg_dl": 1.1,
    "platelets_per_ul": 120000,
}


# -- order of the questions ------------------------------------------------------


def test_consent_comes_first_and_alone():
    assert flow.required_slots({}) == ["health_consent"]
    assert flow.next_question({"bilirubin_mg_dl": 1.0}) == "health_consent"


def test_refused_consent_leaves_nothing_to_ask():
    assert flow.required_slots({"health_consent": False}) == []
    assert flow.next_question({"health_consent": False}) is None


def test_main_questions_in_order_then_child_pugh_for_hcc():
    assert flow.required_slots({**CONSENTED, "diagnosis": "hcc"}) == [
        "diagnosis",
        "lesion_count",
        "max_lesion_cm",
        "bilirubin_mg_dl",
        "platelets_per_ul",
        "child_pugh",
    ]
    assert flow.next_question(CONSENTED) == "diagnosis"
    assert flow.next_question(HCC_SO_FAR) == "child_pugh"


def test_metastasis_skips_child_pugh():
    done = {**HCC_SO_FAR, "diagnosis": "metastasis"}
    assert "child_pugh" not in flow.required_slots(done)
    assert flow.next_question(done) is None


def test_child_pugh_routes():
    offer = {**HCC_SO_FAR, "child_pugh_route": "offer"}
    assert flow.next_question(offer) == "child_pugh_offer"
    compute = {**HCC_SO_FAR, "child_pugh_route": "compute"}
    assert flow.required_slots(compute)[-4:] == [
        "albumin_g_dl",
        "inr",
        "ascites",
        "encephalopathy",
    ]
    assert flow.next_question(compute) == "albumin_g_dl"
    assert flow.next_question({**HCC_SO_FAR, "child_pugh_route": "skip"}) is None


def test_open_read_backs_come_before_the_next_field():
    pending = {"field": "bilirubin_mg_dl", "value": 300.0, "raw": 300.0}
    slots = {**CONSENTED, "pending_confirmation": [pending]}
    assert flow.next_question(slots) == "screening_confirm_value"
    slots = {**CONSENTED, "pending_unit": {"field": "max_lesion_cm", "raw": 28.0}}
    assert flow.next_question(slots) == "lesion_size_unit"


def test_skipped_fields_are_not_asked_again():
    slots = {
        **CONSENTED,
        "diagnosis": "metastasis",
        "screening_skipped": ["lesion_count"],
    }
    assert flow.next_question(slots) == "max_lesion_cm"


# -- why the form runs --------------------------------------------------------------


def test_call_kind_after_a_patient_message():
    events = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "2"},
        {"event": "slot", "name": "requested_slot", "value": "lesion_count"},
        {"event": "action", "name": "screening_form"},
    ]
    assert flow.call_kind(events) == flow.VALIDATION


def test_call_kind_at_activation():
    events = [
        {"event": "user", "text": "can I have it?"},
        {"event": "action", "name": "utter_screening_intro"},
        {"event": "active_loop", "name": "screening_form"},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "action", "name": "screening_form"},
    ]
    assert flow.call_kind(events) == flow.ACTIVATION


def test_call_kind_when_resuming_after_a_question():
    events = [
        {"event": "user", "text": "does it hurt?"},
        {"event": "action_execution_rejected", "name": "screening_form"},
        {"event": "action", "name": "utter_faq"},
        {"event": "slot", "name": "requested_slot", "value": "inr"},
        {"event": "action", "name": "screening_form"},
    ]
    assert flow.call_kind(events) == flow.RESUME


# -- messages -------------------------------------------------------------------------


def test_nothing_is_read_before_consent():
    chat = Chat()
    chat.say("bilirubin 2.3 mg/dl")
    assert "bilirubin_mg_dl" not in chat.slots
    assert chat.responses == ["utter_screening_consent_unclear"]
    assert chat.asked == "health_consent"


def test_consent_and_values_in_one_message():
    chat = Chat()
    turn = chat.say("yes, my bilirubin is 1.2 mg/dl")
    assert turn.consent is True
    assert chat.slots["bilirubin_mg_dl"] == 1.2
    assert chat.asked == "diagnosis"


def test_refusal_forgets_everything_typed():
    chat = Chat(bilirubin_mg_dl=2.3, screening_typed={"bilirubin_mg_dl": {}})
    turn = chat.say("no", intent="deny")
    assert turn.consent is False
    assert chat.slots["health_consent"] is False
    assert chat.slots["bilirubin_mg_dl"] is None
    assert chat.slots["screening_typed"] is None
    assert chat.asked is None


def test_bare_answers_are_read_in_the_context_of_the_question():
    chat = Chat(**CONSENTED, diagnosis="hcc")
    chat.say("2")
    assert chat.slots["lesion_count"] == 2
    chat.say("28 mm")
    assert chat.slots["max_lesion_cm"] == 2.8
    assert chat.replies[0][1]["noted"] == "- largest tumour 2.8 cm (you typed 28 mm)"


def test_a_size_without_unit_asks_for_the_unit():
    chat = Chat(**CONSENTED, diagnosis="hcc", lesion_count=1)
    chat.say("about 3")
    assert chat.asked == "lesion_size_unit"
    assert chat.slots["screening_readback"] == "largest tumour 3"
    chat.say("cm")
    assert chat.slots["max_lesion_cm"] == 3.0
    assert chat.asked == "bilirubin_mg_dl"


def test_a_bound_is_not_a_value():
    chat = Chat(**{k: v for k, v in HCC_SO_FAR.items() if k != "platelets_per_ul"})
    chat.say("platelets above 100k")
    assert chat.slots.get("platelets_per_ul") is None
    assert chat.responses == ["utter_screening_value_unclear"]
    assert chat.asked == "platelets_per_ul"


def test_a_new_value_replaces_one_waiting_for_confirmation():
    chat = Chat(**CONSENTED, diagnosis="hcc", lesion_count=1, max_lesion_cm=2.0)
    chat.say("bilirubin 300 mg/dl")
    assert chat.asked == "screening_confirm_value"
    chat.say("sorry, bilirubin 3.0 mg/dl")
    assert chat.slots["bilirubin_mg_dl"] == 3.0
    assert chat.slots["pending_confirmation"] == []
    assert chat.asked == "platelets_per_ul"


def test_child_pugh_given_directly_is_normalised():
    chat = Chat(**HCC_SO_FAR)
    chat.say("child pugh b 7")
    assert chat.slots["child_pugh"] == "B7"
    assert chat.asked is None


def test_an_impossible_child_pugh_is_asked_again():
    chat = Chat(**HCC_SO_FAR)
    chat.say("Child-Pugh A9")  # class A has no score 9
    assert chat.slots.get("child_pugh") is None
    assert chat.responses == ["utter_screening_value_unclear"]
    assert chat.asked == "child_pugh"


def test_without_bilirubin_child_pugh_cannot_be_worked_out():
    slots = {**HCC_SO_FAR, "screening_skipped": ["bilirubin_mg_dl"]}
    del slots["bilirubin_mg_dl"]
    chat = Chat(**slots)
    chat.say("I don't know", intent="dont_know")
    assert chat.slots["child_pugh_route"] == "skip"
    assert chat.responses == ["utter_screening_child_pugh_skipped"]


def test_not_knowing_a_part_of_child_pugh_continues_without_it():
    chat = Chat(**HCC_SO_FAR, child_pugh_route="compute")
    chat.say("no idea", intent="dont_know")
    assert chat.slots["child_pugh_route"] == "skip"
    assert chat.asked is None


def test_two_unclear_answers_to_a_part_of_child_pugh_offer_to_go_on():
    chat = Chat(**HCC_SO_FAR, child_pugh_route="compute", albumin_g_dl=3.1)
    chat.say("hmm", intent="nlu_fallback")
    chat.say("what", intent="nlu_fallback")
    assert chat.responses == ["utter_screening_help_inr"]
    assert chat.asked == "screening_skip_offer"
    chat.say("continue without it", intent="dont_know")
    assert chat.slots["child_pugh_route"] == "skip"
    assert chat.asked is None


def test_a_corrected_part_recomputes_child_pugh():
    chat = Chat(
        **HCC_SO_FAR,
        child_pugh_route="compute",
        albumin_g_dl=3.1,
        inr=1.5,
        ascites="mild",
    )
    chat.say("none")
    assert chat.slots["child_pugh"] == "B7"
    chat.say("sorry, albumin is 2.5 g/dL")
    assert chat.slots["child_pugh"] == "B8"
    assert "utter_screening_child_pugh_computed" in chat.responses


@pytest.mark.parametrize("intent", ["faq", "faq/risks", "urgent_symptoms", "stop"])
def test_detours_are_left_to_the_rules(intent):
    turn = Chat(**HCC_SO_FAR).say("bilirubin 2.5 mg/dl, is that bad?", intent=intent)
    assert not turn.handled
    assert turn.updates == {} and turn.replies == []


def test_small_talk_with_values_is_an_answer():
    chat = Chat(**CONSENTED)
    turn = chat.say("thanks! it is HCC", intent="thank")
    assert turn.handled
    assert chat.slots["diagnosis"] == "hcc"


def test_small_talk_alone_is_left_to_the_rules():
    assert not Chat(**CONSENTED).say("thank you", intent="thank").handled


def test_a_new_run_keeps_values_and_forgets_state():
    slots = {
        **HCC_SO_FAR,
        "screening_skipped": ["platelets_per_ul"],
        "screening_attempts": {"platelets_per_ul": 2},
        "child_pugh_route": "skip",
    }
    turn = flow.start(slots, flow.Message("check again", "check_eligibility"))
    assert turn.updates["screening_skipped"] is None
    assert turn.updates["child_pugh_route"] is None
    assert "bilirubin_mg_dl" not in turn.updates


def test_a_new_run_after_a_refusal_asks_for_consent_again():
    turn = flow.start({"health_consent": False}, flow.Message("", "check_eligibility"))
    assert turn.updates["health_consent"] is None


def test_a_new_run_reads_values_only_with_consent():
    message = flow.Message(
        "can I have it? HCC, bilirubin 1.1 mg/dl", "check_eligibility"
    )
    assert "diagnosis" not in flow.start({}, message).updates
    assert flow.start(CONSENTED, message).updates["diagnosis"] == "hcc"


def test_a_short_answer_read_as_a_question_is_still_an_answer():
    # "mm" alone looks like a question about tumour size to the classifier.
    pending = {"field": "max_lesion_cm", "raw": 28.0, "options": {}}
    chat = Chat(**CONSENTED, diagnosis="hcc", lesion_count=1, pending_unit=pending)
    turn = chat.say("mm", intent="faq")
    assert turn.handled
    assert chat.slots["max_lesion_cm"] == 2.8


def test_a_real_question_with_a_value_is_left_to_the_rules():
    chat = Chat(**CONSENTED, diagnosis="hcc", lesion_count=1)
    assert not chat.say("is 6 cm too big?", intent="faq").handled


def test_another_value_at_the_offer_is_not_read_as_the_offered_one():
    chat = Chat(**CONSENTED, diagnosis="hcc", lesion_count=1)
    chat.slots.update(screening_skip_offered="max_lesion_cm")
    chat.slots["requested_slot"] = flow.next_question(chat.slots)
    assert chat.asked == "screening_skip_offer"
    chat.say("albumin 31 g/L")
    assert chat.slots["albumin_g_dl"] == 3.1
    assert chat.slots.get("pending_unit") is None
    assert chat.slots.get("max_lesion_cm") is None


def test_two_unclear_answers_to_a_unit_question_offer_to_go_on():
    pending = {"field": "max_lesion_cm", "raw": 28.0, "options": {}}
    chat = Chat(**CONSENTED, diagnosis="hcc", lesion_count=1, pending_unit=pending)
    chat.say("1.5")
    assert chat.responses == ["utter_screening_not_understood"]
    chat.say("hmm", intent="nlu_fallback")
    assert chat.responses == ["utter_screening_help_max_lesion_cm"]
    assert chat.slots["pending_unit"] is None
    assert chat.asked == "screening_skip_offer"


def test_two_unclear_answers_to_a_read_back_drop_the_value():
    chat = Chat(**CONSENTED, diagnosis="metastasis")
    chat.say("40 lesions")
    assert chat.asked == "screening_confirm_value"
    chat.say("hmm", intent="nlu_fallback")
    chat.say("what", intent="nlu_fallback")
    assert chat.responses == ["utter_screening_value_dropped"]
    assert chat.slots.get("lesion_count") is None
    assert chat.asked == "lesion_count"


def test_an_answered_question_starts_counting_afresh():
    chat = Chat(**CONSENTED, diagnosis="metastasis")
    chat.say("40 lesions")
    chat.say("hmm", intent="nlu_fallback")
    chat.say("yes", intent="affirm")
    assert chat.slots["lesion_count"] == 40
    assert "screening_confirm_value" not in chat.slots["screening_attempts"]


def test_a_longer_question_without_question_mark_is_still_a_question():
    chat = Chat(**CONSENTED)
    assert not chat.say("tell me about liver metastases", intent="faq").handled
    assert chat.say("liver metastases", intent="faq").handled
    assert chat.slots["diagnosis"] == "metastasis"


def test_values_read_as_a_question_are_still_answers():
    chat = Chat(**CONSENTED)
    assert chat.say("HCC, 2 lesions, bilirubin 1.1 mg/dl", intent="faq").handled
    assert chat.slots["lesion_count"] == 2
