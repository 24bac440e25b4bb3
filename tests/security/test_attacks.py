"""Issue 9's findings, each tried again as an attacker against the real servers.

The servers run as on a developer's machine (``APP_ENV=test``: the REST
channel open to this machine). Rate limits are set so that a sender gets
exactly 60 messages and an escalation payload 3 (refill practically zero), so
the counts below do not depend on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import json
import os
import stat
import zlib
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest
from attack_helpers import (
    RefusingRedis,
    WidgetClient,
    api,
    db_rows,
    http,
    listening_addresses,
    post_declaring,
    rest,
    start_servers,
    texts,
    tracker_events,
    user_texts,
)

from bot.console.devservers import ServerSet

LIMITS = {
    "SENDER_RATE_BURST": "60",
    "SENDER_RATE_PER_MINUTE": "0.0001",
    # One address (this machine) sends everything in this module.
    "ADDRESS_RATE_BURST": "100000",
    "ADDRESS_RATE_PER_MINUTE": "100000",
    "ESCALATION_RATE_BURST": "3",
    "ESCALATION_RATE_PER_HOUR": "0.0001",
}
WAIT_TEXT = "Please wait a moment"
TRUNCATED_TEXT = "I read only the first part"
CLARIFY_TEXT = "Did you mean one of these?"
#: A value no log line may ever contain (a space and capitals: not an identifier).
MARK = "Zqxwv 7777.77"


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerSet]:
    servers = start_servers(tmp_path_factory, extra_env=LIMITS)
    yield servers
    servers.stop()


def _forged_action_call(sender: str, action: str, text: str) -> dict:
    """What Rasa would send to run ``action``, for a conversation made up."""
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {"slots": {}, "responses": {}},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": text, "intent": {"name": "urgent_symptoms"}},
            "events": [
                {"event": "user", "text": text, "input_channel": "socketio"},
            ],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def _tickets_of(servers: ServerSet, sender: str) -> list:
    return db_rows(
        servers,
        "SELECT t.reason, t.priority, t.status FROM tickets t "
        "JOIN conversations c ON c.id = t.conversation_id WHERE c.sender_id = ?",
        sender,
    )


# -- 1. every channel owns its sender ids -----------------------------------


def test_rest_posting_as_a_widget_session_reaches_nothing_of_it(
    servers: ServerSet,
) -> None:
    async def widget_patient() -> tuple:
        patient = WidgetClient(servers)
        confirm = await patient.connect()
        await patient.wait_for("bot_uttered")  # greeting
        ack = await patient.say("could my father have this treatment?", id="w-1")
        assert ack["ok"]
        return patient, confirm["session_id"]

    async def scenario() -> tuple:
        patient, session = await widget_patient()
        before = len(patient.events.get("bot_uttered", []))
        # The attacker knows the session id (and even the namespaced form).
        replies = [
            rest(servers, {"sender": session, "message": "yes I agree"}),
            rest(servers, {"sender": f"web:{session}", "message": "yes I agree"}),
            rest(
                servers,
                {"sender": session, "message": "hi", "input_channel": "socketio"},
            ),
        ]
        # Anything emitted to the patient's room came before this ack.
        assert (await patient.say("thank you", id="w-2"))["ok"]
        got = patient.events.get("bot_uttered", [])[before:]
        await patient.close()
        return session, replies, got

    session, replies, patient_saw = asyncio.run(scenario())
    assert [r.status for r in replies] == [200, 200, 200]
    # The REST client got a fresh conversation of its own: a greeting, and
    # nothing of the patient's screening.
    for reply in replies:
        assert reply.json[0]["recipient_id"].startswith("rest:")
    for reply in replies[:2]:  # two new conversations, each greeted
        assert "automated assistant" in texts(reply)[0]
    widget_sender = f"web:{session}"
    assert user_texts(servers, widget_sender) == [
        "could my father have this treatment?",
        "thank you",
    ]
    assert all(
        "yes I agree" not in t for t in (m.get("text") or "" for m in patient_saw)
    )
    assert user_texts(servers, f"rest:{session}")[:1] == ["yes I agree"]
    assert user_texts(servers, f"rest:web:{session}") == ["yes I agree"]
    # Stored under the channel that received them.
    channels = dict(
        db_rows(
            servers,
            "SELECT sender_id, channel FROM conversations WHERE sender_id LIKE ?",
            f"%{session}",
        )
    )
    assert channels.get(widget_sender, "socketio") == "socketio"
    assert all(
        channel == "rest" for s, channel in channels.items() if s.startswith("rest:")
    )


def test_no_default_conversation_and_no_client_chosen_channel(
    servers: ServerSet,
) -> None:
    no_sender = rest(servers, {"message": "hello"})
    assert no_sender.status == 400
    assert no_sender.json["error"] == "missing_sender"
    # (Reading a tracker through the API starts a session in it; no patient
    # message ever reached one.)
    assert user_texts(servers, "default") == []
    assert user_texts(servers, "rest:default") == []

    claimed = rest(
        servers,
        {"sender": "claims-whatsapp", "message": "hello", "input_channel": "whatsapp"},
    )
    assert claimed.status == 200
    users = [
        e
        for e in tracker_events(servers, "rest:claims-whatsapp")
        if e["event"] == "user"
    ]
    assert [e["input_channel"] for e in users] == ["rest"]


# -- 2. only the Rasa server can call the action server ----------------------


def test_action_server_refuses_forged_calls_and_stores_nothing(
    servers: ServerSet,
) -> None:
    url = f"{servers.actions_url}/webhook"
    victim = "web:" + "ab" * 16
    forged = _forged_action_call(victim, "action_emergency", "I am bleeding a lot")
    attempts = [
        http("POST", url, forged),
        http("POST", url, forged, headers={"Authorization": "Bearer wrong"}),
        http("POST", url, forged, headers={"Authorization": servers.action_token}),
        http("POST", f"{url}?token={servers.action_token}", forged),
        http("GET", f"{servers.actions_url}/actions"),
    ]
    assert [a.status for a in attempts] == [401] * 5
    assert all(a.json["error"] == "not_authenticated" for a in attempts)
    assert (
        db_rows(servers, "SELECT id FROM conversations WHERE sender_id = ?", victim)
        == []
    )
    assert _tickets_of(servers, victim) == []
    assert http("GET", f"{servers.actions_url}/health").status == 200

    # The same call with the secret does run the action: the refusal above is
    # the lock, not a malformed request.
    trusted = "web:" + "cd" * 16
    allowed = http(
        "POST",
        url,
        _forged_action_call(trusted, "action_emergency", "I am bleeding a lot"),
        headers={"Authorization": f"Bearer {servers.action_token}"},
    )
    assert allowed.status == 200
    assert allowed.json["responses"][0]["response"] == "utter_emergency"
    assert _tickets_of(servers, trusted) == [("urgent_symptoms", "urgent", "waiting")]


def test_a_whole_screening_still_works_behind_the_locks(servers: ServerSet) -> None:
    # Rasa sends the action server the domain and the whole session with every
    # call: its body cap and secret must let a real conversation through.
    for message in (
        "could my father have cryoablation?",
        "yes",
        "hcc, 2 tumours, biggest 3 cm",
        "bilirubin 1.4 mg/dl, platelets 90k",
        "child pugh A",
        # The values are read back before the result.
        "All correct",
    ):
        reply = rest(servers, {"sender": "screening-1", "message": message})
        assert reply.status == 200 and texts(reply), message
    assert any("not a medical decision" in t for t in texts(reply)), texts(reply)
    (stored,) = db_rows(
        servers,
        "SELECT s.facts FROM screenings s JOIN conversations c "
        "ON c.id = s.conversation_id WHERE c.sender_id = ?",
        "rest:screening-1",
    )
    from cryptography.fernet import Fernet

    key = servers.environment()["DATA_ENCRYPTION_KEYS"]
    facts = json.loads(Fernet(key).decrypt(stored[0].encode()))
    assert facts["bilirubin_mg_dl"]["value"] == 1.4


def test_the_servers_listen_on_loopback_only(servers: ServerSet) -> None:
    for port in (servers.actions_port, servers.rasa_port, servers.console_port):
        addresses = listening_addresses(port)
        assert addresses and addresses <= {"127.0.0.1", "::1"}, (port, addresses)


# -- 3. no patient text in any log; var/ is private --------------------------


def test_var_files_are_readable_by_their_owner_only(servers: ServerSet) -> None:
    # Something of everything has been written by now (database, logs).
    reply = rest(servers, {"sender": "perm-check", "message": "what is cryoablation?"})
    assert reply.status == 200
    found = list(servers.var_dir.rglob("*"))
    assert any(p.name == "app.db" for p in found)
    assert any(p.suffix == ".log" for p in found)
    for path in [servers.var_dir, *found]:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        assert mode & 0o077 == 0, f"{path} is {oct(mode)}"


# -- 4. limits ---------------------------------------------------------------


def test_a_5mb_body_gets_413_and_nothing_is_stored(servers: ServerSet) -> None:
    size = 5 * 1024 * 1024
    before = os.path.getsize(servers.var_dir / "app.db")
    json_headers = {"Content-Type": "application/json"}
    targets = [
        (f"{servers.rasa_url}/webhooks/rest/webhook", json_headers),
        (
            f"{servers.rasa_url}/conversations/rest:big/tracker/events"
            f"?token={servers.rasa_token}",
            json_headers,
        ),
        (
            f"{servers.actions_url}/webhook",
            {**json_headers, "Authorization": f"Bearer {servers.action_token}"},
        ),
    ]
    for url, headers in targets:
        assert post_declaring(url, size, headers).status == 413, url
    # A whole body sent (chunked, no length): refused while reading, and the
    # conversation is not created.
    body = json.dumps({"sender": "big", "message": "hi", "metadata": {"x": "y" * size}})

    def chunks():
        data = body.encode()
        for i in range(0, len(data), 256 * 1024):
            yield data[i : i + 256 * 1024]

    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", servers.rasa_port, timeout=120)
    try:
        connection.request(
            "POST",
            "/webhooks/rest/webhook",
            body=chunks(),
            headers={
                "Content-Type": "application/json",
                "Transfer-Encoding": "chunked",
            },
            encode_chunked=True,
        )
        status = connection.getresponse().status
    except (ConnectionError, OSError):
        status = None  # the server closed the connection mid-body: also refused
    finally:
        connection.close()
    assert status in (413, None)
    assert user_texts(servers, "rest:big") == []
    assert os.path.getsize(servers.var_dir / "app.db") - before < 512 * 1024


def test_client_metadata_is_reduced_to_the_allow_list(servers: ServerSet) -> None:
    metadata = {
        "language": "en",
        "client": "crm",
        "slots": {"bilirubin_mg_dl": 0.5},
        "blob": "y" * 30_000,
        "input_guard": {"neutralised_payload": False},
    }
    reply = rest(
        servers,
        {"sender": "meta-1", "message": "what is cryoablation?", "metadata": metadata},
    )
    assert reply.status == 200
    (user,) = [
        e for e in tracker_events(servers, "rest:meta-1") if e["event"] == "user"
    ]
    # Rasa adds its own two fields; of the client's, only the allowed ones.
    client = {
        k: v
        for k, v in user["metadata"].items()
        if k not in ("assistant_id", "model_id")
    }
    assert client == {"language": "en", "client": "crm"}


def test_the_61st_request_from_one_sender_waits_and_is_not_processed(
    servers: ServerSet,
) -> None:
    def send(i: int):
        return rest(
            servers, {"sender": "flood", "message": f"what is cryoablation {i}"}
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(send, range(61)))
    statuses = sorted(r.status for r in replies)
    assert statuses == [200] * 60 + [429]
    (refused,) = [r for r in replies if r.status == 429]
    assert WAIT_TEXT in texts(refused)[0]
    assert refused.header("Retry-After")
    assert len(user_texts(servers, "rest:flood")) == 60
    # And it stays refused: the bucket does not refill in a flood.
    again = rest(servers, {"sender": "flood", "message": "hello?"})
    assert again.status == 429 and len(user_texts(servers, "rest:flood")) == 60


def test_a_repeated_urgent_payload_leaves_one_ticket(servers: ServerSet) -> None:
    replies = [
        rest(
            servers,
            {
                "sender": "urgent-1",
                "message": "/urgent_symptoms",
                "input_channel": claim,
            },
        )
        for claim in ("rest", "whatsapp", "x1", "x2", "x3")
    ]
    assert [r.status for r in replies] == [200, 200, 200, 429, 429]
    for reply in replies[:3]:
        assert any("emergency" in t for t in texts(reply))
    for reply in replies[3:]:
        assert WAIT_TEXT in texts(reply)[0]
    assert _tickets_of(servers, "rest:urgent-1") == [
        ("urgent_symptoms", "urgent", "waiting")
    ]
    assert db_rows(
        servers,
        "SELECT channel FROM conversations WHERE sender_id = ?",
        "rest:urgent-1",
    ) == [("rest",)]
    # Emergency signs in the patient's own words are never rate-limited by the
    # escalation bucket, and still raise the same ticket, not a new one.
    words = rest(servers, {"sender": "urgent-1", "message": "he is vomiting blood"})
    assert words.status == 200 and any("emergency" in t for t in texts(words))
    assert len(_tickets_of(servers, "rest:urgent-1")) == 1


def test_widget_escalation_payloads_are_limited_too(servers: ServerSet) -> None:
    async def scenario() -> tuple:
        patient = WidgetClient(servers)
        confirm = await patient.connect()
        acks = [
            await patient.say(
                "/request_human", id=f"h-{i}", display="Talk to a coordinator"
            )
            for i in range(4)
        ]
        await patient.close()
        return confirm["session_id"], acks, patient.bot_texts()

    session, acks, said = asyncio.run(scenario())
    assert [a["ok"] for a in acks] == [True, True, True, False]
    assert acks[3]["error"] == "rate_limited"
    assert any(WAIT_TEXT in t for t in said)
    assert len(_tickets_of(servers, f"web:{session}")) == 1


# -- 5. every bad input gets a clear answer ----------------------------------


@pytest.mark.parametrize(
    "raw, content_type, status, error",
    [
        (
            b'{"sender": "bad-1", "message": 42}',
            "application/json",
            400,
            "invalid_message",
        ),
        (
            b'{"sender": "bad-1", "message": {"a": 1}}',
            "application/json",
            400,
            "invalid_message",
        ),
        (
            b'{"sender": "bad-1", "message": ["hi"]}',
            "application/json",
            400,
            "invalid_message",
        ),
        (b'["hello"]', "application/json", 400, "not_an_object"),
        (b"", "application/json", 400, "empty_body"),
        (
            b'{"sender": "bad-1", "message": "hi"',
            "application/json",
            400,
            "invalid_json",
        ),
        (
            b'{"sender": "bad-1", "message": "\xff\xfe"}',
            "application/json",
            400,
            "invalid_json",
        ),
        (
            b'{"sender": "bad-1", "message": "hi"}',
            "text/plain",
            415,
            "unsupported_media_type",
        ),
        (b'{"sender": "bad-1", "message": "hi"}', None, 415, "unsupported_media_type"),
        (
            b'{"sender": "a b", "message": "hi"}',
            "application/json",
            400,
            "invalid_sender",
        ),
    ],
)
def test_bad_rest_requests_get_a_clear_4xx(servers, raw, content_type, status, error):
    reply = rest(servers, raw=raw, content_type=content_type)
    assert reply.status == status
    assert reply.json["error"] == error and reply.json["message"]


@pytest.mark.parametrize(
    "message, expected",
    [
        ("my dad \ud800 has liver cancer", None),  # lone surrogate: read, answered
        ("", "didn't receive any text"),
        ("   ", "didn't receive any text"),
        (None, "didn't receive any text"),
        ("/faq/unknown", CLARIFY_TEXT),
        ("/faq/does_not_exist", CLARIFY_TEXT),
        ('/inform{"bilirubin_mg_dl": 0.5}', None),
        ("😟🙏", None),
    ],
)
def test_odd_rest_messages_get_an_answer(servers, message, expected) -> None:
    # A conversation of its own for each (a second miss in a row would get
    # the "still didn't understand" answer instead of the question).
    sender = f"odd-{zlib.crc32(repr(message).encode())}"
    body = (
        {"sender": sender}
        if message is None
        else {"sender": sender, "message": message}
    )
    reply = rest(servers, body)
    assert reply.status == 200
    said = texts(reply)
    assert said and all(said), reply.body
    if expected:
        assert any(expected in t for t in said), said
    if expected == CLARIFY_TEXT:
        clarify = [m for m in reply.json if CLARIFY_TEXT in (m.get("text") or "")][0]
        assert clarify["buttons"], "the clarifying question offers topics"


def test_a_message_cut_at_the_cap_is_announced_before_the_answer(
    servers: ServerSet,
) -> None:
    long = "My father has a liver tumour and we want to know about cryoablation. " * 30
    reply = rest(servers, {"sender": "long-1", "message": long})
    assert reply.status == 200
    said = texts(reply)
    assert TRUNCATED_TEXT in said[0] and len(said) > 1
    (user,) = [
        e for e in tracker_events(servers, "rest:long-1") if e["event"] == "user"
    ]
    assert len(user["text"]) <= 1000
    assert user["metadata"]["input_guard"]["truncated"] is True


def test_bad_widget_messages_get_a_clear_answer(servers: ServerSet) -> None:
    long = "Is it painful for an old man with cirrhosis? " * 40

    async def scenario() -> dict:
        patient = WidgetClient(servers)
        await patient.connect()
        await patient.wait_for("bot_uttered")  # greeting
        acks = {}
        for name, message in [
            ("number", 42),
            ("object", {"text": "hi"}),
            ("list", ["hi"]),
        ]:
            acks[name] = await patient.say(message, id=f"bad-{name}")
        acks["not_a_dict"] = await patient.sio.call(
            "user_uttered", ["hello"], timeout=120
        )
        results = {}
        for name, message in [
            ("surrogate", "does it hurt \ud800?"),
            ("unknown_payload", "/faq/unknown"),
            ("long", long),
            ("empty", ""),
        ]:
            before = len(patient.events.get("bot_uttered", []))
            ack = await patient.say(message, id=f"odd-{name}")
            results[name] = (ack, patient.bot_texts()[before:])
        await patient.close()
        return {"acks": acks, "results": results}

    outcome = asyncio.run(scenario())
    for name in ("number", "object", "list"):
        assert outcome["acks"][name] == {
            "ok": False,
            "id": f"bad-{name}",
            "error": "invalid_message",
        }
    assert outcome["acks"]["not_a_dict"] == {"ok": False, "error": "bad_request"}
    for name, (ack, said) in outcome["results"].items():
        assert ack["ok"] is True, (name, ack)
        assert said and all(said), (name, said)
    assert CLARIFY_TEXT in outcome["results"]["unknown_payload"][1][0]
    assert TRUNCATED_TEXT in outcome["results"]["long"][1][0]
    assert len(outcome["results"]["long"][1]) > 1
    assert "didn't receive any text" in outcome["results"]["empty"][1][0]


# -- 6. security headers on every surface -----------------------------------


def test_every_http_surface_sends_the_security_headers(servers: ServerSet) -> None:
    replies = {
        "rest 200": rest(servers, {"sender": "headers", "message": "hi"}),
        "rest 400": rest(servers, raw=b"[]"),
        "api 401": http("GET", f"{servers.rasa_url}/status"),
        "api 200": api(servers, "GET", "/status"),
        "rasa 404": http("GET", f"{servers.rasa_url}/webhooks/nothing-here"),
        "rasa 413": post_declaring(
            f"{servers.rasa_url}/webhooks/rest/webhook",
            1_000_000,
            {"Content-Type": "application/json"},
        ),
        "socket.io": http(
            "GET",
            f"{servers.rasa_url}/socket.io/?EIO=4&transport=polling",
            content_type=None,
            headers={"Origin": servers.console_url},
        ),
        "actions health": http("GET", f"{servers.actions_url}/health"),
        "actions 401": http("POST", f"{servers.actions_url}/webhook", {}),
        "console": http("GET", f"{servers.console_url}/healthz"),
    }
    for name, reply in replies.items():
        assert reply.header("X-Content-Type-Options") == "nosniff", name
        assert reply.header("X-Frame-Options") == "DENY", name
        assert "frame-ancestors 'none'" in (
            reply.header("Content-Security-Policy") or ""
        ), name
        assert reply.header("Referrer-Policy") == "same-origin", name
        assert reply.header("Permissions-Policy"), name
    assert replies["rest 200"].header("Cache-Control") == "no-store"
    assert replies["socket.io"].header("Cross-Origin-Resource-Policy") == "cross-origin"


# -- 3 again, last: errors forced with a distinctive value -------------------


def test_forced_errors_leave_no_patient_text_in_any_log(servers: ServerSet) -> None:
    token = {"Authorization": f"Bearer {servers.action_token}"}
    # Through the channels, as a patient: normal and odd messages.
    assert (
        rest(servers, {"sender": "log-1", "message": f"I am bleeding, {MARK}"}).status
        == 200
    )
    assert (
        rest(servers, {"sender": "log-1", "message": f"bilirubin {MARK} \ud800"}).status
        == 200
    )
    assert (
        rest(servers, raw=f'{{"sender": "log-1", "message": "{MARK}'.encode()).status
        == 400
    )

    # Rasa's HTTP API answering errors (it logs each one, some quoting the request).
    assert (
        api(
            servers,
            "POST",
            "/conversations/log-2/tracker/events",
            [{"event": "x", "text": MARK}],
        ).status
        == 400
    )
    assert (
        api(
            servers,
            "POST",
            "/conversations/log-2/tracker/events",
            {"event": "user", "text": MARK, "timestamp": MARK},
        ).status
        == 400
    )
    assert (
        api(
            servers,
            "POST",
            "/conversations/log-2/messages",
            {"text": MARK, "sender": MARK},
        ).status
        == 400
    )

    # The action server failing on a malformed tracker that carries the value.
    broken = _forged_action_call("web:" + "ef" * 16, "action_emergency", MARK)
    broken["tracker"] = MARK
    failed = http("POST", f"{servers.actions_url}/webhook", broken, headers=token)
    assert failed.status == 500 and MARK.encode() not in failed.body
    unknown = _forged_action_call("web:" + "ef" * 16, MARK, MARK)
    missing = http("POST", f"{servers.actions_url}/webhook", unknown, headers=token)
    assert missing.status == 404

    # Processing itself failing inside Rasa, with the message in every frame:
    # the conversation lock store (Redis) refuses every command.
    with RefusingRedis() as redis:
        servers.kill_rasa()
        servers.set_env(REDIS_URL=redis.url)
        servers.start_rasa()
        crashed = rest(servers, {"sender": "log-3", "message": f"my INR is {MARK}"})
        servers.kill_rasa()
    servers.set_env(REDIS_URL="")
    servers.start_rasa()
    assert crashed.status == 500
    assert crashed.json["error"] == "internal_error"
    assert MARK.encode() not in crashed.body

    logs = [p for p in servers.var_dir.rglob("*") if p.is_file() and ".log" in p.name]
    assert {p.name for p in logs} >= {"rasa.log", "actions.log", "console.log"}
    rasa_log = (servers.log_dir / "rasa.log").read_text(errors="replace")
    assert "REST message failed" in rasa_log  # the failure itself was logged
    for path in logs:
        content = path.read_bytes()
        for needle in (MARK, "Zqxwv", "7777.77", json.dumps(MARK)[1:-1]):
            assert needle.encode() not in content, f"{needle!r} in {path.name}"
