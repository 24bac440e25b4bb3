"""The WhatsApp bookkeeping of the data layer, on SQLite and PostgreSQL.

Inbound: claimed once, kept encrypted until processed, taken over after a
crash. Outbound: in order per conversation, leases, retries, receipts, the
24-hour window's held messages. Files: held, kept with consent, discarded.
"""

from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.store.conversations import (
    channel_address,
    get_or_create_conversation,
    record_consent,
    set_channel_address,
    set_contact_details,
)
from bot.store.db import session_scope
from bot.store.errors import ConsentRequired
from bot.store.media import (
    discard_pending_media,
    hold_media,
    keep_media,
    keep_pending_media,
    list_media,
    purge_pending_media,
)
from bot.store.messaging import (
    claim_due_outbound,
    claim_inbound,
    complete_inbound,
    fail_inbound,
    lease_stale_inbound,
    outbound_final,
    outbound_retry,
    outbound_sent,
    queue_outbound,
    record_receipt,
    release_held,
    template_sent_since,
)
from bot.store.privacy import erase_conversation
from bot.store.types import utcnow

NUMBER = "447700900123"


def _conversation(session, sender="wa:abc"):
    return get_or_create_conversation(
        session=session, channel="whatsapp", sender_id=sender
    )


def _claim(session, conversation, message_id="wamid.1", lease=60, at=None):
    return claim_inbound(
        session=session,
        channel="whatsapp",
        message_id=message_id,
        conversation=conversation,
        payload={"text": "my bilirubin is 2.1"},
        lease_seconds=lease,
        at=at,
    )


def test_the_phone_number_is_kept_encrypted_for_replies(store):
    with session_scope() as session:
        conversation = _conversation(session)
        set_channel_address(
            session=session, conversation=conversation, field="whatsapp", address=NUMBER
        )
    with session_scope() as session:
        conversation = _conversation(session)
        assert channel_address(conversation, "whatsapp") == NUMBER
        raw = session.execute(
            text("SELECT sender_id, contact_details FROM conversations")
        ).one()
    assert NUMBER not in raw.sender_id
    assert raw.contact_details.startswith("gAAAAA")  # a Fernet token, not JSON


def test_contact_details_given_later_keep_the_reply_address(store):
    with session_scope() as session:
        conversation = _conversation(session)
        set_channel_address(
            session=session, conversation=conversation, field="whatsapp", address=NUMBER
        )
        record_consent(session=session, conversation=conversation, given=True)
        set_contact_details(
            session=session, conversation=conversation, details={"email": "a@b.org"}
        )
        assert conversation.contact_details == {"email": "a@b.org", "whatsapp": NUMBER}


def test_a_message_is_claimed_once_and_its_text_dropped_when_done(store):
    with session_scope() as session:
        conversation = _conversation(session)
        first = _claim(session, conversation)
        assert first is not None
        assert _claim(session, conversation) is None
        first_id = first.id
    with session_scope() as session:
        raw = session.execute(
            text("SELECT status, payload FROM processed_inbound")
        ).one()
        assert raw.status == "received" and raw.payload.startswith("gAAAAA")
        complete_inbound(session=session, inbound_id=first_id)
    with session_scope() as session:
        raw = session.execute(
            text("SELECT status, payload FROM processed_inbound")
        ).one()
        assert (raw.status, raw.payload) == ("done", None)


def test_a_message_whose_process_died_is_taken_over_once(store):
    now = utcnow()
    with session_scope() as session:
        conversation = _conversation(session)
        _claim(session, conversation, lease=30, at=now - timedelta(seconds=60))
        _claim(session, conversation, "wamid.2", lease=600, at=now)
    with session_scope() as session:
        taken = lease_stale_inbound(
            session=session, channels=["whatsapp"], lease_seconds=60, now=now
        )
        assert [(row.message_id, row.attempts) for row in taken] == [("wamid.1", 2)]
        assert taken[0].payload == {"text": "my bilirubin is 2.1"}
    with session_scope() as session:
        # Its new lease is running: nobody else takes it.
        assert (
            lease_stale_inbound(
                session=session, channels=["whatsapp"], lease_seconds=60, now=now
            )
            == []
        )
        fail_inbound(
            session=session, inbound_id=taken[0].id, error="KeyError at x.py:1"
        )
    with session_scope() as session:
        later = lease_stale_inbound(
            session=session,
            channels=["whatsapp"],
            lease_seconds=60,
            now=now + timedelta(hours=1),
        )
        # wamid.2's lease ran out: it is taken; the failed wamid.1 never again.
        assert [row.message_id for row in later] == ["wamid.2"]
        rows = session.execute(
            text("SELECT message_id, status FROM processed_inbound ORDER BY id")
        ).all()
    assert rows[0] == ("wamid.1", "failed")


