"""Pieces of the server-wide protections that need no server."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.channels import hardening
from bot.channels.rest import RestRequestError, check_caller, read_message
from bot.settings import Settings


def test_metadata_is_reduced_to_a_few_short_fields():
    raw = {
        "language": "en",
        "client": "crm",
        "message_id": "m-1",
        "input_channel": "whatsapp",
        "slots": {"bilirubin_mg_dl": 0.5},
        "blob": "x" * 5_000,
    }
    assert hardening.clean_metadata(raw) == {
        "language": "en",
        "client": "crm",
        "message_id": "m-1",
    }
    assert hardening.clean_metadata({"language": "x" * 17}) == {}
    assert hardening.clean_metadata({"client": "a\nb"}) == {}
    assert hardening.clean_metadata(["language", "en"]) == {}


def test_tokens_are_compared_whole():
    assert hardening.tokens_match("s3cret-token", "s3cret-token")
    for wrong in ("s3cret-toke", "s3cret-token2", "", None):
        assert not hardening.tokens_match(wrong, "s3cret-token")
    assert not hardening.tokens_match("", "")


def _request(ip="127.0.0.1", authorization=None):
    headers = {"authorization": authorization} if authorization else {}
    return SimpleNamespace(ip=ip, headers=headers)


def test_rest_caller_rules():
    dev = Settings(app_env="development")
    prod = Settings(app_env="production")
    prod_on = Settings(app_env="production", rest_token="t" * 32)
    check_caller(_request(), dev)  # open on this machine
    with pytest.raises(RestRequestError) as other_machine:
        check_caller(_request(ip="192.0.2.7"), dev)
    assert other_machine.value.status == 403
    with pytest.raises(RestRequestError) as off:
        check_caller(_request(authorization="Bearer " + "t" * 32), prod)
    assert off.value.status == 404
    for header in (None, "Bearer wrong", "Basic " + "t" * 32, "Bearer"):
        with pytest.raises(RestRequestError) as refused:
            check_caller(_request(authorization=header), prod_on)
        assert refused.value.status == 401
    check_caller(_request(ip="192.0.2.7", authorization="Bearer " + "t" * 32), prod_on)


@pytest.mark.parametrize(
    "body, code",
    [
        ({"message": "hi"}, "missing_sender"),
        ({"sender": "", "message": "hi"}, "missing_sender"),
        ({"sender": "a b", "message": "hi"}, "invalid_sender"),
        ({"sender": 42, "message": "hi"}, "invalid_sender"),
        ({"sender": "p", "message": 42}, "invalid_message"),
        ({"sender": "p", "message": ["hi"]}, "invalid_message"),
        ({"sender": "p", "message": {"text": "hi"}}, "invalid_message"),
    ],
)
def test_rest_bodies_without_a_usable_sender_or_message_are_refused(body, code):
    with pytest.raises(RestRequestError) as refused:
        read_message(body)
    assert (refused.value.status, refused.value.code) == (400, code)


def test_rest_senders_are_namespaced():
    assert read_message({"sender": "web:0a", "message": None}) == ("rest:web:0a", None)


def test_api_responses_carry_the_consoles_headers():
    from bot.console.security import security_headers as console

    api = hardening.security_headers("/webhooks/rest/webhook")
    shared = set(console("http://x", "/")) - {"Content-Security-Policy"}
    assert shared <= set(api)
    assert api["Content-Security-Policy"].startswith("default-src 'none'")
    assert api["X-Frame-Options"] == "DENY"
    assert hardening.security_headers("/socket.io/")[
        "Cross-Origin-Resource-Policy"
    ] == ("cross-origin")
