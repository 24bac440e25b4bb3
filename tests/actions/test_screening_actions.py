"""ValidateScreeningForm and ActionScreeningResult, run as the action server does."""

import pytest

from actions.screening import ActionScreeningResult, ValidateScreeningForm

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
    """Replace the storage adapter; record what the actions asked it to store."""
    calls = {"consent": [], "screening": []}

    def record_consent(**kwargs):
        calls["consent"].append(kwargs)
        return True

    def store_screening(**kwargs):
        calls["screening"].append(kwargs)
        return True

    monkeypatch.setattr("bot.screening.storage.record_consent", record_consent)
    monkeypatch.setattr("bot.screening.storage.store_screening", store_screening)
    return calls


@pytest.fixture
def form(tracker_factory, run, stored):
    """Send one message to the form; return (responses, slot updates, events)."""

    def send(text, intent="inform", requested=None, events=None, **slots):
        from bot.screening.flow import next_question

        slots = dict(slots)
        slots.setdefault("requested_slot", requested or next_question(slots))
        latest = {"text": text, "intent": {"name": intent}, "entities": []}
        tracker = tracker_factory(
            events=events,
            latest_message=latest,
            slots=slots,
            active_loop={"name": "screening_form"},
        )
        dispatcher, result = run(ValidateScreeningForm(), tracker)
        updates = {e["name"]: e["value"] for e in result if e["event"] == "slot"}
        return dispatcher.messages, updates, result

    return send


def names(messages):
    return [m["response"] for m in messages]


# -- start and consent --------------------------------------------------------


def test_the_form_starts_with_the_consent_question(form):
    events = [
        {"event": "user", "text": "could it work for me? bilirubin 1.1 mg/dl"},
        {"event": "action", "name": "utter_screening_intro"},
        {"event": "active_loop", "name": "screening_form"},
    ]
    messages, updates, _ = form(
        "could it work for me? bilirubin 1.1 mg/dl",
        intent="check_eligibility",
        events=events,
        requested="health_consent",
        screening_attempts={"diagnosis": 2},
    )
    assert messages == []
    assert updates["requested_slot"] == "health_consent"
    assert updates["screening_attempts"] is None  # a new run starts afresh
    assert "bilirubin_mg_dl" not in updates  # nothing read before consent


def test_consent_yes_is_recorded_and_the_first_question_follows(form, stored):
    messages, updates, _ = form("/affirm", intent="affirm", requested="health_consent")
    assert updates["health_consent"] is True
    assert updates["requested_slot"] == "diagnosis"
    assert stored["consent"] == [{"channel": "rest", "sender_id": "patient-1"}]
    assert messages == []


def test_consent_no_ends_the_form_and_clears_values(form, stored):
    messages, updates, _ = form(
        "/deny", intent="deny", requested="health_consent", bilirubin_mg_dl=2.3
    )
    assert updates["health_consent"] is False
    assert updates["requested_slot"] is None
    assert all(updates[name] is None for name in HEALTH_SLOTS)
    assert stored["consent"] == []


def test_an_unclear_consent_answer_asks_again(form, stored):
    messages, updates, _ = form(
        "bilirubin 2.3 mg/dl", intent="inform", requested="health_consent"
    )
    assert names(messages) == ["utter_screening_consent_unclear"]
    assert updates["requested_slot"] == "health_consent"
    assert "bilirubin_mg_dl" not in updates
    # A slot event, so that Rasa does not reject the form for this message.
    assert updates["screening_attempts"] == {"health_consent": 1}
    assert stored["consent"] == []


# -- values -------------------------------------------------------------------


def test_several_values_in_one_message_in_any_order(form):
    messages, updates, _ = form(
        "platelets 1.2 lakh, biggest 28 mm, it's HCC with 2 lesions", **CONSENTED
    )
    assert updates["platelets_per_ul"] == 120000
    assert updates["max_lesion_cm"] == 2.8
    assert updates["diagnosis"] == "hcc"
    assert updates["lesion_count"] == 2
    assert updates["requested_slot"] == "bilirubin_mg_dl"
    assert names(messages) == ["utter_screening_noted"]
    assert messages[0]["noted"].splitlines() == [
        "- diagnosis: liver cancer that started in the liver (HCC)",
        "- 2 tumours",
        "- largest tumour 2.8 cm (you typed 28 mm)",
        "- platelets 120,000 per µL (you typed 1.2 lakh)",
    ]


