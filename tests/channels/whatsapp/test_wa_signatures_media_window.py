"""Signatures as providers sign, files checked on their bytes, the 24-hour window."""

import hashlib
from datetime import datetime, timedelta, timezone

import pytest

from bot.channels import identity
from bot.channels.whatsapp import media, window
from bot.channels.whatsapp.signatures import (
    meta_signature,
    meta_signature_valid,
    twilio_signature,
    twilio_signature_valid,
)
from bot.channels.whatsapp.standins import webhooks

SECRET = b"app-secret-" + b"x" * 21


def test_meta_signature_is_hmac_sha256_of_the_raw_body():
    body = b'{"object":"whatsapp_business_account"}'
    import hmac

    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    assert meta_signature(SECRET, body) == expected
    assert meta_signature_valid(SECRET, body, expected)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha256=",
        "sha1=abc",
        "sha256=" + "0" * 64,
        "sha256=" + "Z" * 64,
        "x" * 500,
    ],
)
def test_missing_or_wrong_meta_signatures_are_refused(header):
    assert not meta_signature_valid(SECRET, b"{}", header)


def test_a_body_changed_after_signing_is_refused():
    signature = meta_signature(SECRET, b'{"a":1}')
    assert not meta_signature_valid(SECRET, b'{"a": 1}', signature)


def test_twilio_signature_follows_the_request_validator_algorithm():
    url = "https://bot.example.org/webhooks/twilio/webhook"
    form = webhooks.twilio_message(
        "whatsapp:+447700900123", "hi", account_sid="AC1", to="whatsapp:+1555"
    )
    signature = twilio_signature("token", url, form)
    assert twilio_signature_valid("token", url, form, signature)
    assert not twilio_signature_valid("token", url + "?x=1", form, signature)
    assert not twilio_signature_valid("other", url, form, signature)
    assert not twilio_signature_valid("token", url, {**form, "Body": "bye"}, signature)
    assert not twilio_signature_valid("token", url, form, None)


def test_sender_ids_are_keyed_and_never_the_number():
    a = identity.hashed_sender_id("whatsapp", "447700900123", b"k1")
    assert a.startswith("wa:") and "447700900123" not in a and "7700900123" not in a
    # the same patient, the same id; another key, another id
    assert a == identity.hashed_sender_id("whatsapp", "+44 7700 900123", b"k1")
    assert a != identity.hashed_sender_id("whatsapp", "447700900123", b"k2")
    assert identity.hashed_sender_id("twilio", "whatsapp:+447700900123", b"k1") == (
        "twilio:" + a.split(":")[1]
    )


PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
HEIC = b"\x00\x00\x00\x18ftypheic" + b"\x00" * 100
WEBP = b"RIFF\x00\x00\x00\x00WEBPVP8 " + b"\x00" * 100


@pytest.mark.parametrize(
    "data, kind",
    [
        (PDF, "application/pdf"),
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (HEIC, "image/heic"),
        (WEBP, "image/webp"),
    ],
)
def test_allowed_files_are_recognised_by_their_bytes(data, kind):
    checked = media.check(data, max_bytes=10_000, filename="report")
    assert checked.ok and checked.content_type == kind


@pytest.mark.parametrize(
    "data",
    [b"GIF89a....", b"<html><script>", b"MZ\x90\x00 executable", b"PK\x03\x04 zip"],
)
def test_other_files_are_refused_whatever_they_claim_to_be(data):
    assert media.check(data, max_bytes=10_000).outcome == media.WRONG_TYPE


def test_size_cap_and_checksum():
    assert media.check(PDF * 100, max_bytes=len(PDF)).outcome == media.TOO_LARGE
    good = hashlib.sha256(PDF).hexdigest()
    assert media.check(PDF, max_bytes=10_000, expected_sha256=good).ok
    assert (
        media.check(PDF, max_bytes=10_000, expected_sha256="0" * 64).outcome
        == media.CORRUPT
    )
    assert media.check(b"", max_bytes=10).outcome == media.CORRUPT


def test_file_names_are_made_safe():
    assert (
        media.safe_filename("../../etc/passwd", "application/pdf", "x") == "passwd.pdf"
    )
    assert media.safe_filename("", "image/jpeg", "image-1") == "image-1.jpg"
    assert media.safe_filename("scan<script>.png", "image/png", "x") == "scanscript.png"


T0 = datetime(2024, 5, 1, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "elapsed, is_open",
    [
        (timedelta(0), True),
        (timedelta(hours=23, minutes=59, seconds=59), True),
        (timedelta(hours=24), False),
        (timedelta(days=3), False),
    ],
)
def test_the_window_is_open_for_24_hours_after_the_patient_wrote(elapsed, is_open):
    assert window.window_state(T0, T0 + elapsed).open is is_open


def test_no_message_from_the_patient_means_a_closed_window():
    state = window.window_state(None, T0)
    assert not state.open and state.closes_at is None


@pytest.mark.parametrize(
    "is_open, from_staff, has_template, decision",
    [
        (True, False, False, window.SEND),
        (True, True, True, window.SEND),
        (False, True, True, window.TEMPLATE),
        (False, True, False, window.REFUSE),
        (False, False, True, window.REFUSE),
    ],
)
def test_what_may_be_sent(is_open, from_staff, has_template, decision):
    state = window.WindowState(is_open, None)
    assert (
        window.decide(state, from_staff=from_staff, has_template=has_template)
        == decision
    )


def test_window_state_is_described_for_staff():
    state = window.window_state(T0, T0 + timedelta(hours=20))
    assert state.describe(T0 + timedelta(hours=20)) == "open, closes in 4 h 0 min"
    assert "template" in window.window_state(T0, T0 + timedelta(hours=30)).describe(
        T0 + timedelta(hours=30)
    )
