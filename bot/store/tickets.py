"""Escalation tickets: waiting → assigned → resolved.

Workflow (decided here, enforced by conditional UPDATEs so that two
coordinators clicking at once cannot both win):

* ``waiting`` → ``assigned`` (a coordinator takes it);
* ``assigned`` → ``assigned`` to someone else only with ``takeover=True``;
* ``assigned`` → ``waiting`` (released back to the queue);
* ``waiting``/``assigned`` → ``resolved``.

``resolved`` is final: a patient who needs a coordinator again gets a new
ticket (the old one keeps its history). A conversation has at most one
unresolved ticket; :func:`open_ticket` returns it, raising its priority when the
new reason is more urgent, instead of opening a second.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Sequence

from sqlalchemy import case, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.store.audit import record_audit, staff_actor
from bot.store.errors import InvalidTransition, NotFound
from bot.store.models import PRIORITIES, Conversation, Staff, Ticket, TicketNote
from bot.store.types import utcnow

#: Lower is more urgent.
PRIORITY_RANK: Dict[str, int] = {name: rank for rank, name in enumerate(PRIORITIES)}
OPEN_STATES = ("waiting", "assigned")


def _check_priority(priority: str) -> None:
    if priority not in PRIORITY_RANK:
        raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")


def get_open_ticket(*, session: Session, conversation: Conversation) -> Ticket | None:
    """Return the conversation's unresolved ticket, or None."""
    return session.scalars(
        select(Ticket).where(
            Ticket.conversation_id == conversation.id,
            Ticket.status.in_(OPEN_STATES),
        )
    ).one_or_none()