def _queue(session, conversation, *texts, origin="bot"):
    return queue_outbound(
        session=session,
        conversation=conversation,
        payloads=[{"part": {"type": "text", "text": {"body": t}}} for t in texts],
        origin=origin,
    )


def _take(session, now=None):
    return claim_due_outbound(
        session=session,
        channels=["whatsapp"],
        lease_seconds=30,
        hold_seconds=60,
        now=now,
    )


def test_only_the_oldest_pending_message_of_a_conversation_is_taken(store):
    with session_scope() as session:
        one = _conversation(session, "wa:one")
        two = _conversation(session, "wa:two")
        _queue(session, one, "1a", "1b")
        _queue(session, two, "2a")
    with session_scope() as session:
        taken = _take(session)
        assert [m.payload["part"]["text"]["body"] for m in taken] == ["1a", "2a"]
        assert all(m.status == "sending" and m.attempts == 1 for m in taken)
    with session_scope() as session:
        assert _take(session) == []  # both are leased; 1b waits for 1a
        outbound_sent(session=session, outbox_id=taken[0].id, provider_message_id="w1")
    with session_scope() as session:
        assert [m.payload["part"]["text"]["body"] for m in _take(session)] == ["1b"]


def test_a_failed_attempt_waits_and_keeps_the_order(store):
    now = utcnow()
    with session_scope() as session:
        conversation = _conversation(session)
        _queue(session, conversation, "first", "second")
    with session_scope() as session:
        (first,) = _take(session, now)
        outbound_retry(
            session=session,
            outbox_id=first.id,
            error="graph:130429 (HTTP 429)",
            retry_at=now + timedelta(seconds=10),
        )
    with session_scope() as session:
        assert _take(session, now + timedelta(seconds=5)) == []
        (again,) = _take(session, now + timedelta(seconds=11))
        assert again.id == first.id and again.attempts == 2
        assert again.last_error == "graph:130429 (HTTP 429)"


def test_a_send_with_an_unknown_outcome_is_confirmed_by_the_callback(store):
    now = utcnow()
    with session_scope() as session:
        conversation = _conversation(session)
        _queue(session, conversation, "hello")
    with session_scope() as session:
        (message,) = _take(session, now)
        outbound_retry(
            session=session,
            outbox_id=message.id,
            error="timeout",
            retry_at=now + timedelta(seconds=60),
            outcome_unknown=True,
        )
    with session_scope() as session:
        record_receipt(
            session=session,
            status="sent",
            provider_message_id="wamid.x",
            outbox_id=message.id,
        )
    with session_scope() as session:
        assert _take(session, now + timedelta(hours=1)) == []  # never sent twice
        raw = session.execute(
            text("SELECT status, provider_message_id, receipt_status FROM outbox")
        ).one()
    assert tuple(raw) == ("sent", "wamid.x", "sent")


def test_receipts_only_move_forward(store):
    with session_scope() as session:
        conversation = _conversation(session)
        (row,) = _queue(session, conversation, "hi")
        outbound_sent(session=session, outbox_id=row.id, provider_message_id="wamid.9")
        for status in ("read", "delivered", "sent"):
            record_receipt(
                session=session, status=status, provider_message_id="wamid.9"
            )
        assert row.receipt_status == "read"
        assert (
            record_receipt(session=session, status="read", provider_message_id="nope")
            is None
        )
        with pytest.raises(ValueError):
            record_receipt(
                session=session, status="deleted", provider_message_id="wamid.9"
            )


def test_held_messages_wait_for_the_patient_and_keep_their_place(store):
    with session_scope() as session:
        conversation = _conversation(session)
        (held,) = _queue(
            session, conversation, "coordinator reply", origin="coordinator"
        )
    with session_scope() as session:
        (message,) = _take(session)
        outbound_final(session=session, outbox_id=message.id, status="held")
        conversation = _conversation(session)
        assert not template_sent_since(
            session=session, conversation=conversation, since=None
        )
        queue_outbound(
            session=session,
            conversation=conversation,
            payloads=[{"template": True}],
            origin="template",
        )
        assert template_sent_since(
            session=session, conversation=conversation, since=None
        )
    with session_scope() as session:
        (template,) = _take(session)  # held messages do not block the template
        assert template.origin == "template"
        outbound_sent(session=session, outbox_id=template.id, provider_message_id="t")
        assert _take(session) == []
    with session_scope() as session:
        assert release_held(session=session, conversation=_conversation(session)) == 1
    with session_scope() as session:
        (released,) = _take(session)
        assert released.id == held.id


