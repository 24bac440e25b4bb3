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

from datetime import datetime
from typing import Any, List, Mapping

from sqlalchemy import select
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
