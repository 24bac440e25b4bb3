"""The shapes the widget renders, live and replayed after a reconnect."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import BotUttered, UserUttered

from bot.channels import widget_messages as shapes


def test_buttons_become_quick_replies_with_title_and_payload() -> None:
    payload = shapes.bot_payload(
        {
            "text": "What would you like to know?",
            "buttons": [
                {"title": "Talk to a coordinator", "payload": "/request_human"},
                {"title": "broken"},  # no payload: not a button
            ],
            "timestamp": 10.5,
        }
    )
    assert payload["text"] == "What would you like to know?"
    assert payload["quick_replies"] == [
        {
            "content_type": "text",
            "title": "Talk to a coordinator",
            "payload": "/request_human",
        }
    ]
    assert payload["ts"] == 10.5 and payload["id"].startswith("b-")


def test_paragraphs_stay_in_one_message() -> None:
    payload = shapes.bot_payload({"text": "One.\n\nTwo.", "timestamp": 1.0})
    assert payload["text"] == "One.\n\nTwo."


def test_coordinator_metadata_nested_or_flattened() -> None:
    nested = shapes.bot_payload(
        {"text": "Hi", "metadata": {"from": "coordinator", "name": "Anna"}}
    )
    # BotUttered.message() flattens the event's metadata into the message.
    event = BotUttered("Hi", metadata={"from": "coordinator", "name": "Anna"})
    flat = shapes.bot_payload(event.message())
    assert (
        nested["metadata"]
        == flat["metadata"]
        == {
            "from": "coordinator",
            "name": "Anna",
        }
    )


def test_rasa_metadata_is_not_passed_to_the_browser() -> None:
    event = BotUttered("Hi", metadata={"utter_action": "utter_greet", "model_id": "x"})
    payload = shapes.bot_payload(event.message())
    assert set(payload) == {"id", "ts", "text"}


def test_notices_and_helpers() -> None:
    joined = shapes.coordinator_notice(shapes.COORDINATOR_JOINED, "  Anna \n Lee ")
    assert joined == {"custom": {"type": "coordinator_joined", "name": "Anna Lee"}}
    assert shapes.bot_payload(joined)["custom"]["type"] == "coordinator_joined"
    with pytest.raises(ValueError):
        shapes.coordinator_notice("coordinator_danced", "Anna")
    message = shapes.bot_payload(shapes.coordinator_message("On my way", "Anna"))
    assert message["metadata"] == {"from": "coordinator", "name": "Anna"}


def test_images_only_over_http() -> None:
    assert shapes.bot_payload({"image": "javascript:alert(1)"}) is None
    ok = shapes.bot_payload({"image": "https://example.org/a.png"})
    assert ok["attachment"]["payload"]["src"] == "https://example.org/a.png"


def test_nothing_to_show_is_none() -> None:
    assert shapes.bot_payload({"text": "  ", "timestamp": 1.0}) is None


def test_a_replayed_message_has_the_id_it_had_live() -> None:
    bot = BotUttered(
        "Answer",
        data={"buttons": [{"title": "More", "payload": "/faq/risks"}]},
        metadata={"utter_action": "utter_faq"},
        timestamp=100.25,
    )
    live = shapes.bot_payload(bot.message())
    user = UserUttered(
        "/request_human",
        metadata={"widget": {"id": "u1", "display": "Talk to a coordinator"}},
        timestamp=99.0,
    )
    rest = UserUttered("from WhatsApp", timestamp=99.5)  # not a widget message
    events = [user.as_dict(), rest.as_dict(), bot.as_dict()]

    replayed = shapes.replay(events, since=0)
    assert [item["type"] for item in replayed] == ["user", "bot"]
    assert replayed[0] == {
        "type": "user",
        "id": "u1",
        "ts": 99.0,
        "text": "Talk to a coordinator",
    }
    assert replayed[1]["id"] == live["id"]
    assert replayed[1]["quick_replies"] == live["quick_replies"]
    # Only what came after the last message the client has.
    assert shapes.replay(events, since=99.0) == replayed[1:]
    assert shapes.replay(events, since=100.25) == []


def test_replay_keeps_the_newest() -> None:
    events = [BotUttered(f"m{i}", timestamp=float(i)).as_dict() for i in range(1, 8)]
    assert [m["text"] for m in shapes.replay(events, 0, limit=3)] == ["m5", "m6", "m7"]


@pytest.mark.parametrize(
    "value,ok",
    [("u0a1", True), ("a" * 64, True), ("a" * 65, False), ("x y", False), (3, False)],
)
def test_client_message_ids(value, ok) -> None:
    assert shapes.is_client_message_id(value) is ok
