"""The conversation as the coordinator reads it."""

from bot.handoff.transcript import items


def test_each_kind_of_message():
    rows = [
        (1, {"event": "action", "name": "action_listen"}),
        (
            2,
            {
                "event": "user",
                "text": "<script>alert(1)</script>",
                "timestamp": 1.0,
                "parse_data": {"intent": {"name": "faq"}},
            },
        ),
        (
            3,
            {
                "event": "bot",
                "text": "Answer",
                "timestamp": 2.0,
                "data": {
                    "buttons": [
                        {"title": "Talk to a coordinator", "payload": "/request_human"}
                    ]
                },
            },
        ),
        (
            4,
            {
                "event": "bot",
                "timestamp": 3.0,
                "data": {"custom": {"type": "coordinator_joined", "name": "Anna"}},
            },
        ),
        (
            5,
            {
                "event": "bot",
                "text": "Hello, I am Anna",
                "timestamp": 4.0,
                "metadata": {"from": "coordinator", "name": "Anna"},
            },
        ),
        (
            6,
            {
                "event": "user",
                "text": "he is bleeding",
                "timestamp": 5.0,
                "parse_data": {"intent": {"name": "urgent_symptoms"}},
            },
        ),
        (
            7,
            {
                "event": "user",
                "text": "EXTERNAL_handoff_finished",
                "timestamp": 6.0,
                "parse_data": {"intent": {"name": "EXTERNAL_handoff_finished"}},
            },
        ),
        (
            8,
            {
                "event": "user",
                "text": "/request_human",
                "timestamp": 7.0,
                "metadata": {"widget": {"id": "a", "display": "Talk to a coordinator"}},
                "parse_data": {"intent": {"name": "request_human"}},
            },
        ),
        (9, {"event": "slot", "name": "handoff", "value": "active"}),
    ]
    found = items(rows)
    assert [(i["id"], i["kind"]) for i in found] == [
        (2, "patient"),
        (3, "bot"),
        (4, "notice"),
        (5, "coordinator"),
        (6, "patient"),
        (8, "patient"),
    ]
    by_id = {i["id"]: i for i in found}
    # Kept as text; the console escapes it when rendering.
    assert by_id[2]["text"] == "<script>alert(1)</script>"
    assert by_id[3]["buttons"] == ["Talk to a coordinator"]
    assert by_id[4]["text"] == "Anna joined the conversation"
    assert by_id[5]["name"] == "Anna"
    assert by_id[6]["urgent"] is True and by_id[2]["urgent"] is False
    assert by_id[8]["text"] == "Talk to a coordinator"
