"""The one write-from-the-edge helper: commits, or reports and carries on."""

import logging

import pytest
from sqlalchemy import select

from bot.store.edge import call_for_conversation, describe_error, write_for_conversation
from bot.store.models import Conversation, Ticket
from bot.store.tickets import open_ticket


def test_the_work_runs_in_one_committed_transaction(app_db):
    written = write_for_conversation(
        lambda session, conversation: open_ticket(
            session=session, conversation=conversation, reason="patient_request"
        ).id,
        channel="rest",
        sender_id="rest:alice",
        what="test ticket",
    )
    assert written.ok and isinstance(written.value, int)
    with app_db() as session:
        ticket = session.get(Ticket, written.value)
        assert ticket.conversation.sender_id == "rest:alice"


def test_a_failure_rolls_back_logs_no_patient_text_and_does_not_raise(app_db, caplog):
    secret = "bilirubin 7.7 and my name is Priya"

    def fails(session, conversation):
        conversation.language = "en"
        raise ValueError(secret)

    with caplog.at_level(logging.ERROR, logger="bot.store.edge"):
        written = write_for_conversation(
            fails, channel="rest", sender_id="rest:bob", what="test write"
        )
    assert written == type(written)(ok=False)
    (record,) = caplog.records
    assert "NOT stored: test write" in record.getMessage()
    assert "ValueError at test_store_edge.py" in record.getMessage()
    assert "Priya" not in caplog.text and "7.7" not in caplog.text
    with app_db() as session:
        # Rolled back: not even the conversation was created.
        assert session.scalars(select(Conversation)).all() == []


def test_an_emergency_failure_is_logged_at_the_level_asked(app_db, caplog):
    def fails(session, conversation):
        raise RuntimeError("boom")

    with caplog.at_level(logging.CRITICAL, logger="bot.store.edge"):
        write_for_conversation(
            fails,
            channel="rest",
            sender_id="rest:carol",
            what="URGENT ticket",
            level=logging.CRITICAL,
        )
    assert [r.levelno for r in caplog.records] == [logging.CRITICAL]


@pytest.mark.parametrize(
    "error, expected",
    [(KeyError("x"), "KeyError"), (ValueError("secret words"), "ValueError")],
)
def test_describe_error_names_the_type_never_the_message(error, expected):
    try:
        raise error
    except Exception as raised:  # noqa: BLE001
        described = describe_error(raised)
    assert described.startswith(f"{expected} at test_store_edge.py:")
    assert "secret" not in described
    assert describe_error(ValueError("never raised")) == "ValueError"


def test_a_repository_is_called_with_its_keywords(app_db):
    written = call_for_conversation(
        open_ticket,
        channel="rest",
        sender_id="rest:carol",
        what="test ticket",
        reason="patient_request",
    )
    assert written.ok
    with app_db() as session:
        (ticket,) = session.scalars(select(Ticket)).all()
        assert (ticket.reason, ticket.conversation.sender_id) == (
            "patient_request",
            "rest:carol",
        )
