"""The handoff's data on SQLite and PostgreSQL: tickets, claims, attachments,
call-back contacts, console sessions and the sign-in throttle."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.store.errors import ConsentRequired, InvalidTransition


def _conversation(session, sender="web:p1", channel="socketio"):
    from bot.store.conversations import get_or_create_conversation

    return get_or_create_conversation(
        session=session, channel=channel, sender_id=sender
    )


def _staff(session, email, role="coordinator"):
    from bot.store.staff import create_staff

    return create_staff(
        session=session, email=email, password="correct horse battery", role=role
    )


@pytest.fixture
def cheap_hashes(monkeypatch):
    """Account creation in these tests is not what is measured: a cheaper scrypt.

    (The production parameters are checked in ``test_password_hashing_meets_owasp``.)
    """
    from bot.store import staff

    monkeypatch.setattr(staff, "SCRYPT_N", 2**12)


def test_two_coordinators_claiming_at_the_same_moment_one_wins(store, cheap_hashes):
    """Both coordinators saw the ticket waiting (their pages were loaded before
    either clicked); both click at once, each on their own connection. Only the
    conditional UPDATE in the database can tell them apart: exactly one wins."""
    from bot.store.db import session_scope
    from bot.store.models import Staff, Ticket
    from bot.store.tickets import assign_ticket, get_ticket, open_ticket

    with session_scope() as session:
        ticket_id = open_ticket(
            session=session,
            conversation=_conversation(session),
            reason="patient_request",
        ).id
        anna, ben = _staff(session, "anna@example.org"), _staff(
            session, "ben@example.org"
        )
        staff_ids = [anna.id, ben.id]

    for round_ in range(3):
        barrier = threading.Barrier(2)
        outcomes: dict = {}

        def claim(staff_id: int, barrier=barrier, outcomes=outcomes) -> None:
            # What each coordinator's page showed: the ticket, waiting.
            with session_scope() as session:
                seen = get_ticket(session=session, ticket_id=ticket_id)
                me = session.get(Staff, staff_id)
                session.expunge_all()
            assert seen.status == "waiting"
            barrier.wait(timeout=30)
            try:
                with session_scope() as session:
                    ticket = session.merge(seen, load=False)
                    staff = session.merge(me, load=False)
                    assign_ticket(session=session, ticket=ticket, staff=staff)
                outcomes[staff_id] = "won"
            except InvalidTransition:
                outcomes[staff_id] = "lost"

        threads = [threading.Thread(target=claim, args=(i,)) for i in staff_ids]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes.values()) == ["lost", "won"], (round_, outcomes)
        winner = next(i for i, o in outcomes.items() if o == "won")
        with session_scope() as session:
            ticket = session.get(Ticket, ticket_id)
            assert ticket.assignee_id == winner and ticket.status == "assigned"
            # Back to the queue for the next round.
            ticket.status, ticket.assignee_id = "waiting", None


def test_release_and_resolve_need_the_holder(store, cheap_hashes):
    from bot.store.db import session_scope
    from bot.store.tickets import (
        assign_ticket,
        open_ticket,
        release_ticket,
        resolve_ticket,
    )

    with session_scope() as session:
        ticket = open_ticket(
            session=session,
            conversation=_conversation(session),
            reason="patient_request",
        )
        anna, ben = _staff(session, "anna@example.org"), _staff(
            session, "ben@example.org"
        )
        assign_ticket(session=session, ticket=ticket, staff=anna)
        with pytest.raises(InvalidTransition):
            release_ticket(session=session, ticket=ticket, staff=ben)
        with pytest.raises(InvalidTransition):
            resolve_ticket(
                session=session, ticket=ticket, staff=ben, require_holder=True
            )
        resolve_ticket(session=session, ticket=ticket, staff=anna, require_holder=True)
        assert ticket.status == "resolved" and ticket.resolution == "resolved"


def test_escalations_share_one_ticket_and_raise_its_priority(store):
    from bot.handoff import packet
    from bot.handoff.escalation import escalate, escalate_urgent
    from bot.store.db import session_scope
    from bot.store.models import Conversation, Ticket

    first = escalate(
        channel="socketio", sender_id="web:p1", reason_code="patient_request"
    )
    assert (
        first.created
        and first.priority == "normal"
        and first.handoff_state == "waiting"
    )
    again = escalate(channel="socketio", sender_id="web:p1", reason_code="appointment")
    assert not again.created and again.ticket_id == first.ticket_id
    urgent = escalate_urgent(
        channel="socketio", sender_id="web:p1", text="he is bleeding"
    )
    assert urgent == first.ticket_id
    with session_scope() as session:
        (ticket,) = session.scalars(select(Ticket)).all()
        assert ticket.priority == "urgent" and ticket.reason == "urgent_symptoms"
        stored = packet.load(ticket.summary)
        assert [r["code"] for r in stored["reasons"]] == [
            "patient_request",
            "appointment",
            "urgent_symptoms",
        ]
        assert stored["red_flags"][0]["text"] == "he is bleeding"
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.handoff_state == "waiting"
        assert conversation.last_inbound_at is not None


def test_the_packet_is_encrypted_at_rest(store, raw_rows):
    from bot.handoff.escalation import escalate_urgent

    escalate_urgent(channel="socketio", sender_id="web:p1", text="he is vomiting blood")
    ((summary,),) = raw_rows(store.engine, "SELECT summary FROM tickets")
    assert summary.startswith("gAAAA") and "vomiting" not in summary


def test_call_back_contact_is_kept_encrypted_with_its_own_consent(store, raw_rows):
    from bot.handoff.contact import Contact
    from bot.handoff.escalation import cancel_by_patient, store_callback_contact
    from bot.store.db import session_scope
    from bot.store.models import ConsentRecord, Conversation, Ticket

    escalated = store_callback_contact(
        channel="socketio",
        sender_id="web:p1",
        contact=Contact(phone="+91 98765 43210"),
    )
    assert escalated is not None and escalated.callback_offered
    with session_scope() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.contact_details == {"phone": "+91 98765 43210"}
        assert conversation.contact_consent_at is not None
        # Consent to a call back is not consent to store health data.
        assert conversation.consent_status == "unknown"
        (record,) = session.scalars(select(ConsentRecord)).all()
        assert record.wording_version == "callback-contact-1" and record.given
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.reason == "callback_request"
    ((stored,),) = raw_rows(store.engine, "SELECT contact_details FROM conversations")
    assert "98765" not in stored

    assert cancel_by_patient(channel="socketio", sender_id="web:p1") is True
    with session_scope() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.status, ticket.resolution) == ("resolved", "cancelled")
        assert session.scalars(select(Conversation)).one().handoff_state is None
    assert cancel_by_patient(channel="socketio", sender_id="web:p1") is False


def test_withdrawing_consent_ends_the_call_back_consent(store):
    from bot.store.conversations import (
        record_consent,
        save_contact_with_consent,
        set_contact_details,
    )
    from bot.store.db import session_scope

    with session_scope() as session:
        conversation = _conversation(session)
        save_contact_with_consent(
            session=session,
            conversation=conversation,
            details={"email": "a@example.org"},
            wording_version="callback-contact-1",
        )
        record_consent(session=session, conversation=conversation, given=False)
        assert conversation.contact_consent_at is None
        with pytest.raises(ConsentRequired):
            set_contact_details(
                session=session, conversation=conversation, details={"phone": "1"}
            )


def test_attachments_are_encrypted_listed_deduplicated_and_erased(store, raw_rows):
    from bot.store.attachments import get_attachment, list_attachments, save_attachment
    from bot.store.conversations import record_consent
    from bot.store.db import session_scope
    from bot.store.privacy import erase_conversation

    pdf = b"%PDF-1.4 Ramesh Kumar MRI liver 2 lesions"
    with session_scope() as session:
        conversation = _conversation(session, sender="wa:abc", channel="whatsapp")
        with pytest.raises(ConsentRequired):
            save_attachment(
                session=session,
                conversation=conversation,
                content_type="application/pdf",
                filename="x.pdf",
                data=pdf,
            )
    with session_scope() as session:
        conversation = _conversation(session, sender="wa:abc", channel="whatsapp")
        record_consent(session=session, conversation=conversation, given=True)
        first = save_attachment(
            session=session,
            conversation=conversation,
            content_type="Application/PDF; name=x",
            filename="../Ramesh_MRI.pdf",
            data=pdf,
            source_message_id="wamid.1",
        )
        again = save_attachment(
            session=session,
            conversation=conversation,
            content_type="application/pdf",
            filename="Ramesh_MRI.pdf",
            data=pdf,
            source_message_id="wamid.1",
        )
        assert again.id == first.id
        listed = list_attachments(session=session, conversation=conversation)
        assert [(a.content_type, a.filename, a.size_bytes) for a in listed] == [
            ("application/pdf", "Ramesh_MRI.pdf", len(pdf))
        ]
        assert get_attachment(session=session, attachment_id=first.id).content == pdf
    ((content, filename),) = raw_rows(
        store.engine, "SELECT content, filename FROM attachments"
    )
    assert "Ramesh" not in content and "Ramesh" not in filename
    with session_scope() as session:
        report = erase_conversation(
            session=session, channel="whatsapp", sender_id="wa:abc", actor="cli"
        )
        assert report.rows["attachments"] == 1
    assert raw_rows(store.engine, "SELECT id FROM attachments") == []


def test_sessions_lapse_when_idle_expired_or_disabled(store, cheap_hashes):
    from bot.store.db import session_scope
    from bot.store.staff import set_active
    from bot.store.staff_sessions import create_session, load_session
    from bot.store.types import utcnow

    idle = timedelta(minutes=30)
    now = utcnow()
    with session_scope() as session:
        anna = _staff(session, "anna@example.org")
        token, row = create_session(
            session=session, staff=anna, lifetime=timedelta(hours=12), now=now
        )
        assert row.token_hash != token  # only the hash is stored
        assert load_session(session=session, token=token, idle=idle, now=now).row
        later = now + timedelta(minutes=29)
        assert load_session(session=session, token=token, idle=idle, now=later).row
        # Activity moved the idle clock (touched at most every 30 s).
        much_later = later + timedelta(minutes=29)
        assert load_session(session=session, token=token, idle=idle, now=much_later).row
        gone = load_session(
            session=session,
            token=token,
            idle=idle,
            now=much_later + timedelta(minutes=31),
        )
        assert gone.row is None and gone.problem == "idle"
        assert (
            load_session(session=session, token=token, idle=idle).problem == "missing"
        )

        token2, _ = create_session(
            session=session, staff=anna, lifetime=timedelta(hours=1)
        )
        expired = load_session(
            session=session, token=token2, idle=idle, now=utcnow() + timedelta(hours=2)
        )
        assert expired.problem in ("expired", "idle")

        token3, _ = create_session(
            session=session, staff=anna, lifetime=timedelta(hours=1)
        )
        set_active(session=session, staff=anna, active=False)
        assert (
            load_session(session=session, token=token3, idle=idle).problem == "missing"
        )


def test_failed_signins_are_counted_in_a_window_and_cleared_by_success(store):
    from bot.store.db import session_scope
    from bot.store.staff_sessions import (
        ACCOUNT,
        ADDRESS,
        clear_account_failures,
        count_failures,
        record_failure,
    )
    from bot.store.types import utcnow

    window = timedelta(minutes=15)
    now = utcnow()
    with session_scope() as session:
        for minutes in (20, 10, 1):
            record_failure(
                session=session,
                account_key="acc",
                address_key="addr",
                now=now - timedelta(minutes=minutes),
            )
        assert (
            count_failures(session=session, kind=ACCOUNT, key_hash="acc", window=window)
            == 2
        )
        assert (
            count_failures(
                session=session, kind=ADDRESS, key_hash="addr", window=window
            )
            == 2
        )
        clear_account_failures(session=session, account_key="acc")
        assert (
            count_failures(session=session, kind=ACCOUNT, key_hash="acc", window=window)
            == 0
        )
        assert (
            count_failures(
                session=session, kind=ADDRESS, key_hash="addr", window=window
            )
            == 2
        )


def test_password_hashing_meets_owasp_and_old_hashes_are_upgraded(store, monkeypatch):
    """OWASP Password Storage Cheat Sheet: scrypt N >= 2^17, r = 8, p = 1."""
    from bot.store import staff as staff_module
    from bot.store.db import session_scope
    from bot.store.staff import authenticate, create_staff, hash_password, needs_rehash

    assert (staff_module.SCRYPT_N, staff_module.SCRYPT_R, staff_module.SCRYPT_P) >= (
        2**17,
        8,
        1,
    )
    encoded = hash_password("correct horse battery")
    assert encoded.startswith(f"scrypt${2**17}$8$1$") and not needs_rehash(encoded)

    # An account made with the first release's parameters (N=2^14)...
    monkeypatch.setattr(staff_module, "SCRYPT_N", 2**14)
    with session_scope() as session:
        create_staff(
            session=session, email="old@example.org", password="correct horse battery"
        )
    monkeypatch.setattr(staff_module, "SCRYPT_N", 2**17)
    with session_scope() as session:
        # ...still signs in, and its hash is replaced by a stronger one.
        staff = authenticate(
            session=session, email="old@example.org", password="correct horse battery"
        )
        assert staff is not None
        assert staff.password_hash.startswith(f"scrypt${2**17}$")
        assert (
            authenticate(session=session, email="old@example.org", password="wrong")
            is None
        )
