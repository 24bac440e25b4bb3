"""The end of a screening: the facts for ``assess`` and the messages to send.

The outcome is a comparison with the published criteria and a suggested next
step, never a medical decision: every result is followed by the response that
says so, and the outcomes that need a specialist's eyes offer a coordinator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping

from bot.screening.fields import HEALTH_FIELDS, coerce
from bot.screening.flow import Reply

R_NOT_A_DECISION = "utter_not_a_medical_decision"
R_OFFER_COORDINATOR = "utter_screening_offer_coordinator"
R_OFFER_CONTINUE = "utter_screening_offer_continue"
R_INCOMPLETE = "utter_screening_incomplete"
R_REASONS_SO_FAR = "utter_screening_reasons_so_far"
R_NOTES = "utter_screening_notes"

#: Outcomes after which the patient is offered a coordinator (the handoff
#: turns the button into an escalation).
COORDINATOR_OUTCOMES = frozenset({"needs_review", "unlikely_suitable"})


@dataclass(frozen=True)
class Screening:
    """A finished screening: what was assessed, what came out, what to say.

    Attributes:
        values: the facts given to ``assess`` (canonical values by field).
        result: the ``bot.eligibility.Result``.
        replies: responses to send, in order.

    """

    values: Mapping[str, Any]
    result: Any
    replies: List[Reply]


def facts_from_slots(slots: Mapping[str, Any]) -> Dict[str, Any]:
    """Collect the health values the form filled, in the types ``assess`` wants.

    Args:
        slots: the form's slot values.

    Returns:
        The non-empty health fields (counts as ``int``; Rasa may hand back
        ``2.0`` for a count stored as ``2``).

    """
    return {
        name: coerce(name, slots[name])
        for name in HEALTH_FIELDS
        if slots.get(name) is not None
    }


def bullet_lines(items: List[str]) -> str:
    """Format sentences as "- " lines, one per item (empty for no items)."""
    return "\n".join(f"- {item}" for item in items)


def conclude(slots: Mapping[str, Any]) -> Screening:
    """Assess the screening and choose the messages that report it.

    Args:
        slots: the form's slot values.

    Returns:
        The finished :class:`Screening`. Replies: ``utter_screening_<outcome>``
        with the variables ``reasons`` and ``next_steps`` (blocks of "- "
        lines; for ``incomplete``, the reasons already known follow in their
        own message); the notes that do not change the outcome (multi-probe,
        Milan criteria), if any; ``utter_not_a_medical_decision`` (always);
        then, for ``needs_review`` and ``unlikely_suitable``, the offer of a
        coordinator, and for ``incomplete`` the offer to continue.

    Raises:
        ValueError: when a value is impossible (the form's checks should have
            caught it; the caller treats it as a failure).

    """
    from bot.eligibility import assess

    values = facts_from_slots(slots)
    result = assess(values)
    outcome = result.outcome
    next_steps = bullet_lines(result.next_steps)
    replies: List[Reply] = []
    if outcome == "incomplete":
        replies.append(Reply(R_INCOMPLETE, {"next_steps": next_steps}))
        if result.reasons:
            # Criteria already outside their range, whatever is still missing.
            replies.append(
                Reply(R_REASONS_SO_FAR, {"reasons": bullet_lines(result.reasons)})
            )
    else:
        replies.append(
            Reply(
                f"utter_screening_{outcome}",
                {"reasons": bullet_lines(result.reasons), "next_steps": next_steps},
            )
        )
    if result.notes:
        replies.append(Reply(R_NOTES, {"notes": bullet_lines(result.notes)}))
    replies.append(Reply(R_NOT_A_DECISION))
    if outcome in COORDINATOR_OUTCOMES:
        replies.append(Reply(R_OFFER_COORDINATOR))
    elif outcome == "incomplete":
        replies.append(Reply(R_OFFER_CONTINUE))
    return Screening(values=values, result=result, replies=replies)
