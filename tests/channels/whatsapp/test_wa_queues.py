"""The inbound queue and the outbox sender, on a real (SQLite) database.

No Rasa here: the handler and the provider are plain objects, so each case
(a crash, a failure, a retry, a closed window) is reproduced exactly.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from bot.channels.whatsapp.config import SenderTuning, TemplateConfig
from bot.channels.whatsapp.inbound import InboundQueue
from bot.channels.whatsapp.messages import KIND_TEXT, Inbound
from bot.channels.whatsapp.outbox import OutboxSender, queue_message
from bot.channels.whatsapp.provider import ProviderError
from bot.store.models import OutboxMessage, Ticket, TicketNote
from bot.store.types import utcnow

NUMBER = "919812345678"


def _message(n: int = 1) -> Inbound:
    return Inbound(
        message_id=f"wamid.{n}", sender=NUMBER, kind=KIND_TEXT, text=f"question {n}"
    )


def _queue(handler, **kwargs) -> InboundQueue:
    return InboundQueue(
        channel="whatsapp",
        id_secret=b"k" * 32,
        handler=handler,
        **kwargs,
    )


def test_a_message_is_processed_once_even_if_delivered_again(app_db):
    seen = []

    async def handler(message, sender_id):
        seen.append((message.message_id, sender_id))

    async def scenario():
        queue = _queue(handler)
        first = await queue.accept([_message()])
        again = await queue.accept([_message()])
        queue.process_later(first)
        await queue.wait_idle()
        return first, again

    first, again = asyncio.run(scenario())
    assert len(first) == 1 and again == []
    assert seen == [("wamid.1", first[0].sender_id)]
    assert NUMBER not in first[0].sender_id


def test_a_message_whose_process_died_is_processed_by_another(app_db):
    seen = []

    async def never(message, sender_id):  # the process dies before it runs
        raise AssertionError("not reached")

    async def handler(message, sender_id):
        seen.append(message.text)

    async def scenario():
        dead = _queue(never, lease_seconds=0)
        await dead.accept([_message()])  # claimed, 200 answered, then the crash
        return await _queue(handler).recover_once()

    assert asyncio.run(scenario()) == 1
    assert seen == ["question 1"]
    with app_db() as session:
        rows = session.execute(
            text("SELECT status, payload FROM processed_inbound")
        ).all()
    assert [tuple(r) for r in rows] == [("done", None)]


def test_a_failing_message_is_retried_then_shown_to_staff(app_db):
    calls = []

    async def broken(message, sender_id):
        calls.append(message.message_id)
        raise KeyError("boom")

    async def scenario():
        queue = _queue(broken, retry_seconds=0, max_attempts=3)
        queue.process_later(await queue.accept([_message()]))
        await queue.wait_idle()
        while await queue.recover_once():
            pass

    asyncio.run(scenario())
    assert calls == ["wamid.1"] * 3  # tried three times, then given up
    with app_db() as session:
        status, payload, error = session.execute(
            text("SELECT status, payload, last_error FROM processed_inbound")
        ).one()
        ticket = session.scalars(select(Ticket)).one()
        note = session.scalars(select(TicketNote)).one()
        assert (status, payload) == ("failed", None)
        assert error.startswith("KeyError at ")
        assert (ticket.reason, ticket.priority) == ("message_not_processed", "high")
        assert "could not be processed" in note.body


TEMPLATE = TemplateConfig("coordinator_reply", "en", ("coordinator_name",))


class FakeProvider:
    """A provider that fails as told, and records what it sent."""

    channel = "whatsapp"

    def __init__(self, failures=(), template=TEMPLATE):
        self.failures = list(failures)
        self.sent = []
        self.template = template

    @property
    def has_template(self):
        return self.template is not None

    async def send(self, to, part, outbox_id):
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((to, part["text"]["body"]))
        return f"wamid.out{outbox_id}"

    async def send_template(self, to, parameters, outbox_id):
        self.sent.append((to, f"[template {self.template.name} {parameters}]"))
        return f"wamid.tpl{outbox_id}"


TUNING = SenderTuning(
    retry_base_seconds=0.0, max_attempts=3, ack_grace_seconds=0.0, timeout_seconds=1.0
)


def _patient(app_db, sender="wa:p1", hours_ago=0.0):
    from bot.store.conversations import (
        get_or_create_conversation,
        record_inbound,
        set_channel_address,
    )
    from bot.store.messaging import claim_inbound

    with app_db() as session:
        conversation = get_or_create_conversation(
            session=session, channel="whatsapp", sender_id=sender
        )
        set_channel_address(
            session=session, conversation=conversation, field="whatsapp", address=NUMBER
        )
        claim_inbound(
            session=session,
            channel="whatsapp",
            message_id=f"in-{sender}-{hours_ago}",
            conversation=conversation,
            payload={},
            lease_seconds=0,
            at=utcnow() - timedelta(hours=hours_ago),
        )
        record_inbound(
            session=session,
            conversation=conversation,
            at=utcnow() - timedelta(hours=hours_ago),
        )


def _send(texts, origin="bot", sender="wa:p1", name=None):
    parts = [{"type": "text", "text": {"body": t}} for t in texts]
    return queue_message(
        channel="whatsapp", sender_id=sender, parts=parts, origin=origin, name=name
    )


async def _drain(sender):
    while await sender.drain_once():
        pass


def test_failures_are_retried_and_messages_arrive_once_in_order(app_db):
    _patient(app_db)
    _send(["first", "second", "third"])
    provider = FakeProvider(
        failures=[
            ProviderError("graph:130429 (HTTP 429)", retryable=True),
            ProviderError("http:500 (HTTP 500)", retryable=True),
        ]
    )
    sender = OutboxSender(TUNING)
    sender.register(provider)
    asyncio.run(_drain(sender))
    assert [body for _, body in provider.sent] == ["first", "second", "third"]
    with app_db() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.status, r.attempts) for r in rows] == [
            ("sent", 3),
            ("sent", 1),
            ("sent", 1),
        ]


def test_a_message_still_failing_after_the_retries_is_shown_to_staff(app_db):
    _patient(app_db)
    _send(["never arrives", "after it"])
    provider = FakeProvider(failures=[ProviderError("http:500", retryable=True)] * 3)
    sender = OutboxSender(TUNING)
    sender.register(provider)
    asyncio.run(_drain(sender))
    assert [body for _, body in provider.sent] == ["after it"]
    with app_db() as session:
        statuses = (
            session.execute(text("SELECT status FROM outbox ORDER BY id"))
            .scalars()
            .all()
        )
        assert statuses == ["failed", "sent"]
        ticket = session.scalars(select(Ticket)).one()
        assert ticket.reason == "delivery_failed"


def test_an_unknown_outcome_waits_for_the_callback_before_sending_again(app_db):
    _patient(app_db)
    _send(["hello"])
    provider = FakeProvider(failures=[ProviderError("timeout", outcome_unknown=True)])
    tuning = SenderTuning(
        retry_base_seconds=0.0,
        max_attempts=3,
        ack_grace_seconds=3600,
        timeout_seconds=1.0,
    )
    sender = OutboxSender(tuning)
    sender.register(provider)
    asyncio.run(_drain(sender))
    assert (
        provider.sent == []
    )  # not sent again at once: the callback may say it arrived
    from bot.store.messaging import record_receipt

    with app_db() as session:
        (row,) = session.scalars(select(OutboxMessage)).all()
        assert row.status == "sending"
        record_receipt(
            session=session,
            status="sent",
            provider_message_id="wamid.late",
            outbox_id=row.id,
        )
    asyncio.run(_drain(sender))
    assert provider.sent == []
    with app_db() as session:
        assert session.execute(text("SELECT status FROM outbox")).scalar() == "sent"


@pytest.mark.parametrize(
    "origin, sent_kind", [("coordinator", "template"), ("bot", None)]
)
def test_outside_the_window(app_db, origin, sent_kind):
    _patient(app_db, hours_ago=30)
    _send(["Your results are in."], origin=origin, name="Anna")
    provider = FakeProvider()
    sender = OutboxSender(TUNING)
    sender.register(provider)
    asyncio.run(_drain(sender))
    if sent_kind == "template":
        assert provider.sent == [(NUMBER, "[template coordinator_reply ['Anna']]")]
    else:
        assert provider.sent == []
    with app_db() as session:
        statuses = (
            session.execute(text("SELECT status FROM outbox ORDER BY id"))
            .scalars()
            .all()
        )
    assert statuses == (["held", "sent"] if sent_kind else ["refused"])


def test_without_a_configured_template_a_staff_message_is_refused_not_lost_silently(
    app_db, caplog
):
    from bot.store.conversations import get_conversation
    from bot.store.tickets import open_ticket

    _patient(app_db, hours_ago=30)
    with app_db() as session:
        conversation = get_conversation(
            session=session, channel="whatsapp", sender_id="wa:p1"
        )
        open_ticket(
            session=session, conversation=conversation, reason="patient_request"
        )
    _send(["Your results are in."], origin="coordinator", name="Anna")
    provider = FakeProvider(template=None)
    sender = OutboxSender(TUNING)
    sender.register(provider)
    asyncio.run(_drain(sender))
    assert provider.sent == []
    assert "refused" in caplog.text
    with app_db() as session:
        note = session.scalars(select(TicketNote)).one()
        assert "could not be sent" in note.body
