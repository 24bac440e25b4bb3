"""The coordinator handoff through WhatsApp (Meta and Twilio).

The contract (common to every channel): a coordinator's reply and the
joined/left notices reach the patient through Rasa's HTTP API
(``POST /conversations/{id}/tracker/events?execute_side_effects=true&
output_channel=latest``), so they are in the transcript and sent by the
channel's own output channel. These tests call that API with the token, as the
console does, and check what the phone receives: the coordinator's message
marked with their name, in order; after the 24-hour window the approved
template instead (with a note to the coordinator), the reply itself when the
patient answers; a bot message after the window refused.
"""

from __future__ import annotations

from wa_world import (
    TEMPLATE,
    TWILIO_TEMPLATE,
    MetaPhone,
    TwilioPhone,
    World,
    wait_until,
)

EVENTS = (
    "/conversations/{}/tracker/events?execute_side_effects=true&output_channel=latest"
)


def coordinator_says(
    world: World, sender_id: str, text: str, name: str = "Anna"
) -> None:
    status, _ = world.rasa_api(
        "POST",
        EVENTS.format(sender_id),
        [
            {
                "event": "bot",
                "text": text,
                "metadata": {"from": "coordinator", "name": name},
            }
        ],
    )
    assert status == 200


def notice(world: World, sender_id: str, kind: str, name: str = "Anna") -> None:
    status, _ = world.rasa_api(
        "POST",
        EVENTS.format(sender_id),
        [{"event": "bot", "data": {"custom": {"type": kind, "name": name}}}],
    )
    assert status == 200


def _shown(body):
    if body["type"] == "text":
        return body["text"]["body"]
    if body["type"] == "interactive":
        return body["interactive"]["body"]["text"]
    return f"[{body['type']} {body.get('template', {}).get('name', '')}]"


def _ticket_notes(world: World, channel: str, sender_id: str):
    conversation = world.conversation_id(channel, sender_id)
    rows = world.query(
        "SELECT n.body FROM ticket_notes n JOIN tickets t ON t.id = n.ticket_id "
        "WHERE t.conversation_id = ? ORDER BY n.id",
        (conversation,),
    )
    fernet = world.fernet()
    return [fernet.decrypt(row["body"].encode()).decode() for row in rows]


def _outbox(world: World, channel: str, sender_id: str):
    conversation = world.conversation_id(channel, sender_id)
    return world.query(
        "SELECT status, origin FROM outbox WHERE conversation_id = ? ORDER BY id",
        (conversation,),
    )


def test_a_coordinators_reply_reaches_the_whatsapp_patient_marked_with_their_name(
    phone: MetaPhone, world: World
):
    phone.turn("hello")
    asked = phone.tap("Talk to")
    assert any("coordinator" in _shown(b) for b in asked)
    tickets = world.query(
        "SELECT reason, status FROM tickets WHERE conversation_id = ?",
        (world.conversation_id("whatsapp", phone.sender_id),),
    )
    assert [tuple(t) for t in tickets] == [("patient_request", "waiting")]

    before = len(phone.received())
    notice(world, phone.sender_id, "coordinator_joined")
    coordinator_says(
        world, phone.sender_id, "Hello, I am **Anna**. I have read your question."
    )
    coordinator_says(
        world, phone.sender_id, "Could you send me the latest scan report?"
    )
    received = wait_until(
        lambda: phone.received()[before:]
        if len(phone.received()) >= before + 3
        else None
    )
    assert [_shown(b) for b in received] == [
        "_Anna, a coordinator, joined the conversation._",
        "*Anna, coordinator:*\nHello, I am *Anna*. I have read your question.",
        "*Anna, coordinator:*\nCould you send me the latest scan report?",
    ]
    # The replies are in the transcript too, marked as the coordinator's.
    events = world.tracker(phone.sender_id)["events"]
    staff = [
        e
        for e in events
        if e["event"] == "bot"
        and (e.get("metadata") or {}).get("from") == "coordinator"
    ]
    assert [e["metadata"]["name"] for e in staff] == ["Anna", "Anna"]


def test_after_the_24_hour_window_the_reply_goes_out_as_the_template(
    phone: MetaPhone, world: World
):
    phone.turn("hello")
    phone.tap("Talk to")
    world.close_window("whatsapp", phone.sender_id, hours=25)
    before = len(phone.received())
    coordinator_says(
        world, phone.sender_id, "Your appointment is confirmed for Monday."
    )
    (template,) = wait_until(lambda: phone.received()[before:], what="the template")
    assert template["type"] == "template"
    assert template["template"]["name"] == TEMPLATE
    assert template["template"]["components"][0]["parameters"] == [
        {"type": "text", "text": "Anna"}
    ]
    assert "appointment" not in str(template)  # the reply itself is not in the template
    # The coordinator is told, on the ticket.
    wait_until(
        lambda: any(
            "24-hour window" in n
            for n in _ticket_notes(world, "whatsapp", phone.sender_id)
        ),
        what="the note to the coordinator",
    )
    # A second reply while the window is still closed: held, no second template.
    coordinator_says(world, phone.sender_id, "Please bring your reports.")
    wait_until(
        lambda: [r["status"] for r in _outbox(world, "whatsapp", phone.sender_id)][-2:]
        == ["sent", "held"],
        what="the second reply held",
    )
    assert len(phone.received()) == before + 1
    # The patient answers: the window reopens, the held replies arrive, in order,
    # before anything the bot says to the new message.
    replies = phone.turn("ok, thank you")
    shown = [_shown(b) for b in replies]
    assert shown[:2] == [
        "*Anna, coordinator:*\nYour appointment is confirmed for Monday.",
        "*Anna, coordinator:*\nPlease bring your reports.",
    ]


def test_a_bot_message_after_the_window_is_refused_not_sent(
    phone: MetaPhone, world: World
):
    phone.turn("hello")
    world.close_window("whatsapp", phone.sender_id, hours=30)
    before = len(phone.received())
    status, _ = world.rasa_api(
        "POST",
        EVENTS.format(phone.sender_id),
        [{"event": "bot", "text": "A reminder from the assistant."}],
    )
    assert status == 200
    wait_until(
        lambda: [r["status"] for r in _outbox(world, "whatsapp", phone.sender_id)][-1]
        == "refused",
        what="the refusal recorded",
    )
    assert len(phone.received()) == before


def test_the_handoff_through_twilio_with_its_template(
    twilio_phone: TwilioPhone, world: World
):
    twilio_phone.turn("hello")
    twilio_phone.turn("I want to talk to a person")
    before = len(twilio_phone.received())
    coordinator_says(
        world,
        twilio_phone.sender_id,
        "Hello, this is Ravi from the coordinator team.",
        name="Ravi",
    )
    (reply,) = wait_until(lambda: twilio_phone.received()[before:])
    assert (
        reply["Body"]
        == "*Ravi, coordinator:*\nHello, this is Ravi from the coordinator team."
    )
    world.close_window("twilio", twilio_phone.sender_id, hours=26)
    coordinator_says(world, twilio_phone.sender_id, "Are you still there?", name="Ravi")
    template = wait_until(lambda: twilio_phone.received()[before + 1 :])[0]
    assert template["ContentSid"] == TWILIO_TEMPLATE
    assert template["ContentVariables"] == '{"1": "Ravi"}'
    assert "Body" not in template
    replies = twilio_phone.turn("yes I am here")
    assert replies[0]["Body"] == "*Ravi, coordinator:*\nAre you still there?"
