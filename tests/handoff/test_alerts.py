"""The urgent-ticket webhook body carries no health data."""

import hashlib
import hmac
import json

from bot.handoff.alerts import BODY_KEYS, alert_body, signature


def test_body_is_only_link_priority_and_channel():
    body = alert_body(
        console_url="https://console.example.org/",
        ticket_id=12,
        priority="urgent",
        channel="socketio",
    )
    assert set(body) == BODY_KEYS
    assert body["url"] == "https://console.example.org/console/tickets/12"
    assert body["priority"] == "urgent" and body["channel"] == "socketio"
    assert body["text"].endswith(body["url"])


def test_signature_is_an_hmac_of_the_raw_body():
    raw = json.dumps({"a": 1}).encode()
    expected = hmac.new(b"k" * 32, raw, hashlib.sha256).hexdigest()
    assert signature(raw, "k" * 32) == f"sha256={expected}"
