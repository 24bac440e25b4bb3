"""Sender ids: each channel owns a namespace; phone numbers never appear."""

from __future__ import annotations

import pytest

from bot.channels import identity

SECRET = b"k" * 32


@pytest.mark.parametrize(
    "channel, external, expected",
    [
        ("rest", "crm-42", "rest:crm-42"),
        (
            "socketio",
            "0123456789abcdef0123456789abcdef",
            "web:0123456789abcdef0123456789abcdef",
        ),
        ("rest", "web:0123", "rest:web:0123"),  # a REST client cannot name a widget id
        ("whatsapp", "ab12", "wa:ab12"),
        ("twilio", "ab12", "twilio:ab12"),
    ],
)
def test_each_channel_prefixes_its_own_ids(channel, external, expected):
    sender = identity.sender_id(channel, external)
    assert sender == expected
    assert identity.channel_of_sender(sender) == channel
    assert identity.external_id_of(sender, channel) == external


def test_no_channel_can_produce_another_channels_sender_id():
    widget = identity.sender_id("socketio", "0" * 32)
    for channel in ("rest", "whatsapp", "twilio"):
        for external in (widget, "0" * 32, "web", ":" + "0" * 32):
            if identity.is_external_id(external):
                assert identity.sender_id(channel, external) != widget
    assert identity.external_id_of(widget, "rest") is None


@pytest.mark.parametrize(
    "bad", ["", " ", "a b", "a/b", "x" * 65, "é", None, 42, "a\nb"]
)
def test_unusable_external_ids_are_refused(bad):
    assert not identity.is_external_id(bad)
    with pytest.raises(identity.InvalidSenderError):
        identity.sender_id("rest", bad)


def test_unknown_channel_is_refused():
    with pytest.raises(identity.InvalidSenderError):
        identity.sender_id("telegram", "x")


def test_a_phone_number_becomes_a_stable_keyed_hash():
    notations = [
        "+44 7700 900123",
        "447700900123",
        "whatsapp:+447700900123",
        "0044-7700-900123",
    ]
    ids = {identity.hashed_sender_id("whatsapp", n, SECRET) for n in notations}
    assert len(ids) == 1
    (wa,) = ids
    assert wa.startswith("wa:") and len(wa) == 3 + identity.HASH_CHARS
    assert "7700" not in wa and "900123" not in wa
    # Another secret, another id; another channel, another namespace.
    assert identity.hashed_sender_id("whatsapp", notations[0], b"other" * 8) != wa
    twilio = identity.hashed_sender_id("twilio", notations[0], SECRET)
    assert twilio.startswith("twilio:") and twilio[7:] == wa[3:]


def test_hashing_needs_a_number_and_a_secret():
    with pytest.raises(identity.InvalidSenderError):
        identity.hashed_sender_id("whatsapp", "no digits", SECRET)
    with pytest.raises(identity.InvalidSenderError):
        identity.hashed_sender_id("whatsapp", "+447700900123", b"")


def test_old_unprefixed_sender_ids_have_no_channel():
    assert identity.channel_of_sender("default") is None
    assert identity.channel_of_sender("mallory:x") is None
    assert identity.channel_of_sender(None) is None
