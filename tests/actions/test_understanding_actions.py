"""Actions of issue 14 with rasa_sdk's Tracker and CollectingDispatcher."""

import pytest

from actions.understanding import (
    ActionFaqFollowup,
    ActionGreetBack,
    ActionNotCovered,
    ActionOutOfScope,
    ActionRememberPatient,
)

SESSION_START = [
    {"event": "action", "name": "action_session_start"},
    {"event": "bot", "text": "Hello, and thank you for getting in touch."},
    {"event": "session_started"},
    {"event": "action", "name": "action_listen"},
]


def _user(text, channel="rest"):
    return {
        "event": "user",
        "text": text,
        "parse_data": {"text": text},
        "input_channel": channel,
    }


def test_hi_right_after_the_session_greeting_gets_no_second_greeting(
    tracker_factory, run
):
    tracker = tracker_factory(
        events=SESSION_START + [_user("hi")], latest_message={"text": "hi"}
    )
    dispatcher, events = run(ActionGreetBack(), tracker)
    assert dispatcher.messages == [] and events == []


def test_hi_in_the_widget_after_its_greeting_gets_a_prompt_not_a_hello(
    tracker_factory, run
):
    tracker = tracker_factory(
        events=SESSION_START + [_user("hi", channel="socketio")],
        latest_message={"text": "hi"},
    )
    dispatcher, _ = run(ActionGreetBack(), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_how_can_i_help"]


def test_hi_later_in_the_conversation_is_greeted_back(tracker_factory, run):
    events = SESSION_START + [
        _user("what is cryoablation"),
        {"event": "action", "name": "utter_faq"},
        {"event": "action", "name": "action_listen"},
        _user("hello again"),
    ]
    tracker = tracker_factory(events=events, latest_message={"text": "hello again"})
    dispatcher, _ = run(ActionGreetBack(), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_greet_back"]


@pytest.mark.parametrize(
    "scope, response",
    [
        ({"verdict": "out_of_domain", "medical": True}, "utter_out_of_scope_medical"),
        ({"verdict": "out_of_domain", "medical": False}, "utter_out_of_scope"),
        (None, "utter_out_of_scope"),
    ],
)
def test_out_of_scope_offers_a_coordinator_for_medical_questions(
    tracker_factory, run, scope, response
):
    latest = {"text": "x", "intent": {"name": "out_of_scope"}}
    if scope:
        latest["scope"] = scope
    dispatcher, _ = run(ActionOutOfScope(), tracker_factory(latest_message=latest))
    assert [m["response"] for m in dispatcher.messages] == [response]


def test_not_covered_names_the_subject(tracker_factory, run):
    latest = {
        "text": "does insurance cover it",
        "scope": {"verdict": "not_covered", "uncovered": ["insurance"]},
    }
    dispatcher, _ = run(ActionNotCovered(), tracker_factory(latest_message=latest))
    (message,) = dispatcher.messages
    assert message["response"] == "utter_not_covered"
    assert message["subject"] == "insurance"


def test_followup_offers_the_second_topic_as_a_button(tracker_factory, run):
    latest = {
        "text": "is it safe and how much does it cost",
        "entities": [{"entity": "faq_followup", "value": "faq/risks"}],
    }
    dispatcher, _ = run(ActionFaqFollowup(), tracker_factory(latest_message=latest))
    (message,) = dispatcher.messages
    assert message["response"] == "utter_faq_followup_second"
    assert message["title"] == "risks and side effects"
    assert message["buttons"] == [
        {"title": "Risks and side effects", "payload": "/faq/risks"}
    ]


def test_followup_says_what_was_not_covered(tracker_factory, run):
    latest = {
        "text": "x",
        "entities": [{"entity": "faq_followup", "value": "not_covered/diet+alcohol"}],
    }
    dispatcher, _ = run(ActionFaqFollowup(), tracker_factory(latest_message=latest))
    (message,) = dispatcher.messages
    assert message["response"] == "utter_faq_followup_uncovered"
    assert message["subject"] == "food and diet or alcohol and smoking"


def test_a_relative_is_remembered(tracker_factory, run):
    tracker = tracker_factory(latest_message={"text": "my father has cirrhosis"})
    _, events = run(ActionRememberPatient(), tracker)
    assert {e["name"]: e["value"] for e in events} == {
        "patient_relation": "father",
        "patient_ref": "your father",
        "patient_poss": "your father's",
    }


def test_what_is_known_is_kept_when_a_message_says_nothing_new(tracker_factory, run):
    tracker = tracker_factory(
        latest_message={"text": "does it hurt?"}, slots={"patient_relation": "father"}
    )
    assert run(ActionRememberPatient(), tracker)[1] == []
    tracker = tracker_factory(
        latest_message={"text": "my dad is 70"}, slots={"patient_relation": "father"}
    )
    assert run(ActionRememberPatient(), tracker)[1] == []


def test_buttons_are_not_read_for_relatives(tracker_factory, run):
    tracker = tracker_factory(latest_message={"text": "/faq/cost"})
    assert run(ActionRememberPatient(), tracker)[1] == []


def test_a_relative_named_in_an_out_of_scope_question_is_not_the_patient(
    tracker_factory, run
):
    latest = {
        "text": "my uncle has a kidney tumour, can you freeze it",
        "intent": {"name": "out_of_scope", "confidence": 1.0},
    }
    tracker = tracker_factory(latest_message=latest)
    assert run(ActionRememberPatient(), tracker)[1] == []
