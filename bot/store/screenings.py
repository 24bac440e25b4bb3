"""Screenings: the facts a patient gave and what the eligibility rules said.

Nothing is stored without the patient's current consent
(:class:`~bot.store.errors.ConsentRequired`).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Dict, List, Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.conversations import require_consent
from bot.store.models import Conversation, Screening
from bot.store.types import utcnow

FACT_KEYS = frozenset({"value", "text", "unit"})


def _clean_facts(facts: Mapping[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Check the shape ``{field: {"value": …, "text": …, "unit": …}}``.

    A bare value is accepted as ``{"value": value}`` (a fact the patient gave
    in canonical form, e.g. chosen from buttons).
    """
    cleaned: Dict[str, Dict[str, Any]] = {}
    for field, fact in facts.items():
        entry = dict(fact) if isinstance(fact, Mapping) else {"value": fact}
        unknown = set(entry) - FACT_KEYS
        if unknown or "value" not in entry:
            raise ValueError(
                f"fact {field!r} must have 'value' (and optionally 'text', "
                f"'unit'), got {sorted(entry)}"
            )
        value = entry["value"]
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"fact {field!r} is not a finite number")
        cleaned[str(field)] = entry
    return cleaned


def save_screening(
    *,
    session: Session,
    conversation: Conversation,
    facts: Mapping[str, Any],
    outcome: str,
    rules_version: str,
    flags: Sequence[str] = (),
    reasons: Sequence[str] = (),
    at: datetime | None = None,
) -> Screening:
    """Store one screening (encrypted), after checking consent.

    Args:
        session: the caller's session.
        conversation: the patient's conversation.
        facts: per canonical field, ``{"value": normalised value, "text": what
            the patient typed, "unit": the unit they used}``.
        outcome: the rules' outcome code.
        rules_version: ``bot.eligibility`` rules version that produced it.
        flags: the rules' flags.
        reasons: the reasons shown to the patient.
        at: when (now by default).

    Returns:
        The new screening.

    Raises:
        ConsentRequired: the patient has not given (or has withdrawn) consent.

    """
    require_consent(conversation)
    screening = Screening(
        conversation_id=conversation.id,
        facts=_clean_facts(facts),
        outcome=outcome,
        flags=list(flags),
        reasons=list(reasons),
        rules_version=rules_version,
        created_at=at or utcnow(),
    )
    session.add(screening)
    session.flush()
    return screening


def list_screenings(*, session: Session, conversation: Conversation) -> List[Screening]:
    """List the conversation's screenings, oldest first."""
    return list(
        session.scalars(
            select(Screening)
            .where(Screening.conversation_id == conversation.id)
            .order_by(Screening.id)
        )
    )


def latest_screening(
    *, session: Session, conversation: Conversation
) -> Screening | None:
    """Return the conversation's newest screening, or None."""
    return session.scalars(
        select(Screening)
        .where(Screening.conversation_id == conversation.id)
        .order_by(Screening.id.desc())
        .limit(1)
    ).first()
