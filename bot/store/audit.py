"""The audit log: who read or changed which patient's data, and when.

Entries carry codes and counts only, never health data, so they can outlive
the data they describe (an erasure leaves its own entry behind).
"""

from __future__ import annotations

from datetime import datetime
from typing import List

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.models import AuditEntry
from bot.store.types import utcnow


def staff_actor(staff_id: int) -> str:
    """Return the actor string of a staff member (``staff:<id>``)."""
    return f"staff:{staff_id}"


def record_audit(
    *,
    session: Session,
    actor: str,
    action: str,
    conversation_id: int | None = None,
    staff_id: int | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Add an audit entry (flushed with the caller's transaction, not committed).

    Args:
        session: the caller's session.
        actor: ``staff:<id>``, ``patient``, ``cli``, ``system:retention`` …
        action: a short code (``read_conversation``, ``erase``, ``consent_given`` …).
        conversation_id: the conversation concerned, if any.
        staff_id: the staff member acting, if any.
        detail: codes and counts only; never what the patient said.
        at: when (now by default).

    Returns:
        The new entry.

    """
    if detail is not None and len(detail) > 255:
        raise ValueError("audit detail is limited to 255 characters of codes/counts")
    entry = AuditEntry(
        actor=actor[:64],
        action=action[:64],
        conversation_id=conversation_id,
        staff_id=staff_id,
        detail=detail,
        at=at or utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


def list_audit(
    *,
    session: Session,
    conversation_id: int | None = None,
    limit: int = 200,
) -> List[AuditEntry]:
    """List the newest audit entries first, optionally for one conversation."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if conversation_id is not None:
        query = query.where(AuditEntry.conversation_id == conversation_id)
    return list(session.scalars(query))
