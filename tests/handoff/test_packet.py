"""The summary packet: what the coordinator reads first, built and merged."""

from datetime import datetime, timezone

from bot.handoff import packet

AT = datetime(2024, 12, 2, 10, 0, tzinfo=timezone.utc)


def _user(text, intent="faq", ts=1.0, display=None):
    event = {
        "event": "user",
        "text": text,
        "timestamp": ts,
        "parse_data": {"intent": {"name": intent}},
    }
    if display:
        event["metadata"] = {"widget": {"id": "m1", "display": display}}
    return event


EVENTS = [
    _user("hello", "greet", 1.0),
    {"event": "bot", "text": "Hi", "timestamp": 1.5},
    _user(
        "/check_eligibility", "check_eligibility", 2.0, display="Could it work for me?"
    ),
    _user("/affirm", "affirm", 3.0),
    _user("bili 34 umol/l", "inform", 4.0),
    _user("he is vomiting blood", "urgent_symptoms", 5.0),
    _user("EXTERNAL_handoff_unclaimed", "EXTERNAL_handoff_unclaimed", 6.0),
    _user("I want a person", "request_human", 7.0),
]
SLOTS = {
    "health_consent": True,
    "bilirubin_mg_dl": 2.0,
    "lesion_count": 2,
    "screening_state": {
        "typed": {
            "bilirubin_mg_dl": {"raw": 34, "unit": "µmol/L", "text": "bili 34 umol/l"}
        }
    },
    "screening_outcome": "needs_review",
}


def test_packet_has_what_the_issue_lists():
    built = packet.build(
        reason_code="patient_request",
        channel="socketio",
        events=EVENTS,
        slots=SLOTS,
        at=AT,
        attachment_ids=[3],
    )
    assert built["reasons"] == [
        {
            "code": "patient_request",
            "label": "Asked for a person",
            "priority": "normal",
            "at": "2024-12-02T10:00:00+00:00",
        }
    ]
    assert built["channel"] == "socketio" and built["language"] == "en"
    # What the patient saw themselves send: button titles, not payloads; no
    # triggered EXTERNAL intents; the newest five.
    texts = [m["text"] for m in built["last_messages"]]
    assert (
        texts
        == [
            "hello",
            "Could it work for me?",
            "bili 34 umol/l",
            "he is vomiting blood",
            "I want a person",
        ][-5:]
    )
    assert "/affirm" not in texts and not any("EXTERNAL" in t for t in texts)
    assert built["red_flags"] == [
        {"text": "he is vomiting blood", "at": "1970-01-01T00:00:05+00:00"}
    ]
    assert built["values"]["bilirubin_mg_dl"] == {
        "value": 2.0,
        "text": "bili 34 umol/l",
        "unit": "µmol/L",
    }
    assert built["values"]["lesion_count"] == {"value": 2}
    assert built["screening_outcome"] == "needs_review"
    assert built["attachment_ids"] == [3]


def test_no_health_values_without_consent():
    built = packet.build(
        reason_code="patient_request",
        channel="rest",
        events=[],
        slots={**SLOTS, "health_consent": False},
        at=AT,
    )
    assert built["values"] == {}


def test_a_repeated_escalation_adds_to_the_packet():
    first = packet.build(
        reason_code="patient_request",
        channel="socketio",
        events=EVENTS[:2],
        slots={},
        at=AT,
    )
    later = datetime(2024, 12, 2, 10, 5, tzinfo=timezone.utc)
    second = packet.build(
        reason_code="urgent_symptoms",
        channel="socketio",
        events=EVENTS,
        slots=SLOTS,
        at=later,
        callback_requested=True,
    )
    merged = packet.merge(first, second)
    assert [r["code"] for r in merged["reasons"]] == [
        "patient_request",
        "urgent_symptoms",
    ]
    assert merged["red_flags"] and merged["callback_requested"]
    assert merged["last_messages"] == second["last_messages"]
    assert packet.load(packet.dump(merged)) == merged


def test_first_release_plain_summaries_are_kept():
    loaded = packet.load("Possible emergency signs described: bleeding")
    assert loaded["note"] == "Possible emergency signs described: bleeding"
    assert loaded["reasons"] == []


def test_a_caller_s_summary_is_kept_as_the_note_and_the_newest_wins():
    first = packet.build(
        reason_code="screening_review",
        channel="socketio",
        events=[],
        slots={},
        at=AT,
        note="Bilirubin 2.4 mg/dL above the limit",
    )
    assert first["note"] == "Bilirubin 2.4 mg/dL above the limit"
    assert first["reasons"][0]["priority"] == "high"
    second = packet.build(
        reason_code="patient_request", channel="socketio", events=[], slots={}, at=AT
    )
    assert packet.merge(first, second)["note"] == first["note"]
    third = {**second, "note": "Asked again"}
    assert packet.merge(first, third)["note"] == "Asked again"


def test_staff_read_each_stored_value_under_a_label_not_a_key():
    # The registry's words for the fields, and the screening's own extras.
    assert packet.field_label("bilirubin_mg_dl") == "Bilirubin level (mg/dL)"
    assert packet.field_label("lesion_count") == "Number of tumours"
    assert "_" not in packet.field_label("child_pugh_source")
