"""The privacy actions of the chat: withdrawing consent, asking for erasure."""

from sqlalchemy import select

from actions.privacy import ActionRequestErasure, ActionWithdrawConsent
from bot.store.models import ConsentRecord, Conversation, Ticket

DOMAIN_WITH_CONSENT_SLOT = {"slots": {"health_consent": {"type": "bool"}}}


def _conversation(session_scope):
    with session_scope() as session:
        conversation = session.scalars(select(Conversation)).one()
        return (
            conversation.consent_status,
            [r.given for r in session.scalars(select(ConsentRecord))],
            [(t.reason, t.status) for t in session.scalars(select(Ticket))],
        )


def test_withdrawing_consent_is_recorded_and_clears_the_slot(
    tracker_factory, run, app_db
):
    tracker = tracker_factory(slots={"health_consent": True})
    dispatcher, events = run(ActionWithdrawConsent(), tracker, DOMAIN_WITH_CONSENT_SLOT)
    assert [m["response"] for m in dispatcher.messages] == ["utter_consent_withdrawn"]
    assert events == [
        {"event": "slot", "timestamp": None, "name": "health_consent", "value": False}
    ]
    status, records, tickets = _conversation(app_db)
    assert (status, records, tickets) == ("withdrawn", [False], [])


def test_a_withdrawal_that_cannot_be_stored_asks_to_try_again(
    tracker_factory, run, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing/dir/x.db")
    from bot.settings import get_settings
    from bot.store import db

    get_settings.cache_clear()
    db.reset_engine()
    try:
        dispatcher, events = run(
            ActionWithdrawConsent(), tracker_factory(), DOMAIN_WITH_CONSENT_SLOT
        )
    finally:
        db.reset_engine()
        get_settings.cache_clear()
    assert [m["response"] for m in dispatcher.messages] == ["utter_try_again_later"]
    # The slot is still cleared: nothing more is collected in this chat.
    assert [e["value"] for e in events] == [False]


def test_an_erasure_request_opens_a_ticket_for_staff(tracker_factory, run, app_db):
    dispatcher, events = run(ActionRequestErasure(), tracker_factory())
    assert [m["response"] for m in dispatcher.messages] == ["utter_erasure_requested"]
    assert events == []
    _, _, tickets = _conversation(app_db)
    assert tickets == [("erasure_request", "waiting")]


def test_asking_twice_for_erasure_keeps_one_open_ticket(tracker_factory, run, app_db):
    run(ActionRequestErasure(), tracker_factory())
    run(ActionRequestErasure(), tracker_factory())
    _, _, tickets = _conversation(app_db)
    assert tickets == [("erasure_request", "waiting")]
