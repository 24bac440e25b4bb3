"""Why a conversation is escalated: reason codes, their labels and priorities.

A ticket's ``reason`` column holds the code (staff filter on it; it is never
the patient's words). The priority decides the queue's order: ``urgent``
(possible emergency signs) before ``high`` (a screening that needs a
specialist's eyes) before ``normal``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Optional

URGENT_SYMPTOMS = "urgent_symptoms"
PATIENT_REQUEST = "patient_request"
CALLBACK_REQUEST = "callback_request"
CLARIFICATION_FAILED = "clarification_failed"
SCREENING_NEEDS_REVIEW = "screening_needs_review"
SCREENING_UNLIKELY_SUITABLE = "screening_unlikely_suitable"
#: A screening the patient ended by asking for a coordinator's review.
SCREENING_REVIEW = "screening_review"
REPORT_SHARED = "report_shared"
RECORD_REVIEW = "record_review"
APPOINTMENT = "appointment"
COST_ESTIMATE = "cost_estimate"
ERASURE_REQUEST = "erasure_request"


@dataclass(frozen=True)
class Reason:
    """One reason to escalate.

    Attributes:
        code: stored in ``tickets.reason``.
        label: what the console shows.
        priority: ``urgent``, ``high`` or ``normal``.
        ack: the response that acknowledges this kind of request to the
            patient before "what happens next" (None: none needed).
    """

    code: str
    label: str
    priority: str
    ack: Optional[str] = None


REASONS: Dict[str, Reason] = {
    r.code: r
    for r in (
        Reason(URGENT_SYMPTOMS, "Possible emergency signs", "urgent"),
        Reason(PATIENT_REQUEST, "Asked for a person", "normal"),
        Reason(CALLBACK_REQUEST, "Asked for a call back", "normal"),
        Reason(
            CLARIFICATION_FAILED,
            "The assistant did not understand twice",
            "normal",
        ),
        Reason(
            SCREENING_NEEDS_REVIEW,
            "Screening: needs a specialist's review",
            "high",
        ),
        Reason(
            SCREENING_UNLIKELY_SUITABLE,
            "Screening: unlikely to be suitable",
            "high",
        ),
        Reason(
            SCREENING_REVIEW,
            "Screening: asks for a coordinator's review",
            "high",
        ),
        Reason(
            REPORT_SHARED,
            "Sent a report or a scan",
            "normal",
            "utter_handoff_ack_report_shared",
        ),
        Reason(
            RECORD_REVIEW,
            "Asks for a review of their records",
            "normal",
            "utter_handoff_ack_record_review",
        ),
        Reason(
            APPOINTMENT,
            "Asks for an appointment",
            "normal",
            "utter_handoff_ack_appointment",
        ),
        Reason(
            COST_ESTIMATE,
            "Asks for a cost estimate",
            "normal",
            "utter_handoff_ack_cost_estimate",
        ),
        Reason(ERASURE_REQUEST, "Asks for their data to be deleted", "normal"),
    )
}

#: Intents that are themselves a request for a coordinator, and their reason.
INTENT_REASONS: Dict[str, str] = {
    "request_human": PATIENT_REQUEST,
    "request_callback": CALLBACK_REQUEST,
    "request_record_review": RECORD_REVIEW,
    "request_appointment": APPOINTMENT,
    "request_cost_estimate": COST_ESTIMATE,
    "share_report": REPORT_SHARED,
}

#: What accepting each kind of offer of a coordinator means.
OFFER_REASONS: Dict[str, str] = {
    "clarification": CLARIFICATION_FAILED,
    "screening_needs_review": SCREENING_NEEDS_REVIEW,
    "screening_unlikely_suitable": SCREENING_UNLIKELY_SUITABLE,
}


def screening_reason(outcome: Optional[str]) -> str:
    """The reason code of a handoff asked for at the end of a screening.

    >>> screening_reason("needs_review"), screening_reason(None)
    ('screening_needs_review', 'screening_review')
    """
    return OFFER_REASONS.get(f"screening_{outcome}", SCREENING_REVIEW)


def reason(code: str) -> Reason:
    """The reason with this code; unknown codes become a plain request.

    >>> reason("urgent_symptoms").priority
    'urgent'
    >>> reason("something_new").label
    'something_new'
    """
    return REASONS.get(code) or Reason(code, code, "normal")


def label(code: str) -> str:
    """The console's words for a reason code."""
    return reason(code).label


#: A plain request for a person right after one of these answers is about it.
FAQ_CONTEXT: Dict[str, str] = {
    "utter_faq/cost": COST_ESTIMATE,
    "utter_faq/records_needed": RECORD_REVIEW,
}

_CALL_BACK = re.compile(
    r"\b(call(ed|ing)?\s*(me|us|him|her|my|back)|call\s*back|callback|ring\s*(me|us|back)|"
    r"phone\s*(me|us|him|her)|e-?mail\s*(me|us)|whats\s*app\s*(me|us)|"
    r"contact\s*(me|us)|reach\s*(me|us))\b",
    re.IGNORECASE,
)


def mentions_call_back(text: str) -> bool:
    """True when a request for a person asks to be called or written to.

    >>> mentions_call_back("please have a coordinator call me")
    True
    >>> mentions_call_back("I want to talk to a person")
    False
    """
    return bool(_CALL_BACK.search(text or ""))


def request_reason(
    intent: str,
    offer: Optional[str],
    text: str = "",
    last_answer: Optional[str] = None,
) -> str:
    """Why the patient is asking for a coordinator now.

    Args:
        intent: the intent of their message (``request_human`` …).
        offer: the kind of offer of a coordinator the bot made in its last
            turn (see :data:`OFFER_REASONS`), if any.
        text: the message, for a request for a person that asks for a call.
        last_answer: the response the bot answered with last
            (``utter_faq/cost`` …), for the context of a plain request.

    Returns:
        A reason code. A plain "talk to a coordinator" right after an offer
        counts as accepting the offer, so the ticket says why it was offered.

    >>> request_reason("request_human", "screening_needs_review")
    'screening_needs_review'
    >>> request_reason("request_appointment", None)
    'appointment'
    >>> request_reason("request_human", None, "can somebody phone me today")
    'callback_request'
    >>> request_reason("request_human", None, "/request_human", "utter_faq/cost")
    'cost_estimate'
    """
    if intent in ("request_human", "affirm") and offer in OFFER_REASONS:
        return OFFER_REASONS[offer]
    if intent == "request_human":
        if mentions_call_back(text):
            return CALLBACK_REQUEST
        if last_answer in FAQ_CONTEXT:
            return FAQ_CONTEXT[last_answer]
    return INTENT_REASONS.get(intent, PATIENT_REQUEST)


def last_answer(events: object) -> Optional[str]:
    """The response name of the bot's last message before the patient's newest one."""
    seen_user = False
    for event in reversed(list(events or [])):  # type: ignore[call-overload]
        kind = event.get("event")
        if kind == "user":
            if seen_user:
                return None
            seen_user = True
        elif kind == "bot" and seen_user:
            return (event.get("metadata") or {}).get("utter_action")
    return None
