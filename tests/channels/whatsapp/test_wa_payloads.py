"""Webhook bodies, shaped as Meta and Twilio document them, read correctly."""

from bot.channels.whatsapp.messages import (
    KIND_CHOICE,
    KIND_MEDIA,
    KIND_TEXT,
    KIND_UNSUPPORTED,
    Inbound,
)
from bot.channels.whatsapp.meta_payloads import outgoing, parse_webhook
from bot.channels.whatsapp.standins import webhooks
from bot.channels.whatsapp.twilio_payloads import parse_message, parse_status

PHONE_ID = "106540352242922"
NUMBER = "447700900123"


def _parse(*messages, statuses=None, phone_id=PHONE_ID):
    body = webhooks.meta_notification(
        phone_id,
        messages=list(messages),
        statuses=statuses,
        contacts=[{"profile": {"name": "Asha"}, "wa_id": NUMBER}],
    )
    return parse_webhook(body, PHONE_ID)


def test_text_message():
    (message,), statuses = _parse(webhooks.meta_text(NUMBER, "what is cryoablation?"))
    assert statuses == []
    assert message.kind == KIND_TEXT
    assert message.text == "what is cryoablation?"
    assert message.sender == NUMBER and message.profile_name == "Asha"
    assert message.message_id.startswith("wamid.")


def test_button_list_and_template_replies_carry_the_payload():
    (button, row, template), _ = _parse(
        webhooks.meta_button_reply(NUMBER, "/affirm", "Yes, I agree"),
        webhooks.meta_list_reply(NUMBER, "/faq/risks", "Risks & side effects"),
        webhooks.meta_template_button(NUMBER, "/request_human", "Talk to us"),
    )
    assert [m.kind for m in (button, row, template)] == [KIND_CHOICE] * 3
    assert [m.payload for m in (button, row, template)] == [
        "/affirm",
        "/faq/risks",
        "/request_human",
    ]
    assert button.display == "Yes, I agree"


def test_image_and_document_are_media_with_their_ids():
    (image, document), _ = _parse(
        webhooks.meta_media(
            NUMBER, "image", "1234", "image/jpeg", "ab" * 32, caption="page 1"
        ),
        webhooks.meta_media(
            NUMBER, "document", "5678", "application/pdf", filename="summary.pdf"
        ),
    )
    assert image.kind == document.kind == KIND_MEDIA
    assert image.media[0].ref == "1234" and image.text == "page 1"
    assert document.media[0].filename == "summary.pdf"


def test_everything_else_is_unsupported():
    messages, _ = _parse(
        webhooks.meta_media(NUMBER, "audio", "1", "audio/ogg"),
        webhooks.meta_media(NUMBER, "video", "2", "video/mp4"),
        webhooks.meta_media(NUMBER, "sticker", "3", "image/webp"),
        webhooks.meta_location(NUMBER),
        webhooks.meta_reaction(NUMBER, "wamid.x"),
        webhooks.meta_message(
            NUMBER, "contacts", {"contacts": [{"name": {"formatted_name": "A"}}]}
        ),
    )
    assert [m.kind for m in messages] == [KIND_UNSUPPORTED] * 6
    assert [m.original_type for m in messages] == [
        "audio",
        "video",
        "sticker",
        "location",
        "reaction",
        "contacts",
    ]


def test_statuses_are_not_messages_and_carry_our_outbox_id():
    messages, statuses = _parse(
        statuses=[
            webhooks.meta_status(
                "wamid.out1", "delivered", NUMBER, callback_data="outbox:42"
            ),
            webhooks.meta_status("wamid.out2", "failed", NUMBER, error_code=131026),
            webhooks.meta_status("wamid.out3", "deleted", NUMBER),
        ]
    )
    assert messages == []
    assert [(s.provider_message_id, s.status, s.outbox_id) for s in statuses] == [
        ("wamid.out1", "delivered", 42),
        ("wamid.out2", "failed", None),
    ]
    assert statuses[1].error_code == "131026"


