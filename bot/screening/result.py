"""The end of a screening: the facts for ``assess`` and the messages to send.

The outcome is a comparison with the published criteria and a suggested next
step, never a medical decision: every result is followed by the response that
says so, and every result ends with a next-step button (send records, talk to
a coordinator), so that no patient is left without a way on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Mapping

from bot.eligibility import CHILD_PUGH_COMPUTED, CHILD_PUGH_REPORT, Result, assess
from bot.screening.replies import Reply
from bot.screening.state import STATE, ScreeningState
from bot.screening.values import bullet_lines, facts

R_NOT_A_DECISION = "utter_not_a_medical_decision"
R_INCOMPLETE = "utter_screening_incomplete"
R_REASONS_SO_FAR = "utter_screening_reasons_so_far"
R_NOTES = "utter_screening_notes"
R_ERROR = "utter_screening_error"
R_AGAIN = "utter_screening_result_again"

#: The next-step message (and its buttons) of each outcome.
NEXT_STEPS: Mapping[str, str] = {
    "likely_suitable": "utter_screening_offer_records",
    "needs_review": "utter_screening_offer_coordinator",
    "unlikely_suitable": "utter_screening_offer_coordinator",
    "incomplete": "utter_screening_offer_continue",
}
#: When no result could be worked out.
ERROR_NEXT_STEP = "utter_screening_offer_coordinator"

#: Outcomes whose next step is the offer of a coordinator ("yes" accepts it).
COORDINATOR_OUTCOMES = frozenset(
    outcome for outcome, response in NEXT_STEPS.items() if response == ERROR_NEXT_STEP
)


def next_step_response(outcome: str | None) -> str:
    """Return the next-step response of an outcome (unknown: the coordinator offer)."""
    return NEXT_STEPS.get(outcome or "", ERROR_NEXT_STEP)


@dataclass(frozen=True)
class Screening:
    """A finished screening: what was assessed, what came out, what to say.

    Attributes:
        values: the facts given to ``assess`` (canonical values by field, and
            ``child_pugh_source`` beside a Child-Pugh value).
        result: the ``bot.eligibility.Result``.
        replies: responses to send, in order.

    """

    values: Mapping[str, Any]
    result: Result
    replies: List[Reply]


def conclude(slots: Mapping[str, Any], again: bool = False) -> Screening:
    """Assess the screening and choose the messages that report it.

    Args:
        slots: the form's slot values.
        again: a result was shown before, for other values (a correction):
            say that this one replaces it.

    Returns:
        The finished :class:`Screening`. Replies: ``utter_screening_<outcome>``
        with the variables ``reasons`` and ``next_steps`` (blocks of "- "
        lines; for ``incomplete``, the reasons already known follow in their
        own message); the notes that do not change the outcome (multi-probe,
        Milan criteria), if any; ``utter_not_a_medical_decision`` (always);
        then the outcome's next-step message with its buttons.

    Raises:
        ValueError: when a value is impossible (the form's checks should have
            caught it; the caller treats it as a failure).

    """
    values = assessed_facts(slots)
    outcome = assess(values)
    next_steps = bullet_lines(outcome.next_steps)
    replies: List[Reply] = [Reply(R_AGAIN)] if again else []
    if outcome.outcome == "incomplete":
        replies.append(Reply(R_INCOMPLETE, {"next_steps": next_steps}))
        if outcome.reasons:
            # Criteria already outside their range, whatever is still missing.
            replies.append(
                Reply(R_REASONS_SO_FAR, {"reasons": bullet_lines(outcome.reasons)})
            )
    else:
        replies.append(
            Reply(
                f"utter_screening_{outcome.outcome}",
                {"reasons": bullet_lines(outcome.reasons), "next_steps": next_steps},
            )
        )
    if outcome.notes:
        replies.append(Reply(R_NOTES, {"notes": bullet_lines(outcome.notes)}))
    replies.append(Reply(R_NOT_A_DECISION))
    replies.append(Reply(next_step_response(outcome.outcome)))
    return Screening(values=values, result=outcome, replies=replies)


def assessed_facts(slots: Mapping[str, Any]) -> dict:
    """The facts for ``assess``: the health values, and where Child-Pugh came from.

    A class worked out in the conversation (``ScreeningState.computed``) is
    ``"computed"``: less certain than one a doctor wrote, it never gives
    "unlikely suitable" (spec "The outcome").
    """
    values = facts(slots)
    if values.get("child_pugh") is not None:
        computed = ScreeningState.from_slot(slots.get(STATE)).computed
        values["child_pugh_source"] = (
            CHILD_PUGH_COMPUTED if computed else CHILD_PUGH_REPORT
        )
    return values


def failure_replies() -> List[Reply]:
    """What to say when the values could not be assessed (never a guess)."""
    return [Reply(R_ERROR), Reply(R_NOT_A_DECISION), Reply(ERROR_NEXT_STEP)]
