"""A phone number is personal data: never a conversation id, never in a log.

Distinctive numbers and words go through both providers, through the error
paths too (a forged signature, a Graph API that fails, an expired file, a
send that is never answered), then every log file of every process is read.
"""

from __future__ import annotations

from wa_world import MetaPhone, TwilioPhone, World, http

from bot.channels.whatsapp.standins import webhooks

# Long and outside the base64 alphabet, so chance cannot produce them.
SECRET_WORDS = "Zanele Okonkwo-Ferreira, bilirubin 2.7 mg/dl, Ward 7/B"


def test_the_conversation_id_is_not_the_number_and_no_log_holds_it(world: World):
    meta = MetaPhone(world)
    twilio = TwilioPhone(world)
    meta.turn(f"hello, I am {SECRET_WORDS}")
    twilio.turn(f"hello, I am {SECRET_WORDS}")
    # Error paths: they log, and must log neither number nor words.
    world.graph.fail_next("500", "timeout")
    meta.turn(f"my father {SECRET_WORDS} has questions")
    media = world.graph.add_media(b"%PDF-1.4", "application/pdf", expired=True)
    meta.send(
        webhooks.meta_media(
            meta.number,
            "document",
            media.media_id,
            "application/pdf",
            caption=SECRET_WORDS,
            filename=f"{SECRET_WORDS}.pdf",
        )
    )
    meta.settle()
    body = webhooks.meta_notification(
        "106540352242922", messages=[webhooks.meta_text(meta.number, SECRET_WORDS)]
    )
    raw, _ = webhooks.sign_meta(b"not the app secret", body)
    assert (
        http(
            "POST",
            world.meta_webhook,
            raw,
            {"X-Hub-Signature-256": "sha256=" + "1" * 64},
        )[0]
        == 403
    )
    assert twilio.post(twilio.form(SECRET_WORDS), token="0" * 32) == 403

    for channel, phone in (("whatsapp", meta), ("twilio", twilio)):
        (row,) = world.query(
            "SELECT sender_id, contact_details FROM conversations "
            "WHERE channel = ? AND sender_id = ?",
            (channel, phone.sender_id),
        )
        assert (
            phone.number not in row["sender_id"]
            and phone.number[-8:] not in row["sender_id"]
        )
        assert row["sender_id"].startswith(("wa:", "twilio:"))
        # The number is kept for replies, encrypted.
        assert phone.number not in row["contact_details"]
        assert phone.number.encode() in world.fernet().decrypt(
            row["contact_details"].encode()
        )
        events = world.query(
            "SELECT DISTINCT sender_id FROM events WHERE sender_id = ?",
            (phone.sender_id,),
        )
        assert events, "Rasa keys the conversation by the keyed id"
    assert not world.query(
        "SELECT sender_id FROM events WHERE sender_id LIKE ?",
        (f"%{meta.number[-8:]}%",),
    )

    logs = world.log_text()
    assert logs  # the processes did write logs
    for number in world.numbers:
        assert (
            number not in logs and number[-8:] not in logs
        ), "a phone number is in a log"
    for words in ("Zanele", "Okonkwo-Ferreira", "Ward 7/B"):
        assert words not in logs, "patient text is in a log"
