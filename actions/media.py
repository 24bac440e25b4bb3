"""Reports and scans sent in the chat (WhatsApp): acknowledge, ask, keep, offer review.

The WhatsApp channels turn a file (or a message they cannot read, such as a
voice note) into ``/share_media`` with what happened in the metadata
(``whatsapp_media.outcome``: ``saved``, ``pending``, ``unavailable``,
``too_large``, ``wrong_type``, ``corrupt``, ``unsupported``); these actions
answer it. The store is asked, not the metadata, whether files are held.
A review of the records, once offered, is the handoff's ``request_record_review``
(``action_request_human``, reason ``record_review``; bot/handoff).
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import channel_of

WHATSAPP_CHANNELS = ("whatsapp", "twilio")
PENDING_SLOT = "media_consent_pending"

_PROBLEMS = {
    "unavailable": "utter_media_unavailable",
    "corrupt": "utter_media_unavailable",
    "too_large": "utter_media_too_large",
    "wrong_type": "utter_media_wrong_type",
}


def _media_metadata(tracker: Tracker) -> Dict[str, Any]:
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    media = metadata.get("whatsapp_media") if isinstance(metadata, dict) else None
    return media if isinstance(media, dict) else {}


class ActionReceiveMedia(Action):
    """A file (or something that is not text) arrived, or the patient says one will."""

    def name(self) -> Text:
        return "action_receive_media"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff.records import pending_files

        channel = channel_of(tracker)
        outcome = _media_metadata(tracker).get("outcome")
        if outcome is None or channel not in WHATSAPP_CHANNELS:
            # Typed ("I'm sending the report"), or a channel without files.
            dispatcher.utter_message(
                response="utter_media_how_to_send_whatsapp"
                if channel in WHATSAPP_CHANNELS
                else "utter_media_how_to_send_elsewhere"
            )
            return []
        if outcome == "saved":
            dispatcher.utter_message(response="utter_media_saved")
            dispatcher.utter_message(response="utter_offer_record_review")
            return []
        if outcome == "pending":
            if pending_files(channel=channel, sender_id=tracker.sender_id):
                dispatcher.utter_message(response="utter_ask_media_consent")
                return [SlotSet(PENDING_SLOT, True)]
            dispatcher.utter_message(response="utter_media_unavailable")
            return []
        if outcome in _PROBLEMS:
            dispatcher.utter_message(response=_PROBLEMS[outcome])
            return []
        dispatcher.utter_message(response="utter_text_only")
        return []


class ActionKeepMedia(Action):
    """The patient agreed: record consent, keep the files, offer a review."""

    def name(self) -> Text:
        return "action_keep_media"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff.records import keep_files

        kept = keep_files(channel=channel_of(tracker), sender_id=tracker.sender_id)
        if kept is None:
            dispatcher.utter_message(response="utter_try_again_later")
        elif kept == 0:
            dispatcher.utter_message(response="utter_media_unavailable")
        else:
            dispatcher.utter_message(response="utter_media_saved")
            dispatcher.utter_message(response="utter_offer_record_review")
        return [SlotSet(PENDING_SLOT, None)]


class ActionDiscardMedia(Action):
    """The patient refused: delete the held files."""

    def name(self) -> Text:
        return "action_discard_media"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        from bot.handoff.records import discard_files

        discarded = discard_files(
            channel=channel_of(tracker), sender_id=tracker.sender_id
        )
        dispatcher.utter_message(
            response="utter_try_again_later"
            if discarded is None
            else "utter_media_discarded"
        )
        return [SlotSet(PENDING_SLOT, None)]
