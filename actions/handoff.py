"""Actions of the coordinator handoff: thin adapters over :mod:`bot.handoff`.

* ``action_request_human`` (in :mod:`actions.conversation`) and the requests
  for a call back, a record review, an appointment or a cost estimate, or a
  shared report, escalate and say honestly what happens next
  (:func:`request_handoff`).
* ``action_handoff_answer``: a yes/no to an offer of the handoff.
* ``action_handoff_contact``: a phone number or e-mail typed for a call back,
  read back for consent before anything is kept.
* ``action_handoff_relay``: a message while a coordinator has the chat (silent).
* ``action_cancel_handoff``: "never mind".
* The ``EXTERNAL_*`` actions answer what the console triggers through Rasa's
  API: a coordinator joined, left, finished; nobody claimed in time; the data
  was erased.

Responses are sent by name (``data/responses/handoff.yml``); their variables
(reply time, opening hours) come from the settings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import channel_of

CANCEL_BUTTON = {"title": "Cancel the request", "payload": "/cancel_handoff"}


def _now() -> datetime:
    from bot.store.types import utcnow

    return utcnow()


def _slots(tracker: Tracker) -> Dict[str, Any]:
    return dict(tracker.slots or {})


def _intent(tracker: Tracker) -> str:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name") or ""


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == name and entity.get("value"):
            return str(entity["value"])
    return None


def _attachment_ids(tracker: Tracker) -> List[int]:
    """Ids of files a channel stored with this message (``metadata.attachments``)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    ids = metadata.get("attachments") if isinstance(metadata, dict) else None
    return [int(i) for i in ids or [] if isinstance(i, int) or str(i).isdigit()]


def _timing() -> Dict[str, Any]:
    """Whether the team is open now, and the words for the responses."""
    from bot.handoff.hours import describe_when, parse_opening_hours
    from bot.settings import get_settings

    s = get_settings()
    hours = parse_opening_hours(s.handoff_opening_hours, s.handoff_timezone)
    now = _now()
    opening = hours.next_opening(now)
    minutes = s.handoff_reply_minutes
    return {
        "open": hours.is_open(now),
        # "never": the team works by call back only, there are no hours to tell.
        "live": hours.always or bool(hours.windows),
        "hours": hours.describe(),
        "timezone": s.handoff_timezone_label,
        "reopen": describe_when(opening, now, hours.zone)
        if opening is not None
        else "as soon as they can",
        "reply_time": f"{minutes} minute{'s' if minutes != 1 else ''}",
    }


def request_handoff(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason_code: Optional[str] = None,
    note: Optional[str] = None,
) -> List[EventType]:
    """Escalate for the patient's request and tell them honestly what happens next.

    Inside opening hours: the usual reply time. Outside: when the team is
    back, and the offer of a call back (a phone number or an e-mail kept
    only with consent). A request for a call back asks for the details at once.

    Args:
        dispatcher: the action's dispatcher.
        tracker: the conversation.
        reason_code: why (derived from the intent and the bot's last offer
            when None).
        note: what the coordinator should read first (e.g. the screening's
            summary), kept in the ticket's packet.

    Returns:
        Slot events (``handoff`` state, the offer made).
    """
    from bot.handoff.dialogue import (
        HANDOFF_SLOT,
        OFFER_CALLBACK,
        OFFER_CONTACT,
        OFFER_SLOT,
        pending_offer,
    )
    from bot.handoff.escalation import escalate
    from bot.handoff.reasons import (
        CALLBACK_REQUEST,
        last_answer,
        reason,
        request_reason,
    )

    code = reason_code or request_reason(
        _intent(tracker),
        pending_offer(tracker.events),
        (tracker.latest_message or {}).get("text") or "",
        last_answer(tracker.events),
    )
    timing = _timing()
    wants_callback = code == CALLBACK_REQUEST
    escalated = escalate(
        channel=channel_of(tracker),
        sender_id=tracker.sender_id,
        reason_code=code,
        events=tracker.events,
        slots=_slots(tracker),
        attachment_ids=_attachment_ids(tracker),
        callback_requested=wants_callback,
        callback_offered=wants_callback or not timing["open"],
        note=note,
    )
    if escalated is None:
        dispatcher.utter_message(response="utter_handoff_failed")
        return []
    events: List[EventType] = [SlotSet(HANDOFF_SLOT, escalated.handoff_state)]
    ack = reason(code).ack
    if ack:
        dispatcher.utter_message(response=ack)
    if wants_callback:
        dispatcher.utter_message(response="utter_handoff_ask_contact")
        return events + [SlotSet(OFFER_SLOT, OFFER_CONTACT)]
    if escalated.assigned:
        dispatcher.utter_message(response="utter_handoff_with_coordinator")
        return events
    if not escalated.created:
        dispatcher.utter_message(response="utter_handoff_already_requested")
        return events
    if timing["open"]:
        dispatcher.utter_message(
            response="utter_handoff_requested_open", reply_time=timing["reply_time"]
        )
        return events
    if timing["live"]:
        dispatcher.utter_message(
            response="utter_handoff_requested_closed",
            hours=timing["hours"],
            timezone=timing["timezone"],
            reopen=timing["reopen"],
        )
    else:
        dispatcher.utter_message(response="utter_handoff_requested_no_live_chat")
    return events + [SlotSet(OFFER_SLOT, OFFER_CALLBACK)]