def open_ticket(
    *,
    session: Session,
    conversation: Conversation,
    reason: str,
    priority: str = "normal",
    summary: str | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Open an escalation ticket, or return the conversation's open one.

    Args:
        session: the caller's session.
        conversation: the patient's conversation.
        reason: a short code staff filter on (``urgent_symptoms`` …), no patient text.
        priority: ``urgent``, ``high`` or ``normal``.
        summary: the summary for staff (stored encrypted); replaces the open
            ticket's summary when given.
        at: when (now by default).

    Returns:
        The open ticket (new, or existing with its priority raised if needed).

    """
    _check_priority(priority)
    now = at or utcnow()
    ticket = get_open_ticket(session=session, conversation=conversation)
    if ticket is None:
        candidate = Ticket(
            conversation_id=conversation.id,
            reason=reason,
            priority=priority,
            status="waiting",
            summary=summary,
            created_at=now,
            updated_at=now,
        )
        try:
            # The partial unique index turns a concurrent second escalation
            # into an IntegrityError; then the other process's ticket is used.
            with session.begin_nested():
                session.add(candidate)
            return candidate
        except IntegrityError:
            ticket = get_open_ticket(session=session, conversation=conversation)
            if ticket is None:
                raise
    if PRIORITY_RANK[priority] < PRIORITY_RANK[ticket.priority]:
        ticket.priority = priority
        ticket.reason = reason
    if summary is not None:
        ticket.summary = summary
    ticket.updated_at = now
    session.flush()
    return ticket


def get_ticket(*, session: Session, ticket_id: int) -> Ticket:
    """Return the ticket with this id.

    Raises:
        NotFound: no such ticket (or its conversation was erased).

    """
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"ticket {ticket_id} does not exist")
    return ticket


def _transition(
    session: Session,
    ticket: Ticket,
    allowed_from: Sequence[str],
    values: Dict[str, Any],
    extra_condition: Any = None,
) -> None:
    """Apply ``values`` only if the ticket is still in ``allowed_from``.

    One conditional UPDATE: the database, not a read-then-write in Python,
    decides which of two concurrent coordinators wins.
    """
    session.flush()
    condition = [Ticket.id == ticket.id, Ticket.status.in_(allowed_from)]
    if extra_condition is not None:
        condition.append(extra_condition)
    result = session.execute(
        update(Ticket)
        .where(*condition)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(ticket)
    if result.rowcount != 1:
        raise InvalidTransition(
            f"ticket {ticket.id} is {ticket.status}"
            + (f" (held by staff {ticket.assignee_id})" if ticket.assignee_id else "")
            + f": cannot go to {values['status']}"
        )


def assign_ticket(
    *, session: Session, ticket: Ticket, staff: Staff, takeover: bool = False
) -> Ticket:
    """Give the ticket to ``staff``.

    Args:
        session: the caller's session.
        ticket: the ticket.
        staff: the coordinator taking it.
        takeover: allow taking a ticket another coordinator holds.

    Raises:
        InvalidTransition: resolved, or held by someone else without ``takeover``.

    """
    if ticket.status == "assigned" and ticket.assignee_id == staff.id:
        return ticket
    now = utcnow()
    holder_ok = None if takeover else Ticket.assignee_id.is_(None)
    _transition(
        session,
        ticket,
        OPEN_STATES,
        {
            "status": "assigned",
            "assignee_id": staff.id,
            "assigned_at": now,
            "updated_at": now,
        },
        extra_condition=holder_ok,
    )
    record_audit(
        session=session,
        actor=staff_actor(staff.id),
        staff_id=staff.id,
        action="ticket_assigned",
        conversation_id=ticket.conversation_id,
        detail=f"ticket={ticket.id}",
    )
    return ticket


def release_ticket(
    *, session: Session, ticket: Ticket, staff: Staff, force: bool = False
) -> Ticket:
    """Put an assigned ticket back in the queue (``assigned`` → ``waiting``).

    Args:
        session: the caller's session.
        ticket: the ticket.
        staff: who releases it; must hold it unless ``force`` (an admin).
        force: release a ticket someone else holds.

    Raises:
        InvalidTransition: not assigned, or held by someone else.

    """
    now = utcnow()
    _transition(
        session,
        ticket,
        ("assigned",),
        {
            "status": "waiting",
            "assignee_id": None,
            "assigned_at": None,
            "updated_at": now,
        },
        extra_condition=None if force else Ticket.assignee_id == staff.id,
    )
    record_audit(
        session=session,
        actor=staff_actor(staff.id),
        staff_id=staff.id,
        action="ticket_released",
        conversation_id=ticket.conversation_id,
        detail=f"ticket={ticket.id}",
    )
    return ticket


def resolve_ticket(
    *,
    session: Session,
    ticket: Ticket,
    staff: Staff | None = None,
    resolution: str = "resolved",
    require_holder: bool = False,
) -> Ticket:
    """Close the ticket for good (``waiting``/``assigned`` → ``resolved``).

    Args:
        session: the caller's session.
        ticket: the ticket.
        staff: the coordinator closing it (None: the system or the patient).
        resolution: how it ended (``resolved``, ``cancelled`` by the patient).
        require_holder: only if ``staff`` holds it (the console's rule).

    Raises:
        InvalidTransition: it is already resolved (or held by someone else).

    """
    now = utcnow()
    holder = Ticket.assignee_id == staff.id if (require_holder and staff) else None
    _transition(
        session,
        ticket,
        OPEN_STATES,
        {
            "status": "resolved",
            "resolved_at": now,
            "updated_at": now,
            "resolution": resolution,
        },
        extra_condition=holder,
    )
    record_audit(
        session=session,
        actor=staff_actor(staff.id) if staff else "system",
        staff_id=staff.id if staff else None,
        action="ticket_resolved",
        conversation_id=ticket.conversation_id,
        detail=f"ticket={ticket.id} resolution={resolution}",
    )
    return ticket


def add_note(
    *, session: Session, ticket: Ticket, author: Staff | None, body: str
) -> TicketNote:
    """Add a coordinator's note (stored encrypted)."""
    if not body.strip():
        raise ValueError("empty note")
    note = TicketNote(
        ticket_id=ticket.id,
        author_id=author.id if author else None,
        body=body,
        created_at=utcnow(),
    )
    session.add(note)
    session.flush()
    record_audit(
        session=session,
        actor=staff_actor(author.id) if author else "system",
        staff_id=author.id if author else None,
        action="ticket_note_added",
        conversation_id=ticket.conversation_id,
        detail=f"ticket={ticket.id}",
    )
    return note


def list_tickets(
    *,
    session: Session,
    statuses: Sequence[str] = OPEN_STATES,
    assignee: Staff | None = None,
    unassigned: bool = False,
    limit: int = 200,
) -> List[Ticket]:
    """List the queue: most urgent first, then oldest first.

    Args:
        session: the caller's session.
        statuses: which states to list (open ones by default).
        assignee: only tickets this coordinator holds ("Mine").
        unassigned: only tickets nobody holds.
        limit: at most this many.

    """
    rank = case(PRIORITY_RANK, value=Ticket.priority, else_=len(PRIORITY_RANK))
    query = (
        select(Ticket)
        .where(Ticket.status.in_(list(statuses)))
        .order_by(rank, Ticket.created_at, Ticket.id)
        .limit(limit)
    )
    if assignee is not None:
        query = query.where(Ticket.assignee_id == assignee.id)
    if unassigned:
        query = query.where(Ticket.assignee_id.is_(None))
    return list(session.scalars(query))


def claim_once(
    *, session: Session, ticket: Ticket, column: str, at: datetime | None = None
) -> bool:
    """Set a once-only timestamp column of the ticket if nobody has yet.

    The console's background work (the unclaimed-wait offer, the urgent alert)
    runs in every console process; this conditional UPDATE makes exactly one
    of them do each piece of work.

    Args:
        session: the caller's session.
        ticket: the ticket.
        column: ``callback_offered_at`` or ``alert_sent_at``.
        at: the time to record (now by default).

    Returns:
        True for the one caller that set it.

    """
    if column not in ("callback_offered_at", "alert_sent_at"):
        raise ValueError(f"not a once-only column: {column}")
    attribute = getattr(Ticket, column)
    session.flush()
    result = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket.id, attribute.is_(None))
        .values({column: at or utcnow()})
        .execution_options(synchronize_session=False)
    )
    session.refresh(ticket)
    return result.rowcount == 1