PDF = b"%PDF-1.4 a report"


def test_files_are_held_encrypted_and_kept_only_with_consent(store, sealed):
    from bot.store.attachments import get_attachment, list_attachments

    with session_scope() as session:
        conversation = _conversation(session)
        row = hold_media(
            session=session,
            conversation=conversation,
            content_type="application/pdf",
            filename="discharge.pdf",
            data=PDF,
            source_message_id="wamid.5",
        )
        with pytest.raises(ConsentRequired):
            keep_media(session=session, conversation=conversation, row=row)
    with session_scope() as session:
        raw = session.execute(text("SELECT data, filename FROM channel_media")).one()
        assert sealed(raw.filename) == "discharge.pdf"
        conversation = _conversation(session)
        (row,) = list_media(session=session, conversation=conversation)
        assert row.data == PDF
        record_consent(session=session, conversation=conversation, given=True)
        (kept,) = keep_pending_media(session=session, conversation=conversation)
        assert list_media(session=session, conversation=conversation) == []
        (listed,) = list_attachments(session=session, conversation=conversation)
        assert listed.id == kept.id and listed.content_type == "application/pdf"
        stored = get_attachment(session=session, attachment_id=kept.id)
        assert stored.content == PDF and stored.source_message_id == "wamid.5"


def test_refused_and_forgotten_files_are_deleted(store):
    with session_scope() as session:
        conversation = _conversation(session)
        for _ in range(2):
            hold_media(
                session=session,
                conversation=conversation,
                content_type="image/jpeg",
                filename="",
                data=b"\xff\xd8\xff",
            )
        assert discard_pending_media(session=session, conversation=conversation) == 2
        hold_media(
            session=session,
            conversation=conversation,
            content_type="image/png",
            filename="",
            data=b"x",
        )
        assert purge_pending_media(session=session, now=utcnow()) == 0
        assert (
            purge_pending_media(session=session, now=utcnow() + timedelta(days=2)) == 1
        )


def test_erasure_removes_queued_messages_files_and_inbound_text(store):
    with session_scope() as session:
        conversation = _conversation(session)
        _claim(session, conversation)
        _queue(session, conversation, "hi")
        hold_media(
            session=session,
            conversation=conversation,
            content_type="image/png",
            filename="",
            data=b"x",
        )
    with session_scope() as session:
        report = erase_conversation(
            session=session, channel="whatsapp", sender_id="wa:abc", actor="cli"
        )
        assert report.found
    with session_scope() as session:
        for table in ("outbox", "channel_media", "processed_inbound", "conversations"):
            assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_the_daily_purge_deletes_files_nobody_agreed_to_keep(store):
    from bot.store.privacy import purge_expired

    with session_scope() as session:
        conversation = _conversation(session)
        hold_media(
            session=session,
            conversation=conversation,
            content_type="image/png",
            filename="",
            data=b"x",
        )
    with session_scope() as session:
        assert purge_expired(session=session).pending_files == 0
        report = purge_expired(session=session, now=utcnow() + timedelta(days=2))
        assert report.pending_files == 1


def test_sends_a_dead_sender_left_in_flight_wait_for_their_confirmation(store):
    from bot.store.messaging import defer_unconfirmed

    now = utcnow()
    with session_scope() as session:
        conversation = _conversation(session)
        _queue(session, conversation, "in flight")
    with session_scope() as session:
        (taken,) = claim_due_outbound(
            session=session,
            channels=["whatsapp"],
            lease_seconds=30,
            hold_seconds=30,
            now=now,
        )
    later = now + timedelta(minutes=5)  # the sender died; its lease ran out
    with session_scope() as session:
        assert (
            defer_unconfirmed(
                session=session,
                channels=["whatsapp"],
                until=later + timedelta(seconds=60),
                now=later,
            )
            == 1
        )
        assert _take(session, later) == []  # not before the new grace
        assert [m.id for m in _take(session, later + timedelta(seconds=61))] == [
            taken.id
        ]