class ActionHandoffRelay(Action):
    """A message while a coordinator has the chat: it reaches them; the bot is quiet."""

    def name(self) -> Text:
        return "action_handoff_relay"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        # The message is already in the conversation, which the console shows
        # live; this marks the ticket (queue) and the last-message time.
        from bot.handoff.escalation import note_patient_message

        note_patient_message(channel=channel_of(tracker), sender_id=tracker.sender_id)
        return []


class ActionHandoffAnswer(Action):
    """A yes or no to what the bot offered in its last turn."""

    def name(self) -> Text:
        return "action_handoff_answer"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff import dialogue as d
        from bot.handoff.reasons import OFFER_REASONS

        offer = d.pending_offer(tracker.events)
        yes = _intent(tracker) == "affirm"
        if offer in OFFER_REASONS:
            if yes:
                return request_handoff(dispatcher, tracker, OFFER_REASONS[offer])
            dispatcher.utter_message(response="utter_anything_else")
            return []
        if offer in (d.OFFER_CALLBACK, d.OFFER_CONTACT):
            if yes:
                dispatcher.utter_message(response="utter_handoff_ask_contact")
                return [SlotSet(d.OFFER_SLOT, d.OFFER_CONTACT)]
            dispatcher.utter_message(response="utter_handoff_callback_declined")
            return []
        if offer == d.OFFER_CONTACT_CONFIRM:
            return _confirm_contact(dispatcher, tracker, yes)
        dispatcher.utter_message(response="utter_anything_else")
        return []


def _confirm_contact(
    dispatcher: CollectingDispatcher, tracker: Tracker, yes: bool
) -> List[EventType]:
    from bot.handoff.contact import Contact
    from bot.handoff.dialogue import HANDOFF_SLOT, PENDING_CONTACT_SLOT
    from bot.handoff.escalation import store_callback_contact

    pending = tracker.get_slot(PENDING_CONTACT_SLOT) or {}
    contact = Contact(phone=pending.get("phone"), email=pending.get("email"))
    clear = [SlotSet(PENDING_CONTACT_SLOT, None)]
    if not yes or not contact.found:
        dispatcher.utter_message(response="utter_handoff_contact_discarded")
        return clear
    escalated = store_callback_contact(
        channel=channel_of(tracker),
        sender_id=tracker.sender_id,
        contact=contact,
        events=tracker.events,
        slots=_slots(tracker),
    )
    if escalated is None:
        dispatcher.utter_message(response="utter_try_again_later")
        return clear
    timing = _timing()
    when = (
        f"usually within {timing['reply_time']}"
        if timing["open"]
        else f"{timing['reopen']} ({timing['timezone']})"
    )
    dispatcher.utter_message(
        response="utter_handoff_contact_saved", contact=contact.describe(), when=when
    )
    return clear + [SlotSet(HANDOFF_SLOT, escalated.handoff_state)]


class ActionHandoffContact(Action):
    """Contact details typed for a call back: read them back and ask for consent."""

    def name(self) -> Text:
        return "action_handoff_contact"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff import dialogue as d
        from bot.handoff.contact import find_contact

        contact = find_contact((tracker.latest_message or {}).get("text") or "")
        if not contact.found:
            dispatcher.utter_message(response="utter_handoff_contact_not_found")
            return [SlotSet(d.OFFER_SLOT, d.OFFER_CONTACT)]
        # Nothing is stored until the patient says yes; the slot keeps it for
        # the next turn (in the encrypted conversation store).
        dispatcher.utter_message(
            response="utter_handoff_confirm_contact", contact=contact.describe()
        )
        return [
            SlotSet(d.PENDING_CONTACT_SLOT, contact.as_details()),
            SlotSet(d.OFFER_SLOT, d.OFFER_CONTACT_CONFIRM),
        ]


