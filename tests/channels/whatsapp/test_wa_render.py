"""Whole bot messages as the WhatsApp messages a patient receives."""

from bot.channels.whatsapp.formatting import INTERACTIVE_BODY_LIMIT, TEXT_LIMIT
from bot.channels.whatsapp.render import (
    origin_of,
    render_meta,
    render_twilio,
)

THREE = [
    {"title": "What is cryoablation?", "payload": "/faq/what_is_cryoablation"},
    {"title": "Could it work for me?", "payload": "/check_eligibility"},
    {"title": "Talk to a coordinator", "payload": "/request_human"},
]
FIVE = THREE + [
    {"title": "Risks and side effects", "payload": "/faq/risks"},
    {"title": "How long does it take?", "payload": "/faq/procedure_duration"},
]


def _all_text(parts):
    return "\n".join(str(part) for part in parts)


def test_three_buttons_become_one_reply_button_message():
    parts = render_meta({"text": "Hello", "buttons": THREE})
    assert len(parts) == 1
    interactive = parts[0]["interactive"]
    assert interactive["type"] == "button"
    assert [b["reply"]["id"] for b in interactive["action"]["buttons"]] == [
        b["payload"] for b in THREE
    ]


def test_current_options_are_those_still_on_the_patients_screen():
    from types import SimpleNamespace as Event

    from bot.channels.whatsapp.channel_base import current_options

    def bot(buttons=None):
        return Event(type_name="bot", data={"buttons": buttons} if buttons else {})

    user = Event(type_name="user", data={})
    greeting = bot(THREE)
    # "hi" the bot let pass: the greeting's options are still current.
    assert [o.payload for o in current_options([greeting, user])] == [
        b["payload"] for b in THREE
    ]
    # An answer, then a closing line without options: the answer's options.
    assert len(current_options([user, greeting, bot()])) == 3
    # The bot answered the patient without options: none are current.
    assert current_options([greeting, user, bot()]) == []


def test_five_buttons_become_a_list():
    parts = render_meta({"text": "Pick a topic", "buttons": FIVE})
    interactive = parts[0]["interactive"]
    assert interactive["type"] == "list"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == [b["payload"] for b in FIVE]


def test_payloads_never_appear_as_text():
    for parts in (
        render_meta({"text": "Hi", "buttons": FIVE}),
        render_twilio({"text": "Hi", "buttons": FIVE}),
    ):
        shown = [
            part.get("Body")
            or (part.get("text") or {}).get("body")
            or (part.get("interactive") or {}).get("body", {}).get("text")
            for part in parts
        ]
        for text in shown:
            assert "/faq" not in text and "/request_human" not in text


def test_long_text_with_buttons_sends_the_text_first_then_the_choice():
    text = " ".join(["This sentence is part of a long answer."] * 200)
    parts = render_meta({"text": text, "buttons": THREE})
    assert [p["type"] for p in parts[:-1]] == ["text"] * (len(parts) - 1)
    assert parts[-1]["type"] == "interactive"
    assert len(parts[-1]["interactive"]["body"]["text"]) < INTERACTIVE_BODY_LIMIT
    assert all(len(p["text"]["body"]) < TEXT_LIMIT for p in parts[:-1])


def test_a_coordinators_message_says_who_wrote_it():
    message = {
        "text": "I have read your reports.",
        "metadata": {"from": "coordinator", "name": "Anna"},
    }
    assert origin_of(message).kind == "coordinator"
    body = render_meta(message)[0]["text"]["body"]
    assert body.startswith("*Anna, coordinator:*")
    assert "I have read your reports." in body


def test_joined_and_left_notices_are_plain_lines():
    joined = render_meta({"custom": {"type": "coordinator_joined", "name": "Anna"}})
    left = render_twilio({"custom": {"type": "coordinator_left", "name": "Anna"}})
    assert (
        joined[0]["text"]["body"] == "_Anna, a coordinator, joined the conversation._"
    )
    assert left[0]["Body"] == "_Anna left the conversation. The assistant continues._"
    assert origin_of({"custom": {"type": "coordinator_left", "name": "A"}}).from_staff


def test_twilio_gets_a_numbered_list():
    parts = render_twilio(
        {
            "text": "Do you agree?",
            "buttons": [
                {"title": "Yes, I agree", "payload": "/affirm"},
                {"title": "No", "payload": "/deny"},
            ],
        }
    )
    assert parts == [
        {
            "Body": "Do you agree?\n\n1. Yes, I agree\n2. No\n\n"
            "Reply with the number of your choice."
        }
    ]


def test_twilio_messages_stay_below_its_limit():
    parts = render_twilio({"text": "A long sentence about recovery. " * 200})
    assert len(parts) > 1 and all(len(p["Body"]) < 1600 for p in parts)


def test_an_unknown_custom_payload_or_empty_message_sends_nothing():
    assert render_meta({"custom": {"type": "something"}}) == []
    assert render_meta({"text": "   "}) == []


def test_only_http_images_are_sent():
    assert render_meta({"image": "https://example.org/a.png"})[0]["image"] == {
        "link": "https://example.org/a.png"
    }
    assert render_meta({"image": "file:///etc/passwd"}) == []
