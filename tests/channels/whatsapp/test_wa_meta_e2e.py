"""The assistant on Meta's Cloud API, end to end over real HTTP on loopback.

The real Rasa and action servers; a local Graph API stand-in that records
what the phone receives; webhooks shaped and signed as Meta sends them.
"""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Iterator
from urllib.parse import urlencode

import pytest
from wa_world import (
    PHONE_NUMBER_ID,
    MetaPhone,
    World,
    http,
    new_number,
    wait_until,
)

from bot.channels.whatsapp.standins import webhooks

DISCLAIMER = "automated assistant, not a doctor"


def _texts(bodies):
    out = []
    for body in bodies:
        if body["type"] == "text":
            out.append(body["text"]["body"])
        elif body["type"] == "interactive":
            out.append(body["interactive"]["body"]["text"])
        else:
            out.append(f"[{body['type']}]")
    return out


# -- the handshake and the signature ---------------------------------------------


def test_the_verification_handshake_echoes_the_challenge(world: World):
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": world.verify_token,
        "hub.challenge": "1158201444",
    }
    status, body, _ = http("GET", f"{world.meta_webhook}?{urlencode(query)}")
    assert (status, body) == (200, b"1158201444")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "TOKEN", "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_a_wrong_handshake_is_refused(world: World, query):
    query = {k: (world.verify_token if v == "TOKEN" else v) for k, v in query.items()}
    status, body, _ = http("GET", f"{world.meta_webhook}?{urlencode(query)}")
    assert status == 403 and b"1" not in body


@pytest.mark.parametrize("signature", ["missing", "wrong", "other-secret", "tampered"])
def test_a_forged_or_missing_signature_gets_403_and_stores_nothing(
    world: World, signature
):
    number = new_number()
    body = webhooks.meta_notification(
        PHONE_NUMBER_ID, messages=[webhooks.meta_text(number, "I am not Meta")]
    )
    raw, headers = webhooks.sign_meta(world.app_secret, body)
    if signature == "missing":
        del headers["X-Hub-Signature-256"]
    elif signature == "wrong":
        headers["X-Hub-Signature-256"] = "sha256=" + "0" * 64
    elif signature == "other-secret":
        _, headers = webhooks.sign_meta(b"another app's secret", body)
    else:
        raw = raw.replace(b"I am not Meta", b"I am now Meta")
    before = world.query("SELECT count(*) AS n FROM processed_inbound")[0]["n"]
    status, _, _ = http("POST", world.meta_webhook, raw, headers)
    assert status == 403
    assert world.query("SELECT count(*) AS n FROM processed_inbound")[0]["n"] == before
    sender = world.sender_id("wa", number)
    assert world.conversation_id("whatsapp", sender) is None
    assert world.graph.messages_to(number) == []


# -- a question and its answer ---------------------------------------------------


def test_a_question_gets_the_disclaimer_then_its_answer(phone: MetaPhone, world: World):
    replies = phone.turn("what is cryoablation?")
    texts = _texts(replies)
    assert DISCLAIMER in texts[0]  # the first message says what the bot is
    assert replies[0]["type"] == "interactive"  # with the widget's three options
    assert any("freez" in text.lower() for text in texts[1:]), texts
    # Blue ticks: the patient's message was marked read through the API.
    assert phone.last_id in world.graph.reads
    # Meta reported sent and delivered; recorded against our messages.
    conversation = world.conversation_id("whatsapp", phone.sender_id)
    wait_until(
        lambda: all(
            row["receipt_status"] == "delivered"
            for row in world.query(
                "SELECT receipt_status FROM outbox WHERE conversation_id = ?",
                (conversation,),
            )
        ),
        what="delivery receipts",
    )


def test_the_greetings_choices_fit_whatsapps_limits_uncut(phone: MetaPhone):
    greeting = phone.turn("hello")[0]
    # "Could it be an option?" cannot be shortened to a reply button's 20
    # characters without cutting it: the three options are a list, whole.
    interactive = greeting["interactive"]
    assert interactive["type"] == "list"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [(r["id"], r["title"]) for r in rows] == [
        ("/faq/what_is_cryoablation", "What is cryoablation?"),
        ("/check_eligibility", "Could it be an option?"),
        ("/request_human", "Talk to a coordinator"),
    ]
    assert "/faq" not in interactive["body"]["text"]


