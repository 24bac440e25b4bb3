"""The assistant on Twilio WhatsApp, end to end over real HTTP on loopback.

Webhooks are form posts signed with ``X-Twilio-Signature`` by the algorithm
of Twilio's ``RequestValidator``; replies go to a local stand-in of Twilio's
Messages API, which posts signed status callbacks back.
"""

from __future__ import annotations

import pytest
from wa_world import TwilioPhone, World, http, wait_until

from bot.channels.whatsapp.standins import webhooks

DISCLAIMER = "automated assistant, not a doctor"


def _bodies(messages):
    return [m.get("Body", "") for m in messages]


def test_a_question_gets_the_disclaimer_then_its_answer(
    twilio_phone: TwilioPhone, world: World
):
    replies = _bodies(twilio_phone.turn("what is cryoablation?"))
    assert DISCLAIMER in replies[0]
    # The greeting's options are a numbered list, never "1: Title (/payload)".
    assert "1. What is cryoablation?" in replies[0]
    assert "/faq" not in "".join(replies) and "/check_eligibility" not in "".join(
        replies
    )
    assert any("freez" in body.lower() for body in replies[1:])
    conversation = world.conversation_id("twilio", twilio_phone.sender_id)
    wait_until(
        lambda: [
            r["receipt_status"]
            for r in world.query(
                "SELECT receipt_status FROM outbox WHERE conversation_id = ?",
                (conversation,),
            )
        ]
        == ["delivered"] * len(replies),
        what="status callbacks recorded",
    )


@pytest.mark.parametrize("forgery", ["missing", "wrong-token", "other-url", "tampered"])
def test_a_forged_or_missing_signature_gets_403_and_stores_nothing(
    world: World, forgery
):
    phone = TwilioPhone(world)
    form = phone.form("I am not Twilio")
    target = world.twilio_webhook
    raw, headers = webhooks.sign_twilio(world.twilio_token, target, form)
    if forgery == "missing":
        headers.pop("X-Twilio-Signature")
    elif forgery == "wrong-token":
        _, headers = webhooks.sign_twilio("0" * 32, target, form)
    elif forgery == "other-url":
        _, headers = webhooks.sign_twilio(
            world.twilio_token, "https://evil.example/hook", form
        )
    else:
        raw = raw.replace(b"not", b"now")
    status, _, _ = http("POST", target, raw, headers)
    assert status == 403
    assert world.conversation_id("twilio", phone.sender_id) is None
    assert phone.received() == []


def test_a_number_picks_the_option(twilio_phone: TwilioPhone, world: World):
    twilio_phone.turn("hi")
    # "hi" after the greeting gets no second greeting: its list is still the
    # one on screen, and "2" picks from it ("2. Could it be an option?").
    replies = _bodies(twilio_phone.turn("2"))
    assert any("selection criteria" in body for body in replies), replies
    assert "1. Yes, I agree\n2. No" in replies[-1]
    assert world.tracker(twilio_phone.sender_id)["latest_message"]["intent"][
        "name"
    ] == ("check_eligibility")


def test_a_number_answering_a_question_is_not_read_as_an_option(
    twilio_phone: TwilioPhone, world: World
):
    twilio_phone.turn("could it work for my father?")
    twilio_phone.turn("1")  # "1. Yes, I agree"
    twilio_phone.turn("hepatocellular carcinoma")
    asked = _bodies(twilio_phone.turn("1"))  # how many tumours? one
    slots = world.tracker(twilio_phone.sender_id)["slots"]
    assert slots["lesion_count"] == 1, asked


def test_a_retried_message_sid_is_answered_once(
    twilio_phone: TwilioPhone, world: World
):
    form = twilio_phone.form("does it hurt?")
    assert twilio_phone.post(form) == 200
    assert twilio_phone.post(form) == 200  # Twilio retried
    twilio_phone.last_id = form["MessageSid"]
    replies = twilio_phone.settle()
    events = world.tracker(twilio_phone.sender_id)["events"]
    assert [e.get("message_id") for e in events if e["event"] == "user"] == [
        form["MessageSid"]
    ]
    assert len(_bodies(replies)) == len(set(_bodies(replies)))


PDF = b"%PDF-1.7\n% lab report\n%%EOF\n"


def test_a_pdf_sent_through_twilio_is_fetched_kept_and_acknowledged(
    twilio_phone: TwilioPhone, world: World
):
    twilio_phone.turn("hello")
    url = world.twilio.add_media(PDF, "application/pdf")
    before = len(twilio_phone.received())
    twilio_phone.send(twilio_phone.form("", media=[(url, "application/pdf")]))
    asked = _bodies(twilio_phone.settle()[before:])
    assert any("May I keep it?" in body for body in asked), asked
    assert "1. Yes, keep it\n2. No, delete it" in asked[-1]
    saved = _bodies(twilio_phone.turn("1"))
    assert any(
        "I have saved your report for the coordinators" in b for b in saved
    ), saved
    conversation = world.conversation_id("twilio", twilio_phone.sender_id)
    (row,) = world.query(
        "SELECT content, size_bytes FROM attachments WHERE conversation_id = ?",
        (conversation,),
    )
    assert world.fernet().decrypt(row["content"].encode()) == PDF
    assert row["size_bytes"] == len(PDF)


def test_an_expired_twilio_media_url_gets_a_retry_request(
    twilio_phone: TwilioPhone, world: World
):
    twilio_phone.turn("hello")
    url = world.twilio.add_media(PDF, "application/pdf", expired=True)
    before = len(twilio_phone.received())
    twilio_phone.send(twilio_phone.form("", media=[(url, "application/pdf")]))
    (reply,) = _bodies(twilio_phone.settle()[before:])
    assert "Could you please send it again?" in reply


def test_media_from_another_host_is_never_fetched(
    twilio_phone: TwilioPhone, world: World
):
    twilio_phone.turn("hello")
    before = len(twilio_phone.received())
    twilio_phone.send(
        twilio_phone.form(
            "", media=[("http://169.254.169.254/latest/meta-data", "application/pdf")]
        )
    )
    (reply,) = _bodies(twilio_phone.settle()[before:])
    assert "Could you please send it again?" in reply


def test_a_voice_note_gets_the_text_only_answer(
    twilio_phone: TwilioPhone, world: World
):
    twilio_phone.turn("hello")
    url = world.twilio.add_media(b"OggS voice", "audio/ogg")
    before = len(twilio_phone.received())
    twilio_phone.send(twilio_phone.form("", media=[(url, "audio/ogg")]))
    (reply,) = _bodies(twilio_phone.settle()[before:])
    assert "I can only read text messages here" in reply
    assert "Or reply: *Talk to a coordinator*" in reply


def test_twilio_failing_twice_still_delivers_exactly_once_and_in_order(
    twilio_phone: TwilioPhone, world: World
):
    world.twilio.fail_next("429", "500")
    replies = _bodies(twilio_phone.turn("what is cryoablation?"))
    assert DISCLAIMER in replies[0]
    assert len(replies) == len(set(replies)) >= 2


def test_a_template_button_reply_is_read_as_its_payload(
    twilio_phone: TwilioPhone, world: World
):
    twilio_phone.turn("hello")
    twilio_phone.send(
        twilio_phone.form(
            "Talk to a coordinator", button=("/request_human", "Talk to a coordinator")
        )
    )
    twilio_phone.settle()
    assert (
        world.tracker(twilio_phone.sender_id)["latest_message"]["intent"]["name"]
        == "request_human"
    )