def test_a_correction_overwrites_the_earlier_value(form):
    messages, updates, _ = form("sorry, platelets are 80k", **ALL_MAIN)
    assert updates["platelets_per_ul"] == 80000
    assert names(messages) == ["utter_screening_corrected"]
    assert updates["requested_slot"] == "child_pugh"


def test_an_ambiguous_bilirubin_asks_for_the_unit(form):
    slots = {**CONSENTED, "diagnosis": "metastasis", "lesion_count": 1}
    messages, updates, _ = form("bilirubin 34", max_lesion_cm=2.0, **slots)
    assert "bilirubin_mg_dl" not in updates
    assert updates["requested_slot"] == "bilirubin_unit"
    assert updates["screening_readback"] == "bilirubin 34"
    pending = updates["pending_unit"]

    messages, updates, _ = form(
        "µmol/L", max_lesion_cm=2.0, pending_unit=pending, **slots
    )
    assert updates["bilirubin_mg_dl"] == 1.99
    assert updates["pending_unit"] is None
    assert updates["requested_slot"] == "platelets_per_ul"
    assert messages[0]["noted"] == "- bilirubin 1.99 mg/dL (you typed 34 µmol/L)"


def test_the_other_unit_can_make_a_value_implausible(form):
    pending = {"field": "bilirubin_mg_dl", "raw": 34.0, "options": {"mg/dL": 34.0}}
    _, updates, _ = form("mg/dL", pending_unit=pending, **CONSENTED)
    assert "bilirubin_mg_dl" not in updates
    assert updates["requested_slot"] == "screening_confirm_value"


@pytest.mark.parametrize(
    "text, field, readback",
    [
        ("bilirubin 300 mg/dl", "bilirubin_mg_dl", "bilirubin 300 mg/dL"),
        ("40 lesions", "lesion_count", "40 tumours"),
        ("a 30 cm tumour", "max_lesion_cm", "largest tumour 30 cm"),
    ],
)
def test_an_implausible_value_is_read_back(form, text, field, readback):
    messages, updates, _ = form(text, **CONSENTED)
    assert field not in updates
    assert updates["requested_slot"] == "screening_confirm_value"
    assert updates["screening_readback"] == readback
    assert messages == []


def _pending_bilirubin(form):
    _, updates, _ = form("bilirubin 300 mg/dl", **CONSENTED)
    return updates["pending_confirmation"]


def test_a_confirmed_value_is_used(form):
    pending = _pending_bilirubin(form)
    messages, updates, _ = form(
        "/affirm", intent="affirm", pending_confirmation=pending, **CONSENTED
    )
    assert updates["bilirubin_mg_dl"] == 300.0
    assert updates["pending_confirmation"] == []
    assert updates["requested_slot"] == "diagnosis"
    assert names(messages) == ["utter_screening_noted"]


def test_a_denied_value_is_dropped_and_asked_again(form):
    pending = _pending_bilirubin(form)
    slots = {
        **CONSENTED,
        "diagnosis": "metastasis",
        "lesion_count": 1,
        "max_lesion_cm": 2.0,
    }
    messages, updates, _ = form(
        "/deny", intent="deny", pending_confirmation=pending, **slots
    )
    assert "bilirubin_mg_dl" not in updates
    assert names(messages) == ["utter_screening_value_dropped"]
    assert messages[0]["field_label"] == "bilirubin"
    assert updates["requested_slot"] == "bilirubin_mg_dl"


def test_an_impossible_value_is_asked_again(form):
    slots = {**CONSENTED, "diagnosis": "hcc"}
    messages, updates, _ = form("0 lesions", **slots)
    assert "lesion_count" not in updates
    assert names(messages) == ["utter_screening_impossible_value"]
    assert messages[0]["value"] == "0 tumours"
    assert updates["requested_slot"] == "lesion_count"


def test_a_typed_slash_command_cannot_set_a_slot(form):
    messages, updates, _ = form(
        '/inform{"bilirubin_mg_dl": 0.5, "platelets_per_ul": 300000}',
        intent="inform",
        **CONSENTED,
    )
    assert not {"bilirubin_mg_dl", "platelets_per_ul"} & set(updates)
    assert names(messages) == ["utter_screening_not_understood"]
    assert updates["requested_slot"] == "diagnosis"