def test_a_button_click_comes_back_as_the_right_intent(phone: MetaPhone, world: World):
    phone.turn("hi")
    answer = phone.tap("Could it be")
    assert any("selection criteria" in text for text in _texts(answer))
    tracker = world.tracker(phone.sender_id)
    assert tracker["latest_message"]["intent"]["name"] == "check_eligibility"
    # The consent question before the screening is a pair of reply buttons.
    assert [title for _, _, title in phone.last_choices()] == ["Yes, I agree", "No"]


def test_three_short_options_are_reply_buttons(phone: MetaPhone, world: World):
    phone.turn("hello")
    three = [
        {"title": "Yes, please", "payload": "/affirm"},
        {"title": "No, thanks", "payload": "/deny"},
        {"title": "Talk to a coordinator", "payload": "/request_human"},
    ]
    before = len(phone.received())
    status, _ = world.rasa_api(
        "POST",
        f"/conversations/{phone.sender_id}/tracker/events"
        "?execute_side_effects=true&output_channel=latest",
        [{"event": "bot", "text": "Shall I go on?", "data": {"buttons": three}}],
    )
    assert status == 200
    (message,) = wait_until(lambda: phone.received()[before:], what="the buttons")
    buttons = message["interactive"]["action"]["buttons"]
    assert message["interactive"]["type"] == "button"
    assert [(b["reply"]["id"], b["reply"]["title"]) for b in buttons] == [
        ("/affirm", "Yes, please"),
        ("/deny", "No, thanks"),
        ("/request_human", "Talk to coordinator"),
    ]


