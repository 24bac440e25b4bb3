"""What the console shows of a WhatsApp conversation (issue 13's hooks)."""

from datetime import datetime, timedelta, timezone

from bot.console.data import _window, given_contact
from bot.store.models import Conversation

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


def _conversation(**values) -> Conversation:
    return Conversation(channel="whatsapp", sender_id="wa:x", **values)


def test_the_number_whatsapp_replies_to_is_not_a_call_back_contact():
    conversation = _conversation(
        contact_details={"whatsapp": "919812345678", "email": "a@b.org"}
    )
    assert given_contact(conversation) == {"email": "a@b.org"}
    assert given_contact(_conversation(contact_details={"whatsapp": "9198"})) == {}


def test_the_window_state_follows_the_channels_rule():
    open_ = _window(_conversation(last_inbound_at=NOW - timedelta(hours=23)), NOW)
    closed = _window(_conversation(last_inbound_at=NOW - timedelta(hours=24)), NOW)
    never = _window(_conversation(last_inbound_at=None), NOW)
    assert open_ == {"closes_at": "2024-05-01T13:00:00+00:00", "open": True}
    assert closed["open"] is False
    assert never == {"closes_at": None, "open": False}
    assert _window(Conversation(channel="socketio", sender_id="web:x"), NOW) is None