def test_metastasis_skips_child_pugh(form):
    slots = {**ALL_MAIN, "diagnosis": "metastasis", "platelets_per_ul": None}
    _, updates, _ = form("platelets 90000", **slots)
    assert updates["requested_slot"] is None  # done: no Child-Pugh for metastases


# -- Child-Pugh ---------------------------------------------------------------


def test_not_knowing_child_pugh_offers_to_work_it_out(form):
    messages, updates, _ = form("I don't know", intent="dont_know", **ALL_MAIN)
    assert updates["child_pugh_route"] == "offer"
    assert updates["requested_slot"] == "child_pugh_offer"


def test_working_out_child_pugh_step_by_step(form):
    slots = {**ALL_MAIN, "child_pugh_route": "offer"}
    _, updates, _ = form("/affirm", intent="affirm", **slots)
    assert updates["child_pugh_route"] == "compute"
    assert updates["requested_slot"] == "albumin_g_dl"

    slots = {**ALL_MAIN, "child_pugh_route": "compute"}
    for text, slot, value, asked_next in [
        ("31 g/L", "albumin_g_dl", 3.1, "inr"),
        ("1.4", "inr", 1.4, "ascites"),
        ("mild", "ascites", "mild", "encephalopathy"),
    ]:
        _, updates, _ = form(text, **slots)
        assert updates[slot] == value
        assert updates["requested_slot"] == asked_next
        slots[slot] = value

    messages, updates, _ = form("none", **slots)
    assert updates["encephalopathy"] == "none"
    # bilirubin 1.1 (1 point), albumin 3.1 (2), INR 1.4 (1), mild (2), none (1)
    assert updates["child_pugh"] == "B7"
    assert updates["requested_slot"] is None
    assert names(messages) == [
        "utter_screening_noted",
        "utter_screening_child_pugh_computed",
    ]
    assert messages[1]["child_pugh"] == "B7"


def test_continuing_without_child_pugh(form):
    slots = {**ALL_MAIN, "child_pugh_route": "offer"}
    messages, updates, _ = form("/deny", intent="deny", **slots)
    assert updates["child_pugh_route"] == "skip"
    assert names(messages) == ["utter_screening_child_pugh_skipped"]
    assert updates["requested_slot"] is None


# -- retries ------------------------------------------------------------------


def test_two_failed_answers_explain_where_to_find_it_and_offer_to_go_on(form):
    slots = {**ALL_MAIN, "diagnosis": "metastasis", "platelets_per_ul": None}
    messages, updates, _ = form("what??", intent="nlu_fallback", **slots)
    assert names(messages) == ["utter_screening_not_understood"]
    assert updates["requested_slot"] == "platelets_per_ul"

    slots["screening_attempts"] = updates["screening_attempts"]
    messages, updates, _ = form("hmm", intent="out_of_scope", **slots)
    assert names(messages) == ["utter_screening_help_platelets_per_ul"]
    assert updates["screening_skip_offered"] == "platelets_per_ul"
    assert updates["requested_slot"] == "screening_skip_offer"

    slots.update(screening_skip_offered="platelets_per_ul")
    messages, updates, _ = form("/dont_know", intent="dont_know", **slots)
    assert updates["screening_skipped"] == ["platelets_per_ul"]
    assert names(messages) == ["utter_screening_field_skipped"]
    assert updates["requested_slot"] is None


def test_the_value_can_still_be_typed_after_the_offer(form):
    slots = {
        **ALL_MAIN,
        "diagnosis": "metastasis",
        "platelets_per_ul": None,
        "screening_skip_offered": "platelets_per_ul",
    }
    _, updates, _ = form("1.5 lakh", requested="screening_skip_offer", **slots)
    assert updates["platelets_per_ul"] == 150000
    assert updates["screening_skip_offered"] is None
    assert updates["requested_slot"] is None


def test_i_dont_know_explains_where_to_find_the_value(form):
    messages, updates, _ = form("no idea", intent="dont_know", **CONSENTED)
    assert names(messages) == ["utter_screening_help_diagnosis"]
    assert updates["requested_slot"] == "screening_skip_offer"


# -- detours ------------------------------------------------------------------


