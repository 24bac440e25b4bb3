import logging

from actions.conversation import (
    ActionClarify,
    ActionEmergency,
    ActionRequestHuman,
    ActionSessionStart,
)

RANKED = {
    "text": "the cold thing near veins",
    "intent": {"name": "nlu_fallback", "confidence": 0.3},
    "response_selector": {
        "faq": {
            "ranking": [
                {"intent_response_key": "faq/near_blood_vessels", "confidence": 0.2},
                {"intent_response_key": "faq/near_blood_vessels", "confidence": 0.1},
                {"intent_response_key": "faq/cryo_vs_rfa", "confidence": 0.15},
                {"intent_response_key": "faq/cost", "confidence": 0.1},
            ]
        }
    },
}


def test_session_starts_with_the_greeting_that_carries_the_disclaimer(
    tracker_factory, run, app_db
):
    dispatcher, events = run(ActionSessionStart(), tracker_factory())
    assert [m["response"] for m in dispatcher.messages] == ["utter_greet"]
    assert [e["event"] for e in events] == ["session_started", "action"]
    assert events[1]["name"] == "action_listen"


def test_first_miss_offers_the_two_likeliest_topics(tracker_factory, run):
    tracker = tracker_factory(latest_message=RANKED)
    dispatcher, events = run(ActionClarify(), tracker)
    (message,) = dispatcher.messages
    assert message["response"] == "utter_clarify"
    assert [b["payload"] for b in message["buttons"]] == [
        "/faq/near_blood_vessels",
        "/faq/cryo_vs_rfa",
        "/request_human",
    ]
    assert message["buttons"][0]["title"] == "Tumour near blood vessels"
    assert events == []


def test_second_miss_in_a_row_stops_guessing(tracker_factory, run):
    events = [
        {"event": "user", "text": "hmm", "parse_data": RANKED},
        {"event": "action", "name": "action_clarify"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "the cold thing", "parse_data": RANKED},
    ]
    tracker = tracker_factory(events=events, latest_message=RANKED)
    dispatcher, _ = run(ActionClarify(), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]


def test_a_miss_after_a_normal_answer_is_a_first_miss_again(tracker_factory, run):
    events = [
        {"event": "user", "text": "hmm", "parse_data": RANKED},
        {"event": "action", "name": "action_clarify"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "/faq/cost", "parse_data": {}},
        {"event": "action", "name": "utter_faq"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "and the cold thing?", "parse_data": RANKED},
    ]
    tracker = tracker_factory(events=events, latest_message=RANKED)
    dispatcher, _ = run(ActionClarify(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_clarify"


def test_no_topic_ranking_gives_the_default_answer(tracker_factory, run):
    tracker = tracker_factory(latest_message={"text": "?", "intent": {}})
    dispatcher, _ = run(ActionClarify(), tracker)
    assert [m["response"] for m in dispatcher.messages] == ["utter_default"]


def _tickets(session_scope):
    from sqlalchemy import select

    from bot.store.models import Ticket

    with session_scope() as session:
        return [
            (t.reason, t.priority, t.status, t.summary)
            for t in session.execute(select(Ticket)).scalars()
        ]


def test_emergency_advice_comes_first_then_an_urgent_ticket(
    tracker_factory, run, caplog, app_db
):
    text = "my father is vomiting blood since the ablation"
    tracker = tracker_factory(latest_message={"text": text, "intent": {}})
    with caplog.at_level(logging.CRITICAL, logger="bot.escalation"):
        dispatcher, _ = run(ActionEmergency(), tracker)
    assert dispatcher.messages[0]["response"] == "utter_emergency"
    (record,) = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert "URGENT-SYMPTOMS" in record.getMessage()
    assert "vomiting" not in record.getMessage()
    [(reason, priority, status, summary)] = _tickets(app_db)
    assert (reason, priority, status) == ("urgent_symptoms", "urgent", "waiting")
    assert text in summary


def test_emergency_advice_survives_a_database_failure(
    tracker_factory, run, caplog, tmp_path, monkeypatch
):
    # A database that cannot be opened: the advice must still go out, and the
    # failure must be reported loudly, not swallowed.
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/x.db")
    from bot.settings import get_settings

    get_settings.cache_clear()
    from bot.store import db

    db.reset_engine()
    tracker = tracker_factory(latest_message={"text": "I am bleeding", "intent": {}})
    with caplog.at_level(logging.CRITICAL, logger="bot.escalation"):
        dispatcher, _ = run(ActionEmergency(), tracker)
    db.reset_engine()
    get_settings.cache_clear()
    assert [m["response"] for m in dispatcher.messages] == ["utter_emergency"]
    assert any("NOT stored" in r.getMessage() for r in caplog.records)


def test_request_human_opens_a_ticket_and_says_what_happens_next(
    tracker_factory, run, app_db, monkeypatch
):
    from bot.settings import get_settings

    # Inside opening hours whatever the clock says (tests/actions/
    # test_handoff_actions.py covers both sides).
    monkeypatch.setenv("HANDOFF_OPENING_HOURS", "always")
    get_settings.cache_clear()
    dispatcher, _ = run(ActionRequestHuman(), tracker_factory())
    assert [m["response"] for m in dispatcher.messages] == [
        "utter_handoff_requested_open"
    ]
    [(reason, priority, status, _)] = _tickets(app_db)
    assert (reason, priority, status) == ("patient_request", "normal", "waiting")


def test_a_button_for_an_unknown_topic_gets_the_clarifying_question(
    tracker_factory, run
):
    # The input guard turns /faq/<unknown> into /nlu_fallback: nothing to rank,
    # so the broadest topics are offered instead of an empty reply.
    tracker = tracker_factory(
        latest_message={"text": "/nlu_fallback", "intent": {"name": "nlu_fallback"}}
    )
    dispatcher, _ = run(ActionClarify(), tracker)
    (message,) = dispatcher.messages
    assert message["response"] == "utter_clarify"
    assert [b["payload"] for b in message["buttons"]] == [
        "/faq/what_is_cryoablation",
        "/faq/selection_criteria",
        "/request_human",
    ]


def test_repeated_urgent_messages_claiming_other_channels_leave_one_ticket(
    tracker_factory, run, app_db
):
    # Before: the conversation row was keyed by the input channel a message
    # claimed, so each claim ("whatsapp", "x1", ...) was a new conversation with
    # a new urgent ticket. The channel now comes from the sender id's prefix,
    # which only the receiving channel can produce.
    for claimed in ("rest", "whatsapp", "socketio", "x1", "x2"):
        tracker = tracker_factory(
            sender_id="rest:patient-9",
            latest_message={"text": "/urgent_symptoms", "intent": {}},
            events=[
                {
                    "event": "user",
                    "text": "/urgent_symptoms",
                    "parse_data": {},
                    "input_channel": claimed,
                }
            ],
        )
        run(ActionEmergency(), tracker)
    [(reason, priority, status, _)] = _tickets(app_db)
    assert (reason, priority, status) == ("urgent_symptoms", "urgent", "waiting")


def test_the_channel_recorded_is_the_one_that_owns_the_sender_id(tracker_factory):
    from actions import channel_of

    def tracker(sender, claimed):
        return tracker_factory(
            sender_id=sender,
            events=[{"event": "user", "text": "hi", "input_channel": claimed}],
        )

    assert channel_of(tracker("web:" + "0" * 32, "whatsapp")) == "socketio"
    assert channel_of(tracker("rest:crm-1", "socketio")) == "rest"
    # A conversation from before namespacing keeps its recorded channel.
    assert channel_of(tracker("447700900123", "whatsapp")) == "whatsapp"
