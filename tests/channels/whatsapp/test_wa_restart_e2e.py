"""Nothing is lost, and nothing sent twice, when the Rasa server dies mid-send.

The Graph API stand-in holds every send while the Rasa server is killed
(SIGKILL, as a crash), then a new server starts on the same data. The replies
that were being sent are delivered by the new server, each exactly once, in
order; the conversation then goes on.
"""

from __future__ import annotations

from wa_world import MetaPhone, World, wait_until


def _shown(body):
    if body["type"] == "text":
        return body["text"]["body"]
    return body["interactive"]["body"]["text"]


def test_a_crash_mid_send_loses_nothing_and_sends_nothing_twice(
    phone: MetaPhone, world: World
):
    world.graph.hold()
    try:
        phone.say("what is cryoablation?")
        # Processed and queued; the sender is stuck in the held send.
        wait_until(
            lambda: world.query(
                "SELECT count(*) AS n FROM outbox o JOIN conversations c "
                "ON c.id = o.conversation_id WHERE c.sender_id = ? "
                "AND o.status = 'sending'",
                (phone.sender_id,),
            )[0]["n"]
            >= 1,
            what="a send in flight",
        )
        world.servers.kill_rasa()
    finally:
        world.graph.release()
    world.servers.start_rasa()
    wait_until(lambda: len(phone.received()) >= 2, what="the replies after the restart")
    shown = [_shown(body) for body in phone.settle()]
    assert "not a doctor" in shown[0]
    assert len(shown) == len(set(shown)), "a reply was sent twice"
    # The conversation goes on with the new server.
    assert phone.turn("does it hurt?")
