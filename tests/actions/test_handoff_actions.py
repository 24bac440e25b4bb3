"""The handoff's actions, run as the action server runs them, on a real database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from actions.conversation import (
    ActionClarify,
    ActionEmergency,
    ActionRequestHuman,
    ActionSessionStart,
)
from actions.handoff import (
    ActionCancelHandoff,
    ActionHandoffAnswer,
    ActionHandoffContact,
    ActionHandoffFinished,
    ActionHandoffJoined,
    ActionHandoffRelay,
    ActionHandoffUnclaimed,
)

SENDER = "web:patient-1"


@pytest.fixture
def hours(app_db, monkeypatch):
    """Set the opening hours (and reply time) the actions read."""
    from bot.settings import get_settings

    def configure(spec: str, reply_minutes: int = 20) -> None:
        monkeypatch.setenv("HANDOFF_OPENING_HOURS", spec)
        monkeypatch.setenv("HANDOFF_TIMEZONE", "Asia/Kolkata")
        monkeypatch.setenv("HANDOFF_REPLY_MINUTES", str(reply_minutes))
        get_settings.cache_clear()

    configure("always")
    yield configure
    get_settings.cache_clear()


def _message(text: str, intent: str, **extra):
    return {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [],
        **extra,
    }


def _user_event(text: str, intent: str):
    return {
        "event": "user",
        "text": text,
        "parse_data": _message(text, intent),
        "input_channel": "socketio",
        "timestamp": 1.0,
    }


def _tracker(tracker_factory, text, intent, events=(), slots=None, **extra):
    latest = _message(text, intent, **extra)
    return tracker_factory(
        events=[
            *events,
            {**_user_event(text, intent), "parse_data": latest},
            # What Rasa appends after the message before it runs the action.
            {"event": "user_featurization", "use_text_for_featurization": False},
        ],
        latest_message=latest,
        slots=slots or {},
        sender_id=SENDER,
    )


def _responses(dispatcher):
    return [
        m.get("response") or m.get("custom", {}).get("type")
        for m in dispatcher.messages
    ]


def _tickets(app_db):
    from bot.store.models import Ticket

    with app_db() as session:
        return [
            {
                "reason": t.reason,
                "priority": t.priority,
                "status": t.status,
                "resolution": t.resolution,
                "callback_offered": t.callback_offered_at is not None,
                "last_patient_message": t.last_patient_message_at is not None,
            }
            for t in session.scalars(select(Ticket))
        ]


def _conversation(app_db):
    from bot.store.models import Conversation

    with app_db() as session:
        c = session.scalars(select(Conversation)).one()
        return {
            "contact": c.contact_details,
            "contact_consent": c.contact_consent_at is not None,
            "handoff": c.handoff_state,
        }


def test_inside_opening_hours_the_reply_time_is_said(
    tracker_factory, run, app_db, hours
):
    hours("always", reply_minutes=20)
    tracker = _tracker(tracker_factory, "I want to talk to a person", "request_human")
    dispatcher, events = run(ActionRequestHuman(), tracker)
    (message,) = dispatcher.messages
    assert message["response"] == "utter_handoff_requested_open"
    assert message["reply_time"] == "20 minutes"
    assert events == [
        {"event": "slot", "timestamp": None, "name": "handoff", "value": "waiting"}
    ]
    assert _tickets(app_db) == [
        {
            "reason": "patient_request",
            "priority": "normal",
            "status": "waiting",
            "resolution": None,
            "callback_offered": False,
            "last_patient_message": True,
        }
    ]


def test_outside_opening_hours_a_call_back_is_offered(
    tracker_factory, run, app_db, hours
):
    hours("never")
    tracker = _tracker(tracker_factory, "/request_human", "request_human")
    dispatcher, events = run(ActionRequestHuman(), tracker)
    (message,) = dispatcher.messages
    # A team that never answers live says so instead of listing hours.
    assert message["response"] == "utter_handoff_requested_no_live_chat"
    assert {
        "event": "slot",
        "timestamp": None,
        "name": "handoff_offer",
        "value": "callback",
    } in events
    # The offer was made now, so the unclaimed-wait offer will not repeat it.
    assert _tickets(app_db)[0]["callback_offered"] is True


def test_closed_hours_say_when_the_team_is_back(tracker_factory, run, app_db, hours):
    # A window that is never "now" in a test run: a single minute a week.
    hours("sun 03:00-03:01")
    tracker = _tracker(tracker_factory, "/request_human", "request_human")
    dispatcher, _ = run(ActionRequestHuman(), tracker)
    (message,) = dispatcher.messages
    assert message["response"] == "utter_handoff_requested_closed"
    assert message["timezone"] == "India time"
    assert message["hours"] == "Sun 03:00–03:01"
    assert message["reopen"].endswith("at 03:00")


def test_asking_again_adds_to_the_same_ticket(tracker_factory, run, app_db, hours):
    run(
        ActionRequestHuman(),
        _tracker(tracker_factory, "a person please", "request_human"),
    )
    dispatcher, _ = run(
        ActionRequestHuman(),
        _tracker(tracker_factory, "hello?? a person", "request_human"),
    )
    assert _responses(dispatcher) == ["utter_handoff_already_requested"]
    assert len(_tickets(app_db)) == 1


@pytest.mark.parametrize(
    "text, intent, reason, ack",
    [
        (
            "book an appointment for my mother",
            "request_appointment",
            "appointment",
            "utter_handoff_ack_appointment",
        ),
        (
            "can a doctor look at my mri",
            "request_record_review",
            "record_review",
            "utter_handoff_ack_record_review",
        ),
        (
            "a quote for my father please",
            "request_cost_estimate",
            "cost_estimate",
            "utter_handoff_ack_cost_estimate",
        ),
        (
            "here is the ct report",
            "share_report",
            "report_shared",
            "utter_handoff_ack_report_shared",
        ),
    ],
)
def test_specific_requests_are_acknowledged_and_labelled(
    tracker_factory, run, app_db, hours, text, intent, reason, ack
):
    dispatcher, _ = run(ActionRequestHuman(), _tracker(tracker_factory, text, intent))
    assert _responses(dispatcher) == [ack, "utter_handoff_requested_open"]
    assert _tickets(app_db)[0]["reason"] == reason


def test_a_request_to_be_called_asks_for_the_number_at_once(
    tracker_factory, run, app_db, hours
):
    tracker = _tracker(
        tracker_factory, "please have a coordinator call me", "request_human"
    )
    dispatcher, events = run(ActionRequestHuman(), tracker)
    assert _responses(dispatcher) == ["utter_handoff_ask_contact"]
    assert {
        "event": "slot",
        "timestamp": None,
        "name": "handoff_offer",
        "value": "contact",
    } in events
    assert _tickets(app_db)[0]["reason"] == "callback_request"


def test_a_person_asked_for_after_the_cost_answer_is_a_cost_estimate(
    tracker_factory, run, app_db, hours
):
    before = [
        _user_event("how much does it cost", "faq"),
        {"event": "bot", "text": "…", "metadata": {"utter_action": "utter_faq/cost"}},
    ]
    tracker = _tracker(
        tracker_factory, "/request_human", "request_human", events=before
    )
    run(ActionRequestHuman(), tracker)
    assert _tickets(app_db)[0]["reason"] == "cost_estimate"


def test_contact_details_are_read_back_and_kept_only_after_yes(
    tracker_factory, run, app_db, hours
):
    run(
        ActionRequestHuman(),
        _tracker(tracker_factory, "/request_human", "request_human"),
    )
    typed = "my number is +91 98765 43210"
    dispatcher, events = run(
        ActionHandoffContact(), _tracker(tracker_factory, typed, "inform")
    )
    (message,) = dispatcher.messages
    assert message["response"] == "utter_handoff_confirm_contact"
    assert message["contact"] == "+91 98765 43210"
    slots = {e["name"]: e["value"] for e in events}
    assert slots == {
        "handoff_contact": {"phone": "+91 98765 43210"},
        "handoff_offer": "contact_confirm",
    }
    assert _conversation(app_db)["contact"] is None  # nothing kept yet

    offered = [
        _user_event(typed, "inform"),
        {"event": "slot", "name": "handoff_offer", "value": "contact_confirm"},
        {"event": "bot", "text": "Shall we keep …"},
    ]
    yes = _tracker(
        tracker_factory,
        "/affirm",
        "affirm",
        events=offered,
        slots={"handoff_contact": {"phone": "+91 98765 43210"}},
    )
    dispatcher, events = run(ActionHandoffAnswer(), yes)
    (message,) = dispatcher.messages
    assert message["response"] == "utter_handoff_contact_saved"
    assert message["contact"] == "+91 98765 43210"
    assert message["when"].startswith("usually within")
    assert _conversation(app_db) == {
        "contact": {"phone": "+91 98765 43210"},
        "contact_consent": True,
        "handoff": "waiting",
    }
    assert len(_tickets(app_db)) == 1


def test_no_to_keeping_the_number_keeps_nothing(tracker_factory, run, app_db, hours):
    offered = [{"event": "slot", "name": "handoff_offer", "value": "contact_confirm"}]
    no = _tracker(
        tracker_factory,
        "/deny",
        "deny",
        events=offered,
        slots={"handoff_contact": {"email": "a@example.org"}},
    )
    dispatcher, events = run(ActionHandoffAnswer(), no)
    assert _responses(dispatcher) == ["utter_handoff_contact_discarded"]
    assert events == [
        {"event": "slot", "timestamp": None, "name": "handoff_contact", "value": None}
    ]
    assert _tickets(app_db) == []


def test_text_without_contact_details_is_asked_again(tracker_factory, run, app_db):
    dispatcher, _ = run(
        ActionHandoffContact(),
        _tracker(tracker_factory, "my number is secret", "inform"),
    )
    assert _responses(dispatcher) == ["utter_handoff_contact_not_found"]


def test_yes_to_the_screening_offer_escalates_with_the_screening_reason(
    tracker_factory, run, app_db, hours
):
    offered = [{"event": "slot", **e} for e in []] + [
        {"event": "slot", "name": "handoff_offer", "value": "screening_needs_review"}
    ]
    yes = _tracker(tracker_factory, "yes please", "affirm", events=offered)
    dispatcher, _ = run(ActionHandoffAnswer(), yes)
    assert _responses(dispatcher) == ["utter_handoff_requested_open"]
    (ticket,) = _tickets(app_db)
    assert (ticket["reason"], ticket["priority"]) == ("screening_needs_review", "high")


def test_the_second_miss_offers_a_coordinator(tracker_factory, run):
    ranked = {
        "text": "hmm",
        "intent": {"name": "nlu_fallback"},
        "response_selector": {},
    }
    events = [
        {"event": "user", "text": "hm", "parse_data": ranked},
        {"event": "action", "name": "action_clarify"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "hmm", "parse_data": ranked},
    ]
    dispatcher, returned = run(
        ActionClarify(), tracker_factory(events=events, latest_message=ranked)
    )
    assert _responses(dispatcher) == ["utter_default"]
    assert (
        returned[0]["name"] == "handoff_offer"
        and returned[0]["value"] == "clarification"
    )


def test_a_coordinator_joins_and_finishes(tracker_factory, run):
    joined = _tracker(
        tracker_factory,
        "EXTERNAL_handoff_claimed",
        "EXTERNAL_handoff_claimed",
        entities=[{"entity": "coordinator_name", "value": "Anna"}],
    )
    dispatcher, events = run(ActionHandoffJoined(), joined)
    assert dispatcher.messages[0]["custom"] == {
        "type": "coordinator_joined",
        "name": "Anna",
    }
    assert dispatcher.messages[1]["response"] == "utter_handoff_joined"
    assert dispatcher.messages[1]["name"] == "Anna"
    assert {(e["name"], e["value"]) for e in events} == {
        ("handoff", "active"),
        ("coordinator_name", "Anna"),
    }
    finished = _tracker(
        tracker_factory,
        "EXTERNAL_handoff_finished",
        "EXTERNAL_handoff_finished",
        slots={"handoff": "active", "coordinator_name": "Anna"},
    )
    dispatcher, events = run(ActionHandoffFinished(), finished)
    assert dispatcher.messages[0]["custom"] == {
        "type": "coordinator_left",
        "name": "Anna",
    }
    assert dispatcher.messages[1]["response"] == "utter_handoff_finished"
    assert {(e["name"], e["value"]) for e in events} == {
        ("handoff", None),
        ("coordinator_name", None),
    }


def test_never_mind_closes_the_ticket_and_the_coordinator_is_told(
    tracker_factory, run, app_db, hours
):
    run(
        ActionRequestHuman(),
        _tracker(tracker_factory, "/request_human", "request_human"),
    )
    tracker = _tracker(
        tracker_factory,
        "never mind",
        "cancel_handoff",
        slots={"handoff": "active", "coordinator_name": "Anna"},
    )
    dispatcher, events = run(ActionCancelHandoff(), tracker)
    assert _responses(dispatcher) == ["coordinator_left", "utter_handoff_cancelled"]
    assert _tickets(app_db)[0]["resolution"] == "cancelled"
    assert _conversation(app_db)["handoff"] is None
    dispatcher, _ = run(
        ActionCancelHandoff(), _tracker(tracker_factory, "never mind", "cancel_handoff")
    )
    assert _responses(dispatcher) == ["utter_handoff_nothing_to_cancel"]


def test_relayed_messages_are_silent_and_mark_the_ticket(
    tracker_factory, run, app_db, hours
):
    run(
        ActionRequestHuman(),
        _tracker(tracker_factory, "/request_human", "request_human"),
    )
    dispatcher, events = run(
        ActionHandoffRelay(),
        _tracker(
            tracker_factory, "what about the cost", "faq", slots={"handoff": "active"}
        ),
    )
    assert dispatcher.messages == [] and events == []
    assert _tickets(app_db)[0]["last_patient_message"] is True


def test_urgent_symptoms_during_the_handoff_raise_the_ticket_and_keep_the_coordinator(
    tracker_factory, run, app_db, hours
):
    run(
        ActionRequestHuman(),
        _tracker(tracker_factory, "/request_human", "request_human"),
    )
    tracker = _tracker(
        tracker_factory,
        "he is vomiting blood",
        "urgent_symptoms",
        slots={"handoff": "active"},
    )
    dispatcher, events = run(ActionEmergency(), tracker)
    assert _responses(dispatcher) == ["utter_emergency"]
    assert events == []  # the coordinator keeps the conversation
    (ticket,) = _tickets(app_db)
    assert ticket["priority"] == "urgent"


def test_unclaimed_offer_is_not_made_once_claimed(tracker_factory, run):
    waiting = _tracker(
        tracker_factory,
        "EXTERNAL_handoff_unclaimed",
        "EXTERNAL_handoff_unclaimed",
        slots={"handoff": "waiting"},
    )
    dispatcher, events = run(ActionHandoffUnclaimed(), waiting)
    assert _responses(dispatcher) == ["utter_handoff_unclaimed"]
    assert events[0]["value"] == "callback"
    active = _tracker(
        tracker_factory,
        "EXTERNAL_handoff_unclaimed",
        "EXTERNAL_handoff_unclaimed",
        slots={"handoff": "active"},
    )
    dispatcher, events = run(ActionHandoffUnclaimed(), active)
    assert dispatcher.messages == [] and events == []


def test_a_database_failure_is_told_honestly(
    tracker_factory, run, tmp_path, monkeypatch, hours
):
    from bot.settings import get_settings
    from bot.store import db

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/x.db")
    get_settings.cache_clear()
    db.reset_engine()
    try:
        dispatcher, events = run(
            ActionRequestHuman(),
            _tracker(tracker_factory, "/request_human", "request_human"),
        )
    finally:
        db.reset_engine()
        get_settings.cache_clear()
    assert _responses(dispatcher) == ["utter_handoff_failed"]
    assert events == []


def test_a_new_session_keeps_an_open_request_and_its_coordinator(
    tracker_factory, run, app_db, hours
):
    """Rasa does not carry slots into a new session (a patient back the next
    day): the handoff state is read back from the database."""
    run(
        ActionRequestHuman(),
        _tracker(tracker_factory, "/request_human", "request_human"),
    )
    dispatcher, events = run(
        ActionSessionStart(), _tracker(tracker_factory, "hello again", "greet")
    )
    assert _responses(dispatcher) == ["utter_greet"]
    assert [e["event"] for e in events] == ["session_started", "slot", "action"]
    assert (events[1]["name"], events[1]["value"]) == ("handoff", "waiting")

    from bot.handoff.escalation import cancel_by_patient

    cancel_by_patient(channel="socketio", sender_id=SENDER)
    _, events = run(ActionSessionStart(), _tracker(tracker_factory, "hi", "greet"))
    assert [e["event"] for e in events] == ["session_started", "action"]