def test_four_and_five_options_become_a_list(phone: MetaPhone, world: World):
    phone.turn("could cryoablation work for my mother?")
    diagnosis = phone.tap("Yes, I agree")[-1]
    assert diagnosis["interactive"]["type"] == "list"
    rows = diagnosis["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows) == 4 and all(len(r["title"]) <= 24 for r in rows)
    # Five options sent by Rasa's HTTP API through the channel's output channel.
    five = [
        {"title": f"Topic number {i} with a long name", "payload": f"/faq/t{i}"}
        for i in range(5)
    ]
    before = len(phone.received())
    status, _ = world.rasa_api(
        "POST",
        f"/conversations/{phone.sender_id}/tracker/events"
        "?execute_side_effects=true&output_channel=latest",
        [{"event": "bot", "text": "Which topic?", "data": {"buttons": five}}],
    )
    assert status == 200
    (message,) = wait_until(lambda: phone.received()[before:], what="the list")
    rows = message["interactive"]["action"]["sections"][0]["rows"]
    assert message["interactive"]["type"] == "list"
    assert [r["id"] for r in rows] == [b["payload"] for b in five]
    assert len({r["title"] for r in rows}) == 5


def test_a_list_choice_comes_back_as_its_payload(phone: MetaPhone, world: World):
    phone.turn("check if I qualify")
    phone.tap("Yes, I agree")
    phone.tap("Spread to the liver")
    slots = world.tracker(phone.sender_id)["slots"]
    assert slots["diagnosis"] == "metastasis"


def test_the_screening_reaches_a_result_over_whatsapp(phone: MetaPhone, world: World):
    phone.turn("could this treatment work for my father?")
    phone.tap("Yes, I agree")
    phone.tap("Spread to the liver")
    readback = phone.turn(
        "two lesions, the biggest 28 mm, platelets 1.2 lakh, bilirubin 0.8 mg/dl"
    )
    # The values are read back, with reply buttons, before the comparison.
    assert "Is this right?" in _texts(readback)[-1]
    texts = _texts(phone.tap("All correct"))
    assert any("within the preferred ranges" in t for t in texts), texts
    assert any("not a medical decision" in t for t in texts), texts
    assert (
        world.tracker(phone.sender_id)["slots"]["screening_outcome"]
        == "likely_suitable"
    )


def test_urgent_symptoms_get_the_emergency_advice_first(phone: MetaPhone, world: World):
    phone.turn("hello")
    replies = phone.turn(
        "my father had the ablation yesterday and now he is vomiting blood"
    )
    assert "emergency" in _texts(replies)[0].lower()
    tickets = world.query(
        "SELECT priority FROM tickets WHERE conversation_id = ?",
        (world.conversation_id("whatsapp", phone.sender_id),),
    )
    assert [t["priority"] for t in tickets] == ["urgent"]


def test_urgent_first_message_gets_the_disclaimer_then_the_emergency_advice(
    phone: MetaPhone,
):
    texts = _texts(phone.turn("he has high fever and severe pain after the procedure"))
    assert DISCLAIMER in texts[0]
    assert "emergency" in texts[1].lower()


# -- exactly once ------------------------------------------------------------------


def test_the_same_message_delivered_twice_in_sequence_is_answered_once(
    phone: MetaPhone, world: World
):
    message = webhooks.meta_text(phone.number, "how long does the procedure take?")
    assert phone.post([message])[0] == 200
    assert phone.post([message])[0] == 200  # Meta's redelivery
    phone.last_id = message["id"]
    first = phone.settle()
    assert phone.post([message])[0] == 200  # and again, late
    assert phone.settle() == first
    events = world.tracker(phone.sender_id)["events"]
    assert [e.get("message_id") for e in events if e["event"] == "user"] == [
        message["id"]
    ]
    assert (
        len(
            world.query(
                "SELECT id FROM processed_inbound WHERE message_id = ?",
                (message["id"],),
            )
        )
        == 1
    )


def _post_together(posts):
    results = [None] * len(posts)
    barrier = threading.Barrier(len(posts))

    def run(index, post):
        barrier.wait()
        results[index] = post()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.fixture(scope="module")
def second_rasa(world: World) -> Iterator[str]:
    """A second Rasa server on the same database (two replicas behind Meta)."""
    yield world.servers.start_rasa(name="rasa-replica")
    world.servers.stop_process("rasa-replica")


def test_the_same_message_delivered_in_parallel_to_two_servers_is_answered_once(
    phone: MetaPhone, world: World, second_rasa: str
):
    phone.turn("hello")
    message = webhooks.meta_text(phone.number, "does cryoablation hurt?")
    urls = [world.meta_webhook, f"{second_rasa}/webhooks/whatsapp/webhook"] * 2
    statuses = _post_together(
        [lambda u=u: phone.post([message], url=u)[0] for u in urls]
    )
    assert statuses == [200, 200, 200, 200]
    phone.last_id = message["id"]
    phone.settle()
    events = world.tracker(phone.sender_id)["events"]
    users = [
        e
        for e in events
        if e["event"] == "user" and e.get("message_id") == message["id"]
    ]
    assert len(users) == 1
    answers = [t for t in phone.shown() if "pain" in t.lower() or "hurt" in t.lower()]
    assert len(answers) == 1, phone.shown()


def test_the_webhook_answers_before_the_message_is_processed(
    phone: MetaPhone, world: World
):
    # The Graph API holds every send: the bot cannot finish its answer, yet the
    # webhook must answer at once (Meta retries slow webhooks for days).
    world.graph.hold()
    try:
        status, elapsed_ms = phone.post(
            [webhooks.meta_text(phone.number, "what are the risks?")]
        )
        assert status == 200
        assert phone.received() == []  # nothing could be sent yet
    finally:
        world.graph.release()
    print(f"webhook answered in {elapsed_ms:.1f} ms while its processing was held")
    wait_until(lambda: len(phone.received()) >= 2, what="the answer after release")


# -- failures of the Graph API -------------------------------------------------------


def test_a_graph_api_failing_twice_still_delivers_exactly_once_and_in_order(
    phone: MetaPhone, world: World
):
    world.graph.fail_next("429", "500")
    replies = phone.turn("what is cryoablation?")
    texts = _texts(replies)
    assert len(texts) == len(set(texts)) >= 2
    assert DISCLAIMER in texts[0]  # the greeting is still first
    failures = [
        r
        for r in world.graph.snapshot()
        if r.status in (429, 500) and (r.body or {}).get("to") == phone.number
    ]
    assert [r.status for r in failures] == [429, 500]
    assert failures[0].body == failures[1].body  # the same message was retried


def test_throttling_by_pair_rate_limit_is_retried(phone: MetaPhone, world: World):
    phone.turn("hello")
    world.graph.fail_next("131056")
    texts = _texts(phone.turn("is it painful?"))
    assert len(texts) == len(set(texts)) >= 1


def test_a_timeout_does_not_send_twice_or_lose_the_message(
    phone: MetaPhone, world: World
):
    phone.turn("hello")
    world.graph.fail_next("timeout")  # no answer, nothing accepted: sent again later
    first = _texts(phone.turn("how long is the recovery?"))
    world.graph.fail_next("slow")  # accepted, answer too late: the callback confirms it
    second = _texts(phone.turn("what is the success rate?"))
    for texts in (first, second):
        assert len(texts) == len(set(texts)) >= 1


def test_a_message_that_keeps_failing_is_shown_to_staff(phone: MetaPhone, world: World):
    phone.turn("hello")
    world.graph.fail_next("bad")  # a permanent error: no retry
    phone.turn("what does it cost?")
    conversation = world.conversation_id("whatsapp", phone.sender_id)
    failed = world.query(
        "SELECT last_error FROM outbox WHERE conversation_id = ? AND status = 'failed'",
        (conversation,),
    )
    assert [row["last_error"] for row in failed] == ["graph:100 (HTTP 400)"]
    tickets = world.query(
        "SELECT reason, priority FROM tickets WHERE conversation_id = ?",
        (conversation,),
    )
    assert [tuple(t) for t in tickets] == [("delivery_failed", "high")]


# -- files -------------------------------------------------------------------------

PDF = b"%PDF-1.4\n% discharge summary\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 20


def _media_message(world: World, phone: MetaPhone, data, mime, kind, **kwargs):
    media = world.graph.add_media(data, mime, expired=kwargs.pop("expired", False))
    return webhooks.meta_media(
        phone.number, kind, media.media_id, mime, media.sha256, **kwargs
    )


def test_an_image_and_a_pdf_are_downloaded_stored_encrypted_and_acknowledged(
    phone: MetaPhone, world: World
):
    phone.turn("hello")
    before = len(phone.received())
    phone.send(_media_message(world, phone, JPEG, "image/jpeg", "image"))
    asked = _texts(phone.settle()[before:])
    assert any("May I keep it?" in text for text in asked), asked
    saved = _texts(phone.tap("Yes, keep it"))
    assert any("I have saved your report for the coordinators" in t for t in saved)
    assert [t for _, _, t in phone.last_choices()][0] == "Yes, please review", saved
    # With consent given, the next file is saved straight away.
    before = len(phone.received())
    phone.send(
        _media_message(
            world,
            phone,
            PDF,
            "application/pdf",
            "document",
            filename="discharge summary.pdf",
        )
    )
    texts = _texts(phone.settle()[before:])
    assert any("I have saved your report" in t for t in texts), texts
    conversation = world.conversation_id("whatsapp", phone.sender_id)
    # Kept as the conversation's attachments (what the console lists), encrypted.
    rows = world.query(
        "SELECT content_type, content, filename, size_bytes FROM attachments "
        "WHERE conversation_id = ? ORDER BY id",
        (conversation,),
    )
    assert [r["content_type"] for r in rows] == ["image/jpeg", "application/pdf"]
    fernet = world.fernet()
    for row, original in zip(rows, (JPEG, PDF), strict=True):
        assert row["content"].startswith("gAAAAA")  # a Fernet token, not the file
        opened = fernet.decrypt(row["content"].encode())
        assert hashlib.sha256(opened).digest() == hashlib.sha256(original).digest()
        assert row["size_bytes"] == len(original)
    assert fernet.decrypt(rows[1]["filename"].encode()) == b"discharge summary.pdf"
    # Nothing is left waiting.
    assert (
        world.query(
            "SELECT id FROM channel_media WHERE conversation_id = ?", (conversation,)
        )
        == []
    )


def test_a_record_review_opens_a_ticket_listing_the_files(
    phone: MetaPhone, world: World
):
    phone.turn("hello")
    before = len(phone.received())
    phone.send(
        _media_message(
            world, phone, PDF, "application/pdf", "document", filename="scan.pdf"
        )
    )
    phone.settle()
    phone.tap("Yes, keep it")
    texts = _texts(phone.tap("Yes, please review"))
    assert any("review the reports and scans" in t for t in texts), texts
    conversation = world.conversation_id("whatsapp", phone.sender_id)
    (ticket,) = world.query(
        "SELECT reason, summary FROM tickets WHERE conversation_id = ?", (conversation,)
    )
    assert ticket["reason"] == "record_review"
    (attachment,) = world.query(
        "SELECT id FROM attachments WHERE conversation_id = ?", (conversation,)
    )
    packet = json.loads(world.fernet().decrypt(ticket["summary"].encode()))
    assert packet["attachment_ids"] == [attachment["id"]]
    assert before  # the greeting came first


def test_a_refused_file_is_deleted(phone: MetaPhone, world: World):
    phone.turn("hello")
    phone.send(_media_message(world, phone, JPEG, "image/jpeg", "image"))
    phone.settle()
    texts = _texts(phone.tap("No, delete it"))
    assert any("deleted the file" in t for t in texts)
    conversation = world.conversation_id("whatsapp", phone.sender_id)
    for table in ("channel_media", "attachments"):
        assert (
            world.query(
                f"SELECT id FROM {table} WHERE conversation_id = ?", (conversation,)
            )
            == []
        )


def test_an_expired_media_url_gets_a_polite_retry_request(
    phone: MetaPhone, world: World
):
    phone.turn("hello")
    before = len(phone.received())
    phone.send(
        _media_message(world, phone, PDF, "application/pdf", "document", expired=True)
    )
    texts = _texts(phone.settle()[before:])
    assert texts == [
        "Sorry, I could not open the file you sent: the link to it had already "
        "expired. Could you please send it again?"
    ]


def test_a_file_that_is_not_a_report_is_refused(phone: MetaPhone, world: World):
    phone.turn("hello")
    before = len(phone.received())
    phone.send(
        _media_message(
            world,
            phone,
            b"MZ\x90\x00 not a pdf",
            "application/pdf",
            "document",
            filename="report.pdf",
        )
    )
    texts = _texts(phone.settle()[before:])
    assert len(texts) == 1 and "only receive photos" in texts[0]
    conversation = world.conversation_id("whatsapp", phone.sender_id)
    for table in ("channel_media", "attachments"):
        assert (
            world.query(
                f"SELECT id FROM {table} WHERE conversation_id = ?", (conversation,)
            )
            == []
        )


@pytest.mark.parametrize("kind", ["audio", "video", "sticker", "location", "reaction"])
def test_what_cannot_be_read_gets_a_polite_answer_with_a_coordinator_button(
    phone: MetaPhone, world: World, kind
):
    phone.turn("hello")
    if kind == "location":
        message = webhooks.meta_location(phone.number)
    elif kind == "reaction":
        message = webhooks.meta_reaction(phone.number, "wamid.earlier")
    else:
        message = webhooks.meta_media(phone.number, kind, "77", f"{kind}/ogg")
    before = len(phone.received())
    phone.send(message)
    (reply,) = phone.settle()[before:]
    assert "I can only read text messages here" in reply["interactive"]["body"]["text"]
    assert [t for _, _, t in phone.last_choices()] == ["Talk to coordinator"]


def test_a_caption_describing_an_emergency_is_answered_first(
    phone: MetaPhone, world: World
):
    phone.turn("hello")
    before = len(phone.received())
    phone.send(
        _media_message(
            world,
            phone,
            JPEG,
            "image/jpeg",
            "image",
            caption="his stomach is suddenly swollen and he fainted",
        )
    )
    texts = _texts(phone.settle()[before:])
    assert "emergency" in texts[0].lower(), texts


# -- long messages, odd input ---------------------------------------------------------


def test_a_long_worried_message_and_odd_input_get_clear_answers(phone: MetaPhone):
    phone.turn("hello")
    long_story = (
        "My father is 67, he had colon cancer operated last year and now the "
        "scan shows two spots in the liver. "
    ) * 30
    assert phone.turn(long_story)
    assert phone.turn("")
    assert phone.turn("🙏🙏🙏")
    assert phone.turn('/inform{"bilirubin_mg_dl": 0.5}')
