"""What the bot does with a patient's message while a handoff is going on.

One pure decision, :func:`decide`, used by the dialogue policy
(:mod:`bot.handoff.policy`) and tested as a table:

* while a coordinator has the conversation (``handoff`` = ``active``) every
  message is relayed silently (``action_handoff_relay``: it is already in the
  conversation, which the console shows live) — except urgent symptoms (the
  emergency advice comes at once), the patient's "never mind" (the bot
  answers again) and the privacy requests (withdrawing consent, deleting
  their data), which the bot always carries out;
* a yes or no right after the bot offered something of the handoff (a
  coordinator, a call back, keeping a phone number) answers that offer
  (``action_handoff_answer``), wherever the NLU would otherwise send it;
* a phone number or an e-mail address typed after asking for a person or a
  call back is taken as contact details (``action_handoff_contact``) — not
  as lab values starting the eligibility check;
* otherwise the rules decide, as in any conversation.

The offer the bot made is a slot (``handoff_offer``) set in the bot's last
turn; :func:`pending_offer` only counts it in the turn right after it was
set, so an old offer never captures a later "yes".
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional

from bot.handoff.contact import find_contact

HANDOFF_SLOT = "handoff"
OFFER_SLOT = "handoff_offer"
COORDINATOR_SLOT = "coordinator_name"
PENDING_CONTACT_SLOT = "handoff_contact"

WAITING = "waiting"
ACTIVE = "active"

ACTION_RELAY = "action_handoff_relay"
ACTION_ANSWER = "action_handoff_answer"
ACTION_CONTACT = "action_handoff_contact"
OWN_ACTIONS = frozenset({ACTION_RELAY, ACTION_ANSWER, ACTION_CONTACT})

#: Messages the bot handles itself even while a coordinator has the conversation.
PASS_THROUGH = frozenset(
    {"urgent_symptoms", "cancel_handoff", "withdraw_consent", "delete_data"}
)
YES_NO = frozenset({"affirm", "deny"})

#: Kinds of offer (values of ``handoff_offer``).
OFFER_CLARIFICATION = "clarification"
OFFER_SCREENING_NEEDS_REVIEW = "screening_needs_review"
OFFER_SCREENING_UNLIKELY = "screening_unlikely_suitable"
OFFER_CALLBACK = "callback"
OFFER_CONTACT = "contact"
OFFER_CONTACT_CONFIRM = "contact_confirm"
OFFER_KINDS = frozenset(
    {
        OFFER_CLARIFICATION,
        OFFER_SCREENING_NEEDS_REVIEW,
        OFFER_SCREENING_UNLIKELY,
        OFFER_CALLBACK,
        OFFER_CONTACT,
        OFFER_CONTACT_CONFIRM,
    }
)


def decide(
    *, state: Optional[str], intent: str, text: str, offer: Optional[str]
) -> Optional[str]:
    """The action for a new patient message, or None to leave it to the rules.

    Args:
        state: the ``handoff`` slot (None, ``waiting``, ``active``).
        intent: the message's intent.
        text: the message's text.
        offer: the offer the bot made in its last turn (:func:`pending_offer`).

    >>> decide(state="active", intent="faq", text="cost?", offer=None)
    'action_handoff_relay'
    >>> decide(state="active", intent="urgent_symptoms", text="", offer=None) is None
    True
    >>> decide(state="waiting", intent="inform", text="my no. +91 98765 43210",
    ...        offer=None)
    'action_handoff_contact'
    >>> decide(state=None, intent="affirm", text="yes", offer="callback")
    'action_handoff_answer'
    """
    if intent.startswith("EXTERNAL_"):
        return None
    if state == ACTIVE:
        return None if intent in PASS_THROUGH else ACTION_RELAY
    if offer in OFFER_KINDS and intent in YES_NO:
        return ACTION_ANSWER
    if (
        (offer == OFFER_CONTACT or state == WAITING)
        and intent not in PASS_THROUGH
        and find_contact(text).found
    ):
        return ACTION_CONTACT
    return None


def pending_offer(events: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """The offer the bot made in its turn before the patient's newest message.

    Args:
        events: the tracker's events as dicts (rasa_sdk's ``tracker.events``),
            oldest first, containing the patient's newest message (possibly
            followed by bookkeeping events such as ``user_featurization``).

    Returns:
        The ``handoff_offer`` value set between the patient's previous
        message and the newest one; None when it was set earlier (the
        patient has moved on) or not at all.

    >>> offer = {"event": "slot", "name": "handoff_offer", "value": "callback"}
    >>> user, bot = {"event": "user"}, {"event": "bot"}
    >>> pending_offer([user, offer, bot, user, {"event": "user_featurization"}])
    'callback'
    >>> pending_offer([user, offer, bot, user, bot, user]) is None
    True
    """
    ordered = list(events)
    newest = max(
        (i for i, event in enumerate(ordered) if event.get("event") == "user"),
        default=None,
    )
    if newest is None:
        return None
    for event in reversed(ordered[:newest]):
        kind = event.get("event")
        if kind == "user":
            return None
        if kind == "slot" and event.get("name") == OFFER_SLOT:
            value = event.get("value")
            return value if value in OFFER_KINDS else None
    return None