def test_other_numbers_and_other_fields_are_ignored():
    assert _parse(webhooks.meta_text(NUMBER, "hi"), phone_id="999") == ([], [])
    body = webhooks.meta_notification(
        PHONE_ID, messages=[webhooks.meta_text(NUMBER, "hi")]
    )
    body["entry"][0]["changes"][0]["field"] = "account_update"
    assert parse_webhook(body, PHONE_ID) == ([], [])


def test_malformed_bodies_are_ignored_not_crashing():
    for body in (
        None,
        [],
        "x",
        {"object": "page"},
        {"object": "whatsapp_business_account", "entry": "x"},
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "changes": [
                        {"field": "messages", "value": {"messages": [{"type": "text"}]}}
                    ]
                }
            ],
        },
    ):
        assert parse_webhook(body, PHONE_ID) == ([], [])


def test_inbound_round_trips_through_storage():
    (message,), _ = _parse(
        webhooks.meta_media(
            NUMBER, "document", "9", "application/pdf", filename="a.pdf"
        )
    )
    assert Inbound.from_dict(message.to_dict()) == message


def test_outgoing_body_has_the_documented_fields():
    body = outgoing(NUMBER, {"type": "text", "text": {"body": "Hi"}}, 7)
    assert body == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": NUMBER,
        "type": "text",
        "text": {"body": "Hi"},
        "biz_opaque_callback_data": "outbox:7",
    }


ACCOUNT = "AC" + "1" * 32


def test_twilio_text_media_button_and_location():
    text = parse_message(
        webhooks.twilio_message(
            "whatsapp:+447700900123",
            "hello",
            account_sid=ACCOUNT,
            to="whatsapp:+15550000002",
        )
    )
    assert (
        text.kind == KIND_TEXT
        and text.text == "hello"
        and text.sender == "whatsapp:+447700900123"
    )
    media = parse_message(
        webhooks.twilio_message(
            "whatsapp:+447700900123",
            "",
            account_sid=ACCOUNT,
            to="x",
            media=[
                ("https://api.twilio.com/m/1", "application/pdf"),
                ("https://api.twilio.com/m/2", "audio/ogg"),
            ],
        )
    )
    assert media.kind == KIND_MEDIA and [m.ref for m in media.media] == [
        "https://api.twilio.com/m/1"
    ]
    voice = parse_message(
        webhooks.twilio_message(
            "whatsapp:+447700900123",
            "",
            account_sid=ACCOUNT,
            to="x",
            media=[("https://api.twilio.com/m/3", "audio/ogg")],
        )
    )
    assert voice.kind == KIND_UNSUPPORTED and voice.original_type == "audio"
    button = parse_message(
        webhooks.twilio_message(
            "whatsapp:+447700900123",
            "Talk to us",
            account_sid=ACCOUNT,
            to="x",
            button=("/request_human", "Talk to us"),
        )
    )
    assert button.kind == KIND_CHOICE and button.payload == "/request_human"
    location = parse_message(
        {
            **webhooks.twilio_message(
                "whatsapp:+447700900123", "", account_sid=ACCOUNT, to="x"
            ),
            "Latitude": "1",
            "Longitude": "2",
        }
    )
    assert location.kind == KIND_UNSUPPORTED and location.original_type == "location"


def test_twilio_status_callback():
    form = webhooks.twilio_status(
        "SM" + "a" * 32,
        "undelivered",
        account_sid=ACCOUNT,
        to="whatsapp:+4477",
        sender="whatsapp:+1555",
        error_code="63024",
    )
    status = parse_status(form, outbox_id=5)
    assert (status.status, status.error_code, status.outbox_id) == (
        "failed",
        "63024",
        5,
    )
    assert parse_status({"MessageSid": "SM1", "MessageStatus": "weird"}) is None
