"""Consent, screenings, tickets, staff, outbox and audit, on both databases."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.store.audit import list_audit
from bot.store.conversations import (
    get_conversation,
    get_or_create_conversation,
    record_consent,
    set_contact_details,
)
from bot.store.db import session_scope
from bot.store.errors import ConsentRequired, InvalidTransition
from bot.store.messaging import (
    enqueue_outbound,
    list_undelivered,
    mark_delivered,
    mark_inbound_processed,
    record_delivery_failure,
)
from bot.store.models import ConsentRecord, Conversation, Ticket
from bot.store.screenings import latest_screening, save_screening
from bot.store.staff import authenticate, create_staff, verify_password
from bot.store.tickets import (
    assign_ticket,
    get_ticket,
    list_tickets,
    open_ticket,
    release_ticket,
    resolve_ticket,
)

FACTS = {"platelets_per_ul": {"value": 80000, "text": "0.8 lakh", "unit": "lakh"}}


def _conversation(session, sender="p1", consent=True):
    conversation = get_or_create_conversation(
        session=session, channel="socketio", sender_id=sender
    )
    if consent:
        record_consent(session=session, conversation=conversation, given=True)
    return conversation


def _screen(session, conversation):
    return save_screening(
        session=session,
        conversation=conversation,
        facts=FACTS,
        outcome="eligible",
        rules_version="r1",
    )


def test_no_health_data_is_stored_before_consent(store):
    with session_scope() as session:
        conversation = _conversation(session, consent=False)
        with pytest.raises(ConsentRequired):
            _screen(session, conversation)
        with pytest.raises(ConsentRequired):
            set_contact_details(
                session=session, conversation=conversation, details={"name": "A"}
            )
        record_consent(session=session, conversation=conversation, given=True)
        _screen(session, conversation)
    with session_scope() as session:
        conversation = get_conversation(
            session=session, channel="socketio", sender_id="p1"
        )
        assert (
            latest_screening(session=session, conversation=conversation).facts == FACTS
        )


def test_withdrawing_consent_is_one_call_and_stops_further_storing(store):
    with session_scope() as session:
        conversation = _conversation(session)
        _screen(session, conversation)
        record_consent(session=session, conversation=conversation, given=False)
        with pytest.raises(ConsentRequired, match="withdrawn"):
            _screen(session, conversation)
    with session_scope() as session:
        conversation = session.scalars(select(Conversation)).one()
        assert conversation.consent_status == "withdrawn"
        assert conversation.consent_withdrawn_at >= conversation.consent_given_at
        history = session.scalars(select(ConsentRecord).order_by(ConsentRecord.id))
        assert [record.given for record in history] == [True, False]
        actions = [entry.action for entry in list_audit(session=session)]
        assert actions[:2] == ["consent_withdrawn", "consent_given"]


def test_the_same_patient_on_the_same_channel_is_one_conversation(store):
    with session_scope() as session:
        first = _conversation(session, consent=False).id
    with session_scope() as session:
        again = get_or_create_conversation(
            session=session, channel="socketio", sender_id="p1", language="fr"
        )
        other = get_or_create_conversation(
            session=session, channel="whatsapp", sender_id="p1"
        )
        assert again.id == first and again.language == "fr"
        assert other.id != first


def test_ticket_workflow_waiting_assigned_resolved(store):
    with session_scope() as session:
        conversation = _conversation(session)
        anna = create_staff(
            session=session, email="anna@example.org", password="anna's long pass"
        )
        ben = create_staff(
            session=session, email="ben@example.org", password="ben's long passwd"
        )
        ticket = open_ticket(
            session=session, conversation=conversation, reason="patient_request"
        )
        assert ticket.status == "waiting" and ticket.priority == "normal"

        assign_ticket(session=session, ticket=ticket, staff=anna)
        assert (ticket.status, ticket.assignee_id) == ("assigned", anna.id)
        with pytest.raises(InvalidTransition, match="held by"):
            assign_ticket(session=session, ticket=ticket, staff=ben)
        assign_ticket(session=session, ticket=ticket, staff=ben, takeover=True)
        assert ticket.assignee_id == ben.id
        release_ticket(session=session, ticket=ticket, staff=ben)
        assert (ticket.status, ticket.assignee_id) == ("waiting", None)

        resolve_ticket(session=session, ticket=ticket, staff=anna)
        assert ticket.status == "resolved" and ticket.resolved_at is not None
        with pytest.raises(InvalidTransition):
            assign_ticket(session=session, ticket=ticket, staff=anna)
        with pytest.raises(InvalidTransition):
            resolve_ticket(session=session, ticket=ticket, staff=anna)

        # Resolved is final: a new escalation opens a new ticket.
        again = open_ticket(
            session=session, conversation=conversation, reason="patient_request"
        )
        assert again.id != ticket.id and again.status == "waiting"
        ticket_id = ticket.id
    with session_scope() as session:
        assert get_ticket(session=session, ticket_id=ticket_id).status == "resolved"


def test_a_second_escalation_raises_the_open_tickets_priority(store):
    with session_scope() as session:
        conversation = _conversation(session)
        first = open_ticket(
            session=session, conversation=conversation, reason="eligibility_review"
        )
        urgent = open_ticket(
            session=session,
            conversation=conversation,
            reason="urgent_symptoms",
            priority="urgent",
            summary="fever and jaundice",
        )
        assert urgent.id == first.id
        assert (urgent.priority, urgent.reason) == ("urgent", "urgent_symptoms")
        calmer = open_ticket(
            session=session, conversation=conversation, reason="patient_request"
        )
        assert calmer.priority == "urgent"
        assert session.scalars(select(Ticket)).all() == [first]


def test_the_queue_lists_urgent_first_then_oldest(store):
    with session_scope() as session:
        for sender, priority in [
            ("a", "normal"),
            ("b", "urgent"),
            ("c", "high"),
            ("d", "urgent"),
        ]:
            open_ticket(
                session=session,
                conversation=_conversation(session, sender),
                reason="r",
                priority=priority,
            )
        queue = list_tickets(session=session)
        assert [t.conversation.sender_id for t in queue] == ["b", "d", "c", "a"]
        with pytest.raises(ValueError):
            open_ticket(
                session=session,
                conversation=_conversation(session, "e"),
                reason="r",
                priority="critical",
            )


def test_staff_passwords_are_hashed_and_checked(store):
    with session_scope() as session:
        staff = create_staff(
            session=session,
            email="Coord@Example.org",
            password="correct horse battery",
            role="admin",
        )
        assert "correct horse" not in staff.password_hash
        assert staff.password_hash.startswith("scrypt$")
        assert verify_password("correct horse battery", staff.password_hash)
        with pytest.raises(ValueError):
            create_staff(session=session, email="x@example.org", password="short")
        with pytest.raises(ValueError):
            create_staff(
                session=session,
                email="y@example.org",
                password="long enough password",
                role="root",
            )
    with session_scope() as session:
        assert authenticate(
            session=session, email="coord@example.org", password="correct horse battery"
        )
        assert not authenticate(
            session=session, email="coord@example.org", password="wrong password!!"
        )
        assert not authenticate(
            session=session,
            email="nobody@example.org",
            password="correct horse battery",
        )
    # Two hashes of one password differ (random salt).
    with session_scope() as session:
        other = create_staff(
            session=session, email="b@example.org", password="correct horse battery"
        )
        assert other.password_hash != staff.password_hash


def test_a_failing_write_is_raised_and_rolls_back_the_whole_transaction(store):
    with session_scope() as session:
        create_staff(session=session, email="a@example.org", password="p" * 12)
    with pytest.raises(IntegrityError):
        with session_scope() as session:
            _conversation(session, "lost")
            create_staff(session=session, email="A@example.org", password="q" * 12)
    with session_scope() as session:
        assert (
            get_conversation(session=session, channel="socketio", sender_id="lost")
            is None
        )


def test_outbox_keeps_messages_until_delivered(store):
    with session_scope() as session:
        conversation = _conversation(session)
        first = enqueue_outbound(
            session=session, conversation=conversation, payload={"text": "hello"}
        )
        second = enqueue_outbound(
            session=session, conversation=conversation, payload={"text": "again"}
        )
        ids = (first.id, second.id)
    with session_scope() as session:
        record_delivery_failure(session=session, outbox_id=ids[0], error="HTTP 503")
        mark_delivered(session=session, outbox_id=ids[1], provider_message_id="wamid.1")
    with session_scope() as session:
        pending = list_undelivered(session=session, claim=True)
        assert [m.id for m in pending] == [ids[0]]
        assert pending[0].attempts == 1 and pending[0].last_error == "HTTP 503"
        assert pending[0].payload == {"text": "hello"}
        assert list_undelivered(session=session, max_attempts=1) == []
        assert [
            m.id for m in list_undelivered(session=session, channel="socketio")
        ] == [ids[0]]
        assert list_undelivered(session=session, channel="whatsapp") == []


def test_inbound_ids_are_claimed_once_per_channel(store):
    with session_scope() as session:
        assert mark_inbound_processed(
            session=session, channel="whatsapp", message_id="m1"
        )
        assert not mark_inbound_processed(
            session=session, channel="whatsapp", message_id="m1"
        )
        assert mark_inbound_processed(
            session=session, channel="twilio", message_id="m1"
        )
    with session_scope() as session:
        assert not mark_inbound_processed(
            session=session, channel="whatsapp", message_id="m1"
        )


def test_a_rolled_back_claim_lets_the_redelivery_through(store):
    with pytest.raises(RuntimeError):
        with session_scope() as session:
            assert mark_inbound_processed(
                session=session, channel="whatsapp", message_id="m9"
            )
            raise RuntimeError("handling failed before the reply was sent")
    with session_scope() as session:
        assert mark_inbound_processed(
            session=session, channel="whatsapp", message_id="m9"
        )