class ActionCancelHandoff(Action):
    """Never mind: close the request; the bot answers again."""

    def name(self) -> Text:
        return "action_cancel_handoff"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff.dialogue import COORDINATOR_SLOT, HANDOFF_SLOT
        from bot.handoff.escalation import cancel_by_patient

        closed = cancel_by_patient(
            channel=channel_of(tracker), sender_id=tracker.sender_id
        )
        if closed is None:
            dispatcher.utter_message(response="utter_try_again_later")
            return []
        name = tracker.get_slot(COORDINATOR_SLOT)
        if tracker.get_slot(HANDOFF_SLOT) == "active" and name:
            dispatcher.utter_message(
                json_message={"type": "coordinator_left", "name": name}
            )
        dispatcher.utter_message(
            response="utter_handoff_cancelled"
            if closed
            else "utter_handoff_nothing_to_cancel"
        )
        return [SlotSet(HANDOFF_SLOT, None), SlotSet(COORDINATOR_SLOT, None)]


class ActionHandoffJoined(Action):
    """A coordinator claimed the ticket (triggered by the console)."""

    def name(self) -> Text:
        return "action_handoff_joined"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff.dialogue import COORDINATOR_SLOT, HANDOFF_SLOT
        from bot.handoff.relay import NAME_ENTITY

        name = _entity(tracker, NAME_ENTITY) or "A coordinator"
        dispatcher.utter_message(
            json_message={"type": "coordinator_joined", "name": name}
        )
        dispatcher.utter_message(response="utter_handoff_joined", name=name)
        return [SlotSet(HANDOFF_SLOT, "active"), SlotSet(COORDINATOR_SLOT, name)]


class ActionHandoffReleased(Action):
    """The coordinator put the ticket back in the queue: the bot answers again."""

    def name(self) -> Text:
        return "action_handoff_released"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff.dialogue import COORDINATOR_SLOT, HANDOFF_SLOT
        from bot.handoff.relay import NAME_ENTITY

        name = _entity(tracker, NAME_ENTITY) or tracker.get_slot(COORDINATOR_SLOT)
        name = name or "The coordinator"
        dispatcher.utter_message(
            json_message={"type": "coordinator_left", "name": name}
        )
        dispatcher.utter_message(response="utter_handoff_released", name=name)
        return [SlotSet(HANDOFF_SLOT, "waiting"), SlotSet(COORDINATOR_SLOT, None)]


class ActionHandoffFinished(Action):
    """The coordinator resolved the ticket: say so; the bot is back."""

    def name(self) -> Text:
        return "action_handoff_finished"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff.dialogue import COORDINATOR_SLOT, HANDOFF_SLOT
        from bot.handoff.relay import NAME_ENTITY

        name = _entity(tracker, NAME_ENTITY) or tracker.get_slot(COORDINATOR_SLOT)
        name = name or "The coordinator"
        dispatcher.utter_message(
            json_message={"type": "coordinator_left", "name": name}
        )
        dispatcher.utter_message(response="utter_handoff_finished", name=name)
        return [SlotSet(HANDOFF_SLOT, None), SlotSet(COORDINATOR_SLOT, None)]


class ActionHandoffUnclaimed(Action):
    """No coordinator claimed the ticket in time: say so, offer a call back."""

    def name(self) -> Text:
        return "action_handoff_unclaimed"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff.dialogue import HANDOFF_SLOT, OFFER_CALLBACK, OFFER_SLOT

        if tracker.get_slot(HANDOFF_SLOT) == "active":
            return []  # claimed in the meantime
        dispatcher.utter_message(response="utter_handoff_unclaimed")
        return [SlotSet(OFFER_SLOT, OFFER_CALLBACK)]


class ActionHandoffErasureDone(Action):
    """Staff carried out the patient's "delete my data" request: tell them."""

    def name(self) -> Text:
        return "action_handoff_erasure_done"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_handoff_erasure_done")
        return []
