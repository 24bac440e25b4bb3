"""Erasure ("delete my data") and retention, including Rasa's tracker events."""

import asyncio
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.store.audit import list_audit
from bot.store.conversations import get_or_create_conversation, record_consent
from bot.store.db import session_scope
from bot.store.messaging import enqueue_outbound, mark_inbound_processed
from bot.store.models import Conversation
from bot.store.privacy import erase_conversation, purge_expired
from bot.store.screenings import save_screening
from bot.store.staff import create_staff
from bot.store.tickets import add_note, open_ticket
from bot.store.types import utcnow

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_TABLES = (
    "conversations",
    "consent_records",
    "screenings",
    "tickets",
    "ticket_notes",
    "outbox",
)


def _patient(session, sender, at=None):
    conversation = get_or_create_conversation(
        session=session, channel="whatsapp", sender_id=sender, at=at
    )
    record_consent(session=session, conversation=conversation, given=True, at=at)
    save_screening(
        session=session,
        conversation=conversation,
        facts={"inr": {"value": 1.4, "text": "INR 1.4"}},
        outcome="eligible",
        rules_version="r1",
        at=at,
    )
    ticket = open_ticket(
        session=session, conversation=conversation, reason="r", summary="INR 1.4"
    )
    staff = create_staff(
        session=session, email=f"{sender}@example.org", password="long password 1"
    )
    add_note(session=session, ticket=ticket, author=staff, body="INR 1.4 noted")
    enqueue_outbound(session=session, conversation=conversation, payload={"text": "x"})
    return conversation.id


def _counts(raw_rows, engine, conversation_id):
    counts = {}
    for table in PRODUCT_TABLES:
        if table == "conversations":
            sql = "SELECT count(*) FROM conversations WHERE id = :cid"
        elif table == "ticket_notes":
            sql = (
                "SELECT count(*) FROM ticket_notes WHERE ticket_id IN "
                "(SELECT id FROM tickets WHERE conversation_id = :cid)"
            )
        else:
            sql = f"SELECT count(*) FROM {table} WHERE conversation_id = :cid"
        counts[table] = raw_rows(engine, sql, cid=conversation_id)[0][0]
    return counts


def _events(raw_rows, engine, sender):
    sql = "SELECT count(*) FROM events WHERE sender_id = :s"
    return raw_rows(engine, sql, s=sender)[0][0]


def test_erasure_removes_product_rows_and_rasa_events(
    store, tracker_store, make_tracker, raw_rows
):
    with session_scope() as session:
        gone = _patient(session, "447700900001")
        kept = _patient(session, "447700900002")
    for sender in ("447700900001", "447700900002"):
        asyncio.run(tracker_store.save(make_tracker(sender, "my INR is 1.4")))
    assert _events(raw_rows, store.engine, "447700900001") > 0
    assert all(_counts(raw_rows, store.engine, gone).values())

    with session_scope() as session:
        report = erase_conversation(
            session=session,
            channel="whatsapp",
            sender_id="447700900001",
            actor="patient",
        )
    assert report.found and report.events > 0 and report.rows["screenings"] == 1

    assert set(_counts(raw_rows, store.engine, gone).values()) == {0}
    assert _events(raw_rows, store.engine, "447700900001") == 0
    assert asyncio.run(tracker_store.retrieve("447700900001")) is None
    # The other patient is untouched.
    assert set(_counts(raw_rows, store.engine, kept).values()) == {1}
    assert asyncio.run(tracker_store.retrieve("447700900002")) is not None

    with session_scope() as session:
        entry = list_audit(session=session, conversation_id=gone)[0]
        assert (entry.action, entry.actor) == ("erase", "patient")
        assert "INR" not in entry.detail and "1.4" not in entry.detail
        assert "screenings=1" in entry.detail


def test_erasure_of_an_unknown_patient_still_leaves_an_audit_entry(store):
    with session_scope() as session:
        report = erase_conversation(
            session=session, channel="whatsapp", sender_id="nobody", actor="cli"
        )
        assert not report.found
    with session_scope() as session:
        assert list_audit(session=session)[0].action == "erase"


def test_staff_erase_command(store, tracker_store, make_tracker, raw_rows):
    with session_scope() as session:
        conversation_id = _patient(session, "447700900003")
    asyncio.run(tracker_store.save(make_tracker("447700900003", "hello")))
    env = dict(os.environ)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.store",
            "erase",
            "--channel",
            "whatsapp",
            "--sender",
            "447700900003",
            "--by",
            "447700900003@example.org",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "erased:" in result.stdout and "screenings=1" in result.stdout
    assert set(_counts(raw_rows, store.engine, conversation_id).values()) == {0}
    assert _events(raw_rows, store.engine, "447700900003") == 0
    with session_scope() as session:
        entry = list_audit(session=session, conversation_id=conversation_id)[0]
        assert entry.actor.startswith("staff:") and entry.staff_id is not None


def test_retention_purge_deletes_only_idle_conversations(
    store, tracker_store, make_tracker, raw_rows
):
    now = utcnow()
    long_ago = now - timedelta(days=40)
    with session_scope() as session:
        old = _patient(session, "old", at=long_ago)
        recent = _patient(session, "recent")
        # Old record but the Rasa conversation went on yesterday: still active.
        still_talking = _patient(session, "still-talking", at=long_ago)
        mark_inbound_processed(
            session=session, channel="whatsapp", message_id="old-id", at=long_ago
        )
        mark_inbound_processed(session=session, channel="whatsapp", message_id="new-id")

    old_tracker = make_tracker("old", "hi")
    orphan_tracker = make_tracker("orphan", "hi")  # Rasa events, no product row
    for tracker in (old_tracker, orphan_tracker):
        for event in tracker.events:
            event.timestamp = long_ago.timestamp()
    for tracker in (
        old_tracker,
        orphan_tracker,
        make_tracker("recent", "hi"),
        make_tracker("still-talking", "hi"),
    ):
        asyncio.run(tracker_store.save(tracker))

    with session_scope() as session:
        report = purge_expired(session=session, days=30, now=now)
    assert report.conversations == 1
    assert report.inbound_ids == 1

    with session_scope() as session:
        left = set(session.scalars(select(Conversation.id)))
    assert left == {recent, still_talking}
    assert set(_counts(raw_rows, store.engine, old).values()) == {0}
    assert _events(raw_rows, store.engine, "old") == 0
    assert _events(raw_rows, store.engine, "orphan") == 0
    assert _events(raw_rows, store.engine, "recent") > 0
    assert _events(raw_rows, store.engine, "still-talking") > 0
    ids = raw_rows(store.engine, "SELECT message_id FROM processed_inbound")
    assert ids == [("new-id",)]


def test_purge_command_uses_retention_days(store, reconfigure):
    with session_scope() as session:
        _patient(session, "ancient", at=utcnow() - timedelta(days=10))
    env = dict(os.environ, RETENTION_DAYS="5")
    result = subprocess.run(
        [sys.executable, "-m", "bot.store", "purge"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "purged 1 conversations" in result.stdout
    with session_scope() as session:
        assert session.scalars(select(Conversation)).all() == []
