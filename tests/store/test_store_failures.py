"""Concurrency and database failures: duplicates, races, a PostgreSQL restart."""

import asyncio
import socket
import subprocess
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.store.conversations import get_or_create_conversation, record_consent
from bot.store.db import build_engine, session_scope
from bot.store.messaging import mark_inbound_processed
from bot.store.models import Conversation, ProcessedInbound, Ticket
from bot.store.tickets import open_ticket

THREADS = 8


def _race(action):
    """Run ``action()`` in THREADS threads released at the same instant."""
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def run():
        try:
            barrier.wait(timeout=120)
            results.append(action())
        except Exception as error:  # collected and re-raised below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    if errors:
        raise errors[0]
    return results


def test_a_webhook_delivered_eight_times_at_once_is_handled_once(store):
    def deliver():
        with session_scope() as session:
            return mark_inbound_processed(
                session=session, channel="whatsapp", message_id="wamid.HBgM"
            )

    results = _race(deliver)
    assert sorted(results) == [False] * (THREADS - 1) + [True]
    with session_scope() as session:
        assert len(session.scalars(select(ProcessedInbound)).all()) == 1


def test_a_new_patient_seen_by_several_processes_is_one_conversation(store):
    def first_contact():
        with session_scope() as session:
            return get_or_create_conversation(
                session=session, channel="socketio", sender_id="new-patient"
            ).id

    assert len(set(_race(first_contact))) == 1
    with session_scope() as session:
        assert len(session.scalars(select(Conversation)).all()) == 1


def test_simultaneous_escalations_open_one_ticket(store):
    with session_scope() as session:
        conversation = get_or_create_conversation(
            session=session, channel="socketio", sender_id="p"
        )
        record_consent(session=session, conversation=conversation, given=True)
        conversation_id = conversation.id

    def escalate():
        with session_scope() as session:
            conversation = session.get(Conversation, conversation_id)
            return open_ticket(
                session=session,
                conversation=conversation,
                reason="urgent_symptoms",
                priority="urgent",
            ).id

    assert len(set(_race(escalate))) == 1
    with session_scope() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_an_unreachable_database_is_reported_not_ignored(tmp_path):
    from sqlalchemy.exc import OperationalError

    # A port this test holds bound but never listens on: every connection is
    # refused, and no other process can be listening there meanwhile.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        engine = build_engine(f"postgresql://postgres@127.0.0.1:{port}/none")
        with pytest.raises(OperationalError):
            with engine.begin() as connection:
                connection.exec_driver_sql("SELECT 1")
        engine.dispose()


def _restart_postgres():
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def test_postgres_restart_between_two_writes_loses_nothing(
    pg_store, make_tracker_store, make_tracker
):
    tracker_store = make_tracker_store()
    with session_scope() as session:
        assert mark_inbound_processed(
            session=session, channel="whatsapp", message_id="before"
        )
    tracker = make_tracker("restart-patient", "first message")
    asyncio.run(tracker_store.save(tracker))
    # Both pools now hold connections that the restart will kill.

    _restart_postgres()

    with session_scope() as session:
        assert mark_inbound_processed(
            session=session, channel="whatsapp", message_id="after"
        )
    more = make_tracker("restart-patient", "first message", "second message")
    tracker.update_with_events(list(more.events)[-2:], None)
    asyncio.run(tracker_store.save(tracker))

    with session_scope() as session:
        ids = set(session.scalars(select(ProcessedInbound.message_id)))
    assert ids == {"before", "after"}
    restored = asyncio.run(tracker_store.retrieve_full_tracker("restart-patient"))
    texts = [e.text for e in restored.events if e.type_name == "user"]
    assert texts == ["first message", "second message"]
