"""Inbound idempotency and the outbound outbox.

* :func:`mark_inbound_processed` — a webhook delivered twice (channels retry on
  timeouts) is handled once, even when the copies reach two server processes
  at the same moment: a unique constraint decides, inside a SAVEPOINT so the
  caller's transaction survives the clash.
* The outbox keeps every outbound message until the channel confirms it, so a
  crash or an outage between "decided to send" and "sent" loses nothing; a
  sender process claims rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) so two
  replicas do not send the same message.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, List, Mapping, Sequence

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.errors import NotFound
from bot.store.models import Conversation, OutboxMessage, ProcessedInbound
from bot.store.types import utcnow


def mark_inbound_processed(
    *,
    session: Session,
    channel: str,
    message_id: str,
    at: datetime | None = None,
) -> bool:
    """Claim an inbound message id.

    Args:
        session: the caller's session; the claim becomes visible to other
            processes when the caller commits (a rollback releases it, so a
            message whose handling failed is processed again on redelivery).
        channel: input channel name.
        message_id: the channel's id of the message (``wamid…``, ``SM…``).
        at: when (now by default).

    Returns:
        True the first time this id is seen on this channel, False afterwards.

    """
    if not message_id:
        raise ValueError("an inbound message id is required")
    try:
        with session.begin_nested():
            session.add(
                ProcessedInbound(
                    channel=channel, message_id=message_id, processed_at=at or utcnow()
                )
            )
    except IntegrityError:
        return False
    return True


def enqueue_outbound(
    *,
    session: Session,
    conversation: Conversation,
    payload: Mapping[str, Any],
    author_staff_id: int | None = None,
) -> OutboxMessage:
    """Queue a message for the patient (stored encrypted until delivered).

    Args:
        session: the caller's session.
        conversation: the recipient's conversation (gives channel and sender id).
        payload: channel-neutral message, e.g. ``{"text": …, "buttons": […]}``.
        author_staff_id: the coordinator who wrote it, for staff replies.

    Returns:
        The queued message.

    """
    if not payload:
        raise ValueError("empty outbound message")
    message = OutboxMessage(
        conversation_id=conversation.id,
        payload=dict(payload),
        author_staff_id=author_staff_id,
        created_at=utcnow(),
        attempts=0,
    )
    session.add(message)
    session.flush()
    return message


def list_undelivered(
    *,
    session: Session,
    limit: int = 100,
    max_attempts: int | None = None,
    channel: str | None = None,
    claim: bool = False,
) -> List[OutboxMessage]:
    """Messages not yet confirmed delivered, oldest first.

    Args:
        session: the caller's session.
        limit: at most this many.
        max_attempts: leave out messages tried this many times or more.
        channel: only this channel's messages.
        claim: lock the rows for this transaction, skipping rows another
            sender has locked (PostgreSQL; SQLite has one writer anyway).

    """
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.delivered_at.is_(None))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if max_attempts is not None:
        query = query.where(OutboxMessage.attempts < max_attempts)
    if channel is not None:
        query = query.join(Conversation).where(Conversation.channel == channel)
    if claim:
        query = query.with_for_update(skip_locked=True, of=OutboxMessage)
    return list(session.scalars(query))


def _get(session: Session, outbox_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, outbox_id)
    if message is None:
        raise NotFound(f"outbox message {outbox_id} does not exist")
    return message


def mark_delivered(
    *,
    session: Session,
    outbox_id: int,
    provider_message_id: str | None = None,
) -> OutboxMessage:
    """Record that the channel accepted the message (counts as an attempt)."""
    message = _get(session, outbox_id)
    now = utcnow()
    message.attempts = (message.attempts or 0) + 1
    message.last_attempt_at = now
    if message.delivered_at is None:
        message.delivered_at = now
    message.provider_message_id = provider_message_id or message.provider_message_id
    message.last_error = None
    session.flush()
    return message


def record_delivery_failure(
    *, session: Session, outbox_id: int, error: str
) -> OutboxMessage:
    """Record a failed attempt; the message stays in the outbox.

    Args:
        session: the caller's session.
        outbox_id: the message.
        error: the channel's error code or message; never the message text.

    """
    message = _get(session, outbox_id)
    message.attempts = (message.attempts or 0) + 1
    message.last_attempt_at = utcnow()
    message.last_error = error[:255]
    session.flush()
    return message


# -- the inbound queue (WhatsApp) ---------------------------------------------


def claim_inbound(
    *,
    session: Session,
    channel: str,
    message_id: str,
    conversation: Conversation,
    payload: Mapping[str, Any],
    lease_seconds: float,
    at: datetime | None = None,
) -> ProcessedInbound | None:
    """Claim an inbound message and keep it (encrypted) until it is processed.

    Args:
        session: the caller's session; commit before answering the webhook.
        channel: input channel name.
        message_id: the provider's message id.
        conversation: the patient's conversation.
        payload: the message (``Inbound.to_dict()``).
        lease_seconds: how long this process has to process it before another
            process may take it over.
        at: now (by default the current time).

    Returns:
        The claimed row the first time; None when the id was already claimed
        (a redelivery, possibly to another process).
    """
    if not message_id:
        raise ValueError("an inbound message id is required")
    now = at or utcnow()
    row = ProcessedInbound(
        channel=channel,
        message_id=message_id,
        processed_at=now,
        conversation_id=conversation.id,
        status="received",
        payload=dict(payload),
        attempts=1,
        lease_until=now + timedelta(seconds=lease_seconds),
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return None
    return row


def complete_inbound(*, session: Session, inbound_id: int) -> None:
    """The message was processed: forget its text, keep its id (de-duplication)."""
    session.execute(
        update(ProcessedInbound)
        .where(ProcessedInbound.id == inbound_id)
        .values(status="done", payload=None, lease_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )


def retry_inbound_later(
    *, session: Session, inbound_id: int, error: str, retry_at: datetime
) -> None:
    """Processing failed: keep the message for another attempt after ``retry_at``."""
    session.execute(
        update(ProcessedInbound)
        .where(ProcessedInbound.id == inbound_id, ProcessedInbound.status == "received")
        .values(lease_until=retry_at, last_error=error[:255])
        .execution_options(synchronize_session=False)
    )


def fail_inbound(*, session: Session, inbound_id: int, error: str) -> None:
    """Give up on a message (staff are told by the caller); its text is dropped."""
    session.execute(
        update(ProcessedInbound)
        .where(ProcessedInbound.id == inbound_id)
        .values(status="failed", payload=None, lease_until=None, last_error=error[:255])
        .execution_options(synchronize_session=False)
    )


def lease_stale_inbound(
    *,
    session: Session,
    channels: Sequence[str],
    lease_seconds: float,
    limit: int = 20,
    now: datetime | None = None,
) -> List[ProcessedInbound]:
    """Take over claimed messages whose process died or whose retry is due.

    Each row is taken with a conditional UPDATE on its lease, so two processes
    recovering at the same time never take the same message.

    Returns:
        The rows taken, oldest first, with ``attempts`` counting this one.
    """
    now = now or utcnow()
    candidates = list(
        session.scalars(
            select(ProcessedInbound)
            .where(
                ProcessedInbound.status == "received",
                ProcessedInbound.channel.in_(list(channels)),
                ProcessedInbound.lease_until < now,
            )
            .order_by(ProcessedInbound.id)
            .limit(limit)
        )
    )
    taken = []
    for row in candidates:
        result = session.execute(
            update(ProcessedInbound)
            .where(
                ProcessedInbound.id == row.id,
                ProcessedInbound.status == "received",
                ProcessedInbound.lease_until == row.lease_until,
            )
            .values(
                lease_until=now + timedelta(seconds=lease_seconds),
                attempts=ProcessedInbound.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            session.refresh(row)
            taken.append(row)
    return taken


# -- the outbox sender ---------------------------------------------------------

#: Messages a sender still has to deal with, in order.
PENDING_STATES = ("queued", "sending")


def queue_outbound(
    *,
    session: Session,
    conversation: Conversation,
    payloads: Sequence[Mapping[str, Any]],
    origin: str = "bot",
    author_staff_id: int | None = None,
) -> List[OutboxMessage]:
    """Queue the parts of one bot message, in order (one row per provider message)."""
    now = utcnow()
    rows = []
    for payload in payloads:
        if not payload:
            continue
        row = OutboxMessage(
            conversation_id=conversation.id,
            payload=dict(payload),
            author_staff_id=author_staff_id,
            created_at=now,
            attempts=0,
            status="queued",
            origin=origin,
        )
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def claim_due_outbound(
    *,
    session: Session,
    channels: Sequence[str],
    lease_seconds: float,
    hold_seconds: float,
    limit: int = 20,
    now: datetime | None = None,
) -> List[OutboxMessage]:
    """Take the next message of every conversation that has one due.

    Only the oldest pending message of a conversation is ever taken, so its
    messages go out in order even with several senders. Taking sets the
    lease (other senders leave it alone) and ``next_attempt_at`` to
    ``now + hold_seconds``: if this sender dies mid-send, the message is sent
    again only after that, when the provider's callback had time to say that
    it did arrive.

    Returns:
        The messages taken (status ``sending``, ``attempts`` counting this
        one), oldest first.
    """
    now = now or utcnow()
    head = (
        select(func.min(OutboxMessage.id))
        .where(OutboxMessage.status.in_(PENDING_STATES))
        .group_by(OutboxMessage.conversation_id)
    )
    candidates = list(
        session.scalars(
            select(OutboxMessage)
            .join(Conversation, Conversation.id == OutboxMessage.conversation_id)
            .where(
                OutboxMessage.id.in_(head),
                Conversation.channel.in_(list(channels)),
                or_(
                    OutboxMessage.next_attempt_at.is_(None),
                    OutboxMessage.next_attempt_at <= now,
                ),
                or_(
                    OutboxMessage.lease_until.is_(None),
                    OutboxMessage.lease_until < now,
                ),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    taken = []
    for row in candidates:
        result = session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == row.id,
                OutboxMessage.status.in_(PENDING_STATES),
                or_(
                    OutboxMessage.lease_until.is_(None),
                    OutboxMessage.lease_until < now,
                ),
            )
            .values(
                status="sending",
                lease_until=now + timedelta(seconds=lease_seconds),
                next_attempt_at=now + timedelta(seconds=hold_seconds),
                last_attempt_at=now,
                attempts=OutboxMessage.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            session.refresh(row)
            taken.append(row)
    return taken


def defer_unconfirmed(
    *,
    session: Session,
    channels: Sequence[str],
    until: datetime,
    now: datetime | None = None,
) -> int:
    """Give sends left in flight by a dead sender time to be confirmed.

    Called when a sender starts: a message another (dead) process was sending
    may have reached the provider, whose status callback, carrying our outbox
    id, can only arrive now that a server is up again. Such messages are not
    sent again before ``until``.

    Returns:
        How many messages wait.
    """
    now = now or utcnow()
    ours = select(Conversation.id).where(Conversation.channel.in_(list(channels)))
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == "sending",
            OutboxMessage.conversation_id.in_(ours),
            or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now),
            or_(
                OutboxMessage.next_attempt_at.is_(None),
                OutboxMessage.next_attempt_at < until,
            ),
        )
        .values(next_attempt_at=until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def outbound_sent(
    *, session: Session, outbox_id: int, provider_message_id: str | None
) -> OutboxMessage:
    """The provider accepted the message (the attempt was counted when taken)."""
    message = _get(session, outbox_id)
    message.delivered_at = message.delivered_at or utcnow()
    message.provider_message_id = provider_message_id or message.provider_message_id
    message.last_error = None
    message.status = "sent"
    message.lease_until = None
    message.next_attempt_at = None
    session.flush()
    return message


def outbound_retry(
    *,
    session: Session,
    outbox_id: int,
    error: str,
    retry_at: datetime,
    outcome_unknown: bool = False,
) -> OutboxMessage:
    """An attempt failed; try again at ``retry_at``.

    Args:
        session: the caller's session.
        outbox_id: the message.
        error: the provider's error code, never message text.
        retry_at: not before this time.
        outcome_unknown: the request may have reached the provider (a timeout):
            the message stays ``sending`` so that the provider's callback can
            still mark it sent before it is tried again.
    """
    message = _get(session, outbox_id)
    message.last_error = error[:255]
    if message.status in PENDING_STATES:
        message.status = "sending" if outcome_unknown else "queued"
        message.lease_until = None
        message.next_attempt_at = retry_at
    session.flush()
    return message


def outbound_final(
    *, session: Session, outbox_id: int, status: str, error: str | None = None
) -> OutboxMessage:
    """End a message's tries: ``failed``, ``refused`` or ``held``."""
    if status not in ("failed", "refused", "held"):
        raise ValueError(f"not a final outbox status: {status}")
    message = _get(session, outbox_id)
    message.status = status
    message.lease_until = None
    message.next_attempt_at = None
    if error:
        message.last_error = error[:255]
    session.flush()
    return message