@pytest.mark.parametrize(
    "intent", ["faq", "urgent_symptoms", "request_human", "stop", "withdraw_consent"]
)
def test_detours_reject_the_form_so_the_rules_answer(form, intent):
    messages, updates, events = form("platelets 80k?", intent=intent, **ALL_MAIN)
    # No slot event at all: Rasa rejects the form and the rules take over.
    assert events == [] and messages == []


def test_the_form_resumes_with_the_open_question_after_a_detour(form):
    events = [
        {"event": "user", "text": "does it hurt?"},
        {"event": "action", "name": "utter_faq"},
    ]
    messages, updates, _ = form(
        "does it hurt?", intent="faq", events=events, **ALL_MAIN
    )
    assert messages == []
    assert updates == {"requested_slot": "child_pugh"}


# -- the result ---------------------------------------------------------------


@pytest.fixture
def result(tracker_factory, run, stored):
    def conclude(**slots):
        tracker = tracker_factory(slots=slots)
        dispatcher, events = run(ActionScreeningResult(), tracker)
        return dispatcher.messages, events

    return conclude


def test_result_likely_suitable(result, stored):
    messages, events = result(**{**ALL_MAIN, "diagnosis": "metastasis"})
    assert names(messages) == [
        "utter_screening_likely_suitable",
        "utter_not_a_medical_decision",
    ]
    assert messages[0]["next_steps"].startswith("- ")
    (saved,) = stored["screening"]
    assert saved["outcome"] == "likely_suitable"
    assert saved["values"]["platelets_per_ul"] == 120000
    assert {
        "event": "slot",
        "name": "screening_outcome",
        "value": "likely_suitable",
    } in [{k: e[k] for k in ("event", "name", "value")} for e in events]


def test_result_needs_review_gives_reasons_and_a_coordinator(result, stored):
    slots = {**ALL_MAIN, "diagnosis": "metastasis", "platelets_per_ul": 40000}
    messages, _ = result(**slots)
    assert names(messages) == [
        "utter_screening_needs_review",
        "utter_not_a_medical_decision",
        "utter_screening_offer_coordinator",
    ]
    assert messages[0]["reasons"].startswith("- Your platelet count")
    assert stored["screening"][0]["flags"] == ["platelet_transfusion"]


def test_result_unlikely_suitable_gives_reasons_and_a_coordinator(result, stored):
    messages, _ = result(**{**ALL_MAIN, "child_pugh": "C10"})
    assert names(messages)[0] == "utter_screening_unlikely_suitable"
    assert "hepatologist" in messages[0]["reasons"]
    assert names(messages)[-2:] == [
        "utter_not_a_medical_decision",
        "utter_screening_offer_coordinator",
    ]
    assert stored["screening"][0]["outcome"] == "unlikely_suitable"


def test_result_incomplete_when_child_pugh_was_skipped(result, stored):
    messages, _ = result(**{**ALL_MAIN, "child_pugh_route": "skip"})
    assert names(messages)[0] == "utter_screening_incomplete"
    assert "Child-Pugh" in messages[0]["next_steps"]
    assert "utter_not_a_medical_decision" in names(messages)
    assert names(messages)[-1] == "utter_screening_offer_continue"
    assert stored["screening"][0]["outcome"] == "incomplete"


def test_result_within_milan_mentions_bridging(result):
    messages, _ = result(**{**ALL_MAIN, "child_pugh": "A6"})
    assert names(messages)[0] == "utter_screening_likely_suitable"
    assert "bridge to transplantation" in messages[0]["next_steps"]


def test_result_resets_the_form_state(result):
    _, events = result(**{**ALL_MAIN, "child_pugh_route": "skip"})
    reset = {e["name"] for e in events if e["event"] == "slot" and e["value"] is None}
    assert {"child_pugh_route", "screening_skipped", "screening_attempts"} <= reset


def test_no_result_and_nothing_stored_without_consent(result, stored):
    messages, _ = result(**{**ALL_MAIN, "health_consent": None})
    assert names(messages) == ["utter_screening_no_consent"]
    assert stored["screening"] == []


def test_an_impossible_value_gives_an_apology_not_a_guess(result, stored):
    messages, _ = result(**{**ALL_MAIN, "lesion_count": 0})
    assert names(messages) == [
        "utter_screening_error",
        "utter_not_a_medical_decision",
        "utter_screening_offer_coordinator",
    ]
    assert stored["screening"] == []
