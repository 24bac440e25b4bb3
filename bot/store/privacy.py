"""Erasure ("delete my data") and the retention purge.

Both remove a patient's rows from every product table *and* their events from
Rasa's tracker store (same database) in the caller's transaction, so either all
of it goes or none; both leave an audit entry with counts only.

Rasa keys a tracker by sender id alone, so erasing ``(channel, sender)`` deletes
the Rasa events of that sender id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Dict, List, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.settings import get_settings
from bot.store.audit import record_audit
from bot.store.models import (
    Attachment,
    ChannelMedia,
    ConsentRecord,
    Conversation,
    OutboxMessage,
    ProcessedInbound,
    Screening,
    Ticket,
    TicketNote,
)
from bot.store.rasa_events import events, events_table_exists
from bot.store.types import utcnow

CHUNK = 500


@dataclass
class ErasureReport:
    """What an erasure removed (counts only)."""

    conversation_id: int | None
    rows: Dict[str, int] = field(default_factory=dict)
    events: int = 0

    @property
    def found(self) -> bool:
        """True if there was anything to erase."""
        return self.conversation_id is not None or self.events > 0

    def describe(self) -> str:
        """Describe the counts as ``table=n`` pairs, for the audit log and the CLI."""
        parts = [f"{name}={count}" for name, count in sorted(self.rows.items())]
        parts.append(f"events={self.events}")
        return " ".join(parts)


@dataclass
class PurgeReport:
    """What a retention run removed."""

    cutoff: datetime
    conversations: int = 0
    events: int = 0
    inbound_ids: int = 0
    pending_files: int = 0


def _delete_conversation_rows(session: Session, conversation_id: int) -> Dict[str, int]:
    """Delete a conversation and everything hanging off it; returns counts.

    Explicit deletes rather than relying on ON DELETE CASCADE alone, so the
    counts are known and a SQLite connection without ``foreign_keys=ON``
    (e.g. an external tool) could not leave orphans behind.
    """
    ticket_ids = set(
        session.scalars(
            select(Ticket.id).where(Ticket.conversation_id == conversation_id)
        )
    )
    statements = [
        (
            "ticket_notes",
            delete(TicketNote).where(TicketNote.ticket_id.in_(list(ticket_ids))),
        ),
        ("tickets", delete(Ticket).where(Ticket.conversation_id == conversation_id)),
        (
            "screenings",
            delete(Screening).where(Screening.conversation_id == conversation_id),
        ),
        (
            "consent_records",
            delete(ConsentRecord).where(
                ConsentRecord.conversation_id == conversation_id
            ),
        ),
        (
            "attachments",
            delete(Attachment).where(Attachment.conversation_id == conversation_id),
        ),
        (
            "outbox",
            delete(OutboxMessage).where(
                OutboxMessage.conversation_id == conversation_id
            ),
        ),
        (
            "channel_media",
            delete(ChannelMedia).where(ChannelMedia.conversation_id == conversation_id),
        ),
        (
            "processed_inbound",
            delete(ProcessedInbound).where(
                ProcessedInbound.conversation_id == conversation_id
            ),
        ),
        (
            "conversations",
            delete(Conversation).where(Conversation.id == conversation_id),
        ),
    ]
    counts = {}
    for name, statement in statements:
        result = session.execute(statement.execution_options(synchronize_session=False))
        counts[name] = result.rowcount
    # Objects of the erased conversation may still sit in the session's
    # identity map; drop them so nothing writes them back.
    for obj in list(session.identity_map.values()):
        if (
            (isinstance(obj, Conversation) and obj.id == conversation_id)
            or getattr(obj, "conversation_id", None) == conversation_id
            or (isinstance(obj, TicketNote) and obj.ticket_id in ticket_ids)
        ):
            session.expunge(obj)
    return counts


def _delete_events(session: Session, sender_ids: Sequence[str]) -> int:
    if not sender_ids or not events_table_exists(session.connection()):
        return 0
    total = 0
    for start in range(0, len(sender_ids), CHUNK):
        chunk = list(sender_ids[start : start + CHUNK])
        total += session.execute(
            delete(events).where(events.c.sender_id.in_(chunk))
        ).rowcount
    return total


def erase_conversation(
    *,
    session: Session,
    channel: str,
    sender_id: str,
    actor: str,
    staff_id: int | None = None,
) -> ErasureReport:
    """Delete everything stored about one patient on one channel.

    Removes the conversation, its consent records, screenings, tickets and
    their notes, attachments, queued messages, and the sender's Rasa tracker
    events; writes an ``erase`` audit entry with counts only. The caller
    commits.

    Args:
        session: the caller's session.
        channel: input channel name.
        sender_id: the channel's id of the patient.
        actor: who asked: ``patient``, ``staff:<id>``, ``cli``.
        staff_id: the staff member, when staff erased it.

    Returns:
        The counts of what was deleted (``found`` is False if nothing was).

    """
    conversation_id = session.scalars(
        select(Conversation.id).where(
            Conversation.channel == channel, Conversation.sender_id == sender_id
        )
    ).one_or_none()
    report = ErasureReport(conversation_id=conversation_id)
    if conversation_id is not None:
        report.rows = _delete_conversation_rows(session, conversation_id)
    report.events = _delete_events(session, [sender_id])
    record_audit(
        session=session,
        actor=actor,
        staff_id=staff_id,
        action="erase",
        conversation_id=conversation_id,
        detail=report.describe() if report.found else "nothing stored",
    )
    return report


def purge_events_before(*, session: Session, sender_id: str, before: float) -> int:
    """Delete a sender's Rasa events older than ``before`` (epoch seconds).

    The second pass of an erasure: a turn Rasa was already processing when the
    data was deleted still holds the old events in memory, and Rasa's SQL
    tracker store writes back every event beyond the count it finds stored,
    which after the deletion is all of them. Once Rasa has answered a request
    made after the deletion (it queues requests per conversation), any event
    older than the deletion is such a ghost and goes; events made after it
    (the "your data was deleted" notice, a new message) stay.

    Returns:
        How many events were deleted.
    """
    if not events_table_exists(session.connection()):
        return 0
    return session.execute(
        delete(events).where(
            events.c.sender_id == sender_id, events.c.timestamp < before
        )
    ).rowcount


def _senders_active_since(
    session: Session, sender_ids: List[str], cutoff_epoch: float
) -> set:
    active = set()
    for start in range(0, len(sender_ids), CHUNK):
        chunk = sender_ids[start : start + CHUNK]
        active.update(
            session.scalars(
                select(events.c.sender_id)
                .where(
                    events.c.sender_id.in_(chunk), events.c.timestamp >= cutoff_epoch
                )
                .distinct()
            )
        )
    return active


def _stale_event_senders(
    session: Session, cutoff: datetime, cutoff_epoch: float
) -> List[str]:
    """Senders whose newest Rasa event is older than the cutoff.

    Senders whose product conversation is still active are kept: the
    conversation record's activity counts too.
    """
    active_conversations = select(Conversation.sender_id).where(
        Conversation.last_activity_at >= cutoff
    )
    return list(
        session.scalars(
            select(events.c.sender_id)
            .where(events.c.sender_id.not_in(active_conversations))
            .group_by(events.c.sender_id)
            .having(func.max(events.c.timestamp) < cutoff_epoch)
        )
    )


def purge_expired(
    *,
    session: Session,
    days: int | None = None,
    now: datetime | None = None,
) -> PurgeReport:
    """Delete conversations with no activity for ``days`` days.

    A conversation counts as active while either its record or its Rasa events
    are newer than the cutoff. Also removes Rasa events of senders without a
    recent conversation, processed inbound ids older than the cutoff, and
    files sent on WhatsApp still waiting after a day for the patient's
    agreement. The audit log itself is kept (it holds no health data).

    Args:
        session: the caller's session.
        days: retention in days (``RETENTION_DAYS``, 365 by default).
        now: the current time (tests).

    Returns:
        Counts of what was deleted.

    """
    days = get_settings().retention_days if days is None else days
    if days < 1:
        raise ValueError("retention must be at least one day")
    cutoff = (now or utcnow()) - timedelta(days=days)
    cutoff_epoch = cutoff.timestamp()
    report = PurgeReport(cutoff=cutoff)
    has_events = events_table_exists(session.connection())

    candidates = session.execute(
        select(Conversation.id, Conversation.sender_id).where(
            Conversation.last_activity_at < cutoff
        )
    ).all()
    active = (
        _senders_active_since(session, [c.sender_id for c in candidates], cutoff_epoch)
        if has_events
        else set()
    )
    for conversation_id, sender_id in candidates:
        if sender_id in active:
            continue
        rows = _delete_conversation_rows(session, conversation_id)
        removed_events = _delete_events(session, [sender_id]) if has_events else 0
        report.conversations += 1
        report.events += removed_events
        record_audit(
            session=session,
            actor="system:retention",
            action="retention_purge",
            conversation_id=conversation_id,
            detail=" ".join(f"{k}={v}" for k, v in sorted(rows.items()))
            + f" events={removed_events}",
        )

    if has_events:
        stale = _stale_event_senders(session, cutoff, cutoff_epoch)
        removed = _delete_events(session, stale)
        report.events += removed
        if removed:
            record_audit(
                session=session,
                actor="system:retention",
                action="retention_purge_events",
                detail=f"senders={len(stale)} events={removed}",
            )

    report.inbound_ids = session.execute(
        delete(ProcessedInbound).where(ProcessedInbound.processed_at < cutoff)
    ).rowcount
    # Files sent on WhatsApp that the patient did not agree to keep within a day.
    from bot.store.media import purge_pending_media

    report.pending_files = purge_pending_media(session=session, now=now)
    return report