def release_held(*, session: Session, conversation: Conversation) -> int:
    """The patient wrote (the window reopened): send what was held, in order."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.conversation_id == conversation.id,
            OutboxMessage.status == "held",
        )
        .values(status="queued", next_attempt_at=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def template_sent_since(
    *, session: Session, conversation: Conversation, since: datetime | None
) -> bool:
    """Whether a window template went to the patient (or is on its way) since then."""
    query = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.conversation_id == conversation.id,
        OutboxMessage.origin == "template",
        OutboxMessage.status.in_(("queued", "sending", "sent")),
    )
    if since is not None:
        query = query.where(OutboxMessage.created_at >= since)
    return bool(session.scalar(query))


#: Receipts only move forward (a late "sent" does not undo "read").
_RECEIPT_RANK = {"sent": 1, "delivered": 2, "read": 3, "failed": 4}


def record_receipt(
    *,
    session: Session,
    status: str,
    provider_message_id: str | None = None,
    outbox_id: int | None = None,
    error_code: str | None = None,
    at: datetime | None = None,
) -> OutboxMessage | None:
    """Record the provider's report on one of our messages.

    The message is found by the provider's id, or by our outbox id echoed
    back by the provider. A message still ``sending`` (its send timed out) is
    thereby known to have arrived and is marked sent, so it is not sent again.

    Returns:
        The message, or None when it is not ours (or was erased).
    """
    if status not in _RECEIPT_RANK:
        raise ValueError(f"unknown receipt status: {status}")
    message = None
    if provider_message_id:
        message = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.provider_message_id == provider_message_id
            )
        ).first()
    if message is None and outbox_id is not None:
        message = session.get(OutboxMessage, outbox_id)
    if message is None:
        return None
    now = at or utcnow()
    if message.status in PENDING_STATES and status != "failed":
        message.status = "sent"
        message.delivered_at = message.delivered_at or now
        message.lease_until = None
        message.next_attempt_at = None
        message.provider_message_id = message.provider_message_id or provider_message_id
    if _RECEIPT_RANK[status] >= _RECEIPT_RANK.get(message.receipt_status or "", 0):
        message.receipt_status = status
        message.receipt_at = now
        message.receipt_error = (error_code or None) and error_code[:32]
    session.flush()
    return message
