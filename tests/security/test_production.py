"""Outside development: every door needs its key (real servers, APP_ENV=production).

The servers run with ``APP_ENV=production`` and every secret set, as a
deployment would (SQLite in a throw-away directory stands in for PostgreSQL).
"""

from __future__ import annotations

import secrets
from typing import Iterator

import pytest
from attack_helpers import api, http, rest, start_servers, texts, user_texts

from bot.console.devservers import ServerSet

REST_TOKEN = secrets.token_hex(32)

#: Every route of Rasa's HTTP API (rasa/server.py), as (method, path).
API_ROUTES = [
    ("GET", "/version"),
    ("GET", "/status"),
    ("GET", "/domain"),
    ("GET", "/conversations/rest:p1/tracker"),
    ("POST", "/conversations/rest:p1/tracker/events"),
    ("PUT", "/conversations/rest:p1/tracker/events"),
    ("GET", "/conversations/rest:p1/story"),
    ("POST", "/conversations/rest:p1/execute"),
    ("POST", "/conversations/rest:p1/trigger_intent"),
    ("POST", "/conversations/rest:p1/predict"),
    ("POST", "/conversations/rest:p1/messages"),
    ("POST", "/model/train"),
    ("POST", "/model/test/stories"),
    ("POST", "/model/test/intents"),
    ("POST", "/model/predict"),
    ("POST", "/model/parse"),
    ("PUT", "/model"),
    ("DELETE", "/model"),
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerSet]:
    servers = start_servers(
        tmp_path_factory,
        app_env="production",
        extra_env={"REST_TOKEN": REST_TOKEN},
    )
    yield servers
    servers.stop()


def test_rest_without_the_token_is_refused(servers: ServerSet) -> None:
    message = {"sender": "p1", "message": "what is cryoablation?"}
    for headers in (
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {REST_TOKEN}"},
        {"Authorization": f"Bearer {REST_TOKEN[:-1]}"},
    ):
        refused = rest(servers, message, headers=headers)
        assert refused.status == 401, headers
        assert refused.json["error"] == "not_authenticated"
        assert refused.header("WWW-Authenticate") == "Bearer"
    assert user_texts(servers, "rest:p1") == []

    allowed = rest(servers, message, headers={"Authorization": f"Bearer {REST_TOKEN}"})
    assert allowed.status == 200
    assert any("cryoablation" in t.lower() for t in texts(allowed))


@pytest.mark.parametrize("method, path", API_ROUTES)
def test_every_api_route_refuses_without_the_token(servers, method, path) -> None:
    body = None if method in ("GET", "DELETE") else {}
    for suffix in ("", "?token=wrong", f"?token={servers.rasa_token[:-1]}"):
        refused = http(method, f"{servers.rasa_url}{path}{suffix}", body)
        assert refused.status == 401, (method, path, suffix)
    # A wrong bearer header is no better.
    bearer = http(
        method,
        f"{servers.rasa_url}{path}",
        body,
        headers={"Authorization": "Bearer wrong"},
    )
    assert bearer.status == 401


def test_the_api_works_with_the_token(servers: ServerSet) -> None:
    assert api(servers, "GET", "/status").status == 200
    assert http("GET", f"{servers.rasa_url}/").status == 200  # health, no data


def test_the_action_server_refuses_without_the_secret(servers: ServerSet) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        refused = http("POST", f"{servers.actions_url}/webhook", {}, headers=headers)
        assert refused.status == 401
    assert http("GET", f"{servers.actions_url}/health").status == 200


def test_without_a_token_the_rest_channel_is_off(servers: ServerSet) -> None:
    servers.kill_rasa()
    servers.set_env(REST_TOKEN="")
    servers.start_rasa()
    for headers in ({}, {"Authorization": f"Bearer {REST_TOKEN}"}):
        off = rest(servers, {"sender": "p2", "message": "hello"}, headers=headers)
        assert off.status == 404
        assert off.json["error"] == "channel_off"
    assert user_texts(servers, "rest:p2") == []
