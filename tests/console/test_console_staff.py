"""The staff console as coordinators, administrators and attackers use it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from datetime import timedelta

from aiohttp.test_utils import TestClient
from conftest import PASSWORD, add_rasa_events, csrf_of, open_ticket_for, sign_in
from sqlalchemy import select

SCRIPT = "<script>window.pwned=1</script><img src=x onerror=alert(1)>"


def _audit(app_db, action=None):
    from bot.store.models import AuditEntry

    with app_db() as session:
        query = select(AuditEntry).order_by(AuditEntry.id)
        if action:
            query = query.where(AuditEntry.action == action)
        return [
            (e.actor, e.action, e.conversation_id, e.detail)
            for e in session.scalars(query)
        ]


def _ticket(app_db, ticket_id):
    from bot.store.models import Ticket

    with app_db() as session:
        t = session.get(Ticket, ticket_id)
        if t is None:
            return None
        return {
            "status": t.status,
            "assignee_id": t.assignee_id,
            "resolution": t.resolution,
            "handoff": t.conversation.handoff_state,
        }


# -- anonymous requests --


def test_every_console_route_refuses_an_anonymous_request(console, app_db):
    open_ticket_for(SCRIPT)

    async def scenario(client: TestClient) -> list:
        checked = []
        for route in client.server.app.router.routes():
            info = route.resource.get_info() if route.resource else {}
            path = info.get("path") or info.get("formatter") or ""
            if not path.startswith("/console/") or route.method == "HEAD":
                continue
            if path in ("/console/signin",) or path.startswith("/console/static/"):
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            if route.method == "GET":
                resp = await client.get(url, allow_redirects=False)
                body = await resp.text()
                assert resp.status in (303, 401), (url, resp.status)
                if resp.status == 303:
                    assert resp.headers["Location"].startswith("/console/signin")
                streamed = await client.get(
                    url, allow_redirects=False, headers={"Accept": "text/event-stream"}
                )
                assert streamed.status == 401, url
            else:
                resp = await client.post(
                    url, data={"text": "hi"}, allow_redirects=False
                )
                body = await resp.text()
                assert resp.status == 401, (url, resp.status)
            assert "window.pwned" not in body and "talk to a person" not in body
            checked.append((route.method, path))
        return checked

    checked = console(scenario)
    # The guarded routes were really enumerated (not an empty loop).
    assert ("GET", "/console/tickets/{ticket_id}") in checked
    assert ("POST", "/console/tickets/{ticket_id}/reply") in checked
    assert (
        "GET",
        "/console/tickets/{ticket_id}/attachments/{attachment_id}",
    ) in checked
    assert len(checked) >= 16


def test_a_guessed_ticket_id_shows_nothing(console, make_staff, app_db):
    make_staff("anna@example.org")
    open_ticket_for()

    async def scenario(client: TestClient) -> None:
        anonymous = await client.get("/console/tickets/1", allow_redirects=False)
        assert anonymous.status == 303
        await sign_in(client, "anna@example.org")
        for guess in ("2", "999999", "0", "-1", "1%20OR%201=1", "abc"):
            resp = await client.get(f"/console/tickets/{guess}", allow_redirects=False)
            assert resp.status == 404, guess

    console(scenario)


# -- sign-in, sessions, CSRF --


def test_a_change_without_the_csrf_token_is_refused(console, make_staff, app_db):
    make_staff("anna@example.org")
    ticket_id = open_ticket_for()

    async def scenario(client: TestClient) -> None:
        await sign_in(client, "anna@example.org")
        url = f"/console/tickets/{ticket_id}/claim"
        missing = await client.post(url, data={}, allow_redirects=False)
        wrong = await client.post(
            url, data={"csrf_token": "guess"}, allow_redirects=False
        )
        token = await csrf_of(client)
        foreign = await client.post(
            url,
            data={"csrf_token": token},
            headers={"Origin": "https://evil.example"},
            allow_redirects=False,
        )
        assert (missing.status, wrong.status, foreign.status) == (403, 403, 403)
        assert _ticket(app_db, ticket_id)["status"] == "waiting"
        ok = await client.post(url, data={"csrf_token": token}, allow_redirects=False)
        assert ok.status == 303
        assert _ticket(app_db, ticket_id)["status"] == "assigned"
        # The sign-out form needs it too.
        assert (
            await client.post("/console/signout", allow_redirects=False)
        ).status == 403

    console(scenario)


def test_the_sign_in_form_needs_its_own_token(console, make_staff):
    make_staff("anna@example.org")

    async def scenario(client: TestClient) -> None:
        resp = await client.post(
            "/console/signin",
            data={"email": "anna@example.org", "password": PASSWORD},
            allow_redirects=False,
        )
        assert resp.status == 403

    console(scenario)


def test_the_eleventh_wrong_password_in_a_row_is_throttled(console, make_staff, app_db):
    make_staff("anna@example.org")

    async def scenario(client: TestClient) -> None:
        for _ in range(10):
            resp = await sign_in(client, "anna@example.org", "wrong password!!")
            assert resp.status == 401
            assert "not right" in await resp.text()
        # The eleventh is refused, even with the right password.
        resp = await sign_in(client, "ANNA@example.org", PASSWORD)
        assert resp.status == 429
        assert "Too many failed sign-ins" in await resp.text()
        assert "cryo_console=" not in resp.headers.get("Set-Cookie", "")

    console(scenario)
    assert len(_audit(app_db, "signin_failed")) == 10
    assert len(_audit(app_db, "signin_throttled")) == 1

    # After the window, the account can sign in again.
    from bot.store.models import SigninFailure

    with app_db() as session:
        for failure in session.scalars(select(SigninFailure)):
            failure.at -= timedelta(hours=1)

    async def later(client: TestClient) -> None:
        resp = await sign_in(client, "anna@example.org")
        assert resp.status == 303

    console(later)


def test_a_success_ends_the_run_of_failures(console, make_staff):
    make_staff("anna@example.org")

    async def scenario(client: TestClient) -> None:
        for _ in range(9):
            await sign_in(client, "anna@example.org", "wrong password!!")
        assert (await sign_in(client, "anna@example.org")).status == 303
        for _ in range(9):
            assert (
                await sign_in(client, "anna@example.org", "nope nope nope")
            ).status == 401
        assert (await sign_in(client, "anna@example.org")).status == 303

    console(scenario)


def test_failures_from_one_address_are_throttled_across_accounts(
    console, console_settings, make_staff
):
    make_staff("anna@example.org")
    settings = dataclasses.replace(
        console_settings, console_signin_max_failures_per_address=5
    )

    async def scenario(client: TestClient) -> None:
        for i in range(5):
            resp = await sign_in(client, f"guess{i}@example.org", "whatever whatever")
            assert resp.status == 401
        assert (await sign_in(client, "anna@example.org")).status == 429

    console(scenario, settings=settings)


def test_session_cookie_is_httponly_samesite_and_new_at_sign_in(console, make_staff):
    make_staff("anna@example.org")

    async def scenario(client: TestClient) -> None:
        client.session.cookie_jar.update_cookies({"cryo_console": "attacker-chosen-id"})
        resp = await sign_in(client, "anna@example.org")
        cookie = resp.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        value = re.search(r"cryo_console=([^;]+)", cookie)[1]
        assert value != "attacker-chosen-id" and len(value) >= 40
        # The planted id was never a session.
        other = TestClient(client.server)
        await other.start_server()
        other.session.cookie_jar.update_cookies({"cryo_console": "attacker-chosen-id"})
        assert (await other.get("/console/", allow_redirects=False)).status == 303
        await other.session.close()

    console(scenario)


def test_outside_development_the_cookie_is_secure_and_host_only(
    console, console_settings, make_staff
):
    make_staff("anna@example.org")
    production = dataclasses.replace(console_settings, app_env="production")

    async def scenario(client: TestClient) -> None:
        page = await client.get("/console/signin")
        assert "Secure" in page.headers["Set-Cookie"]
        token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())[1]
        # The test client speaks plain HTTP, so the browser-side cookie jar
        # would not send a Secure cookie back: pass it by hand.
        resp = await client.post(
            "/console/signin",
            data={
                "email": "anna@example.org",
                "password": PASSWORD,
                "csrf_token": token,
            },
            headers={"Cookie": f"console_signin_csrf={token}"},
            allow_redirects=False,
        )
        cookie = resp.headers["Set-Cookie"]
        assert cookie.startswith("__Host-cryo_console=")
        assert "Secure" in cookie and "HttpOnly" in cookie and "Domain" not in cookie

    console(scenario, settings=production)


def test_an_idle_session_ends(console, make_staff, app_db):
    make_staff("anna@example.org")

    async def scenario(client: TestClient) -> None:
        await sign_in(client, "anna@example.org")
        assert (await client.get("/console/", allow_redirects=False)).status == 200
        from bot.store.models import StaffSession

        with app_db() as session:
            for row in session.scalars(select(StaffSession)):
                row.last_seen_at -= timedelta(minutes=31)
        resp = await client.get("/console/", allow_redirects=False)
        assert resp.status == 303 and "msg=expired" in resp.headers["Location"]

    console(scenario)


def test_sign_out_ends_the_session_everywhere(console, make_staff):
    make_staff("anna@example.org")

    async def scenario(client: TestClient) -> None:
        await sign_in(client, "anna@example.org")
        cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))[
            "cryo_console"
        ].value
        token = await csrf_of(client)
        resp = await client.post(
            "/console/signout", data={"csrf_token": token}, allow_redirects=False
        )
        assert resp.status == 303
        # Replaying the old cookie no longer works.
        client.session.cookie_jar.update_cookies({"cryo_console": cookie})
        assert (await client.get("/console/", allow_redirects=False)).status == 303

    console(scenario)


# -- what coordinators see --


def test_patient_html_is_shown_as_text_and_every_view_is_audited(
    console, make_staff, app_db
):
    anna = make_staff("anna@example.org", name="Anna")
    ticket_id = open_ticket_for(SCRIPT)
    add_rasa_events(
        "web:patient-1",
        {
            "event": "user",
            "text": SCRIPT,
            "timestamp": 1.0,
            "parse_data": {"intent": {"name": "request_human"}},
        },
    )

    async def scenario(client: TestClient) -> str:
        await sign_in(client, "anna@example.org")
        queue = await client.get("/console/")
        assert queue.status == 200
        page = await client.get(f"/console/tickets/{ticket_id}")
        return await page.text()

    html = console(scenario)
    assert "<script>window.pwned" not in html and "<img src=x" not in html
    assert (
        html.count("&lt;script&gt;window.pwned=1&lt;/script&gt;") >= 2
    )  # packet + transcript
    # The only scripts are the console's own file.
    assert re.findall(r"<script\b[^>]*>", html) == [
        '<script src="/console/static/console.js" defer>'
    ]
    actions = [(actor, action) for actor, action, _c, _d in _audit(app_db)]
    assert (f"staff:{anna}", "view_queue") in actions
    assert (f"staff:{anna}", "view_ticket") in actions


def test_console_pages_carry_strict_security_headers(console, make_staff):
    make_staff("anna@example.org")

    async def scenario(client: TestClient) -> None:
        for path in ("/console/signin", "/console/"):
            if path == "/console/":
                await sign_in(client, "anna@example.org")
            resp = await client.get(path)
            csp = resp.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "unsafe-inline" not in csp
            assert "connect-src 'self';" in csp  # the console talks to itself only
            assert "frame-ancestors 'none'" in csp
            assert resp.headers["X-Frame-Options"] == "DENY"
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert resp.headers["Cache-Control"] == "no-store"

    console(scenario)


def test_attachments_download_and_are_never_rendered(console, make_staff, app_db):
    from bot.store.attachments import save_attachment
    from bot.store.conversations import get_conversation, record_consent

    anna = make_staff("anna@example.org")
    ticket_id = open_ticket_for()
    other_ticket = open_ticket_for(sender="web:someone-else")
    with app_db() as session:
        conversation = get_conversation(
            session=session, channel="socketio", sender_id="web:patient-1"
        )
        record_consent(session=session, conversation=conversation, given=True)
        html_id = save_attachment(
            session=session,
            conversation=conversation,
            content_type="text/html",
            filename="report<script>.html",
            data=b"<script>alert(1)</script>",
        ).id
        pdf_id = save_attachment(
            session=session,
            conversation=conversation,
            content_type="application/pdf",
            filename="MRI report.pdf",
            data=b"%PDF-1.4 ...",
        ).id

    async def scenario(client: TestClient) -> None:
        await sign_in(client, "anna@example.org")
        page = await (await client.get(f"/console/tickets/{ticket_id}")).text()
        assert "MRI report.pdf" in page and "report&lt;script&gt;.html" in page
        html = await client.get(f"/console/tickets/{ticket_id}/attachments/{html_id}")
        assert html.status == 200
        assert html.headers["Content-Type"] == "application/octet-stream"
        assert html.headers["Content-Disposition"].startswith("attachment;")
        assert html.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in html.headers["Content-Security-Policy"]
        pdf = await client.get(f"/console/tickets/{ticket_id}/attachments/{pdf_id}")
        assert pdf.headers["Content-Type"] == "application/pdf"
        assert await pdf.read() == b"%PDF-1.4 ..."
        assert "filename*=UTF-8''MRI%20report.pdf" in pdf.headers["Content-Disposition"]
        # Not through another patient's ticket.
        crossed = await client.get(
            f"/console/tickets/{other_ticket}/attachments/{pdf_id}"
        )
        assert crossed.status == 404

    console(scenario)
    downloads = _audit(app_db, "download_attachment")
    assert [(a, d) for a, _x, _c, d in downloads] == [
        (f"staff:{anna}", f"ticket={ticket_id} attachment={html_id}"),
        (f"staff:{anna}", f"ticket={ticket_id} attachment={pdf_id}"),
    ]


# -- claim, reply, resolve, erase --


def test_claim_reply_and_resolve_reach_the_patient_through_rasa(
    console, make_staff, app_db, rasa_http
):
    make_staff("anna@example.org", name="Anna")
    make_staff("ben@example.org", name="Ben")
    ticket_id = open_ticket_for()

    async def scenario(client: TestClient) -> None:
        await sign_in(client, "anna@example.org")
        token = await csrf_of(client)
        json_headers = {"Accept": "application/json"}
        claimed = await client.post(
            f"/console/tickets/{ticket_id}/claim",
            data={"csrf_token": token},
            headers=json_headers,
        )
        assert (claimed.status, (await claimed.json())["code"]) == (200, "claimed")
        assert _ticket(app_db, ticket_id) == {
            "status": "assigned",
            "assignee_id": 1,
            "resolution": None,
            "handoff": "active",
        }
        reply = {
            "csrf_token": token,
            "text": "Hello, I am Anna. " + SCRIPT,
            "nonce": "n-1",
        }
        first = await client.post(
            f"/console/tickets/{ticket_id}/reply", data=reply, headers=json_headers
        )
        again = await client.post(
            f"/console/tickets/{ticket_id}/reply", data=reply, headers=json_headers
        )
        assert first.status == again.status == 200

        # Ben, in another browser, is told the ticket is taken and cannot write.
        ben = TestClient(client.server)
        await ben.start_server()
        await sign_in(ben, "ben@example.org")
        ben_token = await csrf_of(ben)
        lost = await ben.post(
            f"/console/tickets/{ticket_id}/claim",
            data={"csrf_token": ben_token},
            headers=json_headers,
        )
        assert lost.status == 409 and (await lost.json())["code"] == "claim_lost"
        refused = await ben.post(
            f"/console/tickets/{ticket_id}/reply",
            data={"csrf_token": ben_token, "text": "hi"},
            headers=json_headers,
        )
        assert refused.status == 409
        await ben.session.close()

        done = await client.post(
            f"/console/tickets/{ticket_id}/resolve",
            data={"csrf_token": token},
            headers=json_headers,
        )
        assert done.status == 200

    console(scenario)
    assert rasa_http.intents() == [
        "EXTERNAL_handoff_claimed",
        "EXTERNAL_handoff_finished",
    ]
    # One reply (the repeated form was recognised), sent as the coordinator.
    assert rasa_http.bot_texts() == ["Hello, I am Anna. " + SCRIPT]
    sent = [
        c for c in rasa_http.calls if c["url"].split("?")[0].endswith("/tracker/events")
    ]
    assert (
        "execute_side_effects=true" in sent[-1]["url"]
        and "token=rasa-token" in sent[-1]["url"]
    )
    assert sent[-1]["json_body"][0]["metadata"] == {
        "from": "coordinator",
        "name": "Anna",
    }
    assert _ticket(app_db, ticket_id)["status"] == "resolved"
    assert _ticket(app_db, ticket_id)["handoff"] is None
    chars = len("Hello, I am Anna. " + SCRIPT)
    assert [d for _a, _x, _c, d in _audit(app_db, "reply_sent")] == [
        f"ticket={ticket_id} chars={chars}"
    ]


def test_a_reply_rasa_could_not_deliver_is_reported_and_can_be_retried(
    console, make_staff, app_db, rasa_http
):
    make_staff("anna@example.org")
    ticket_id = open_ticket_for()

    async def scenario(client: TestClient) -> None:
        await sign_in(client, "anna@example.org")
        token = await csrf_of(client)
        headers = {"Accept": "application/json"}
        await client.post(
            f"/console/tickets/{ticket_id}/claim",
            data={"csrf_token": token},
            headers=headers,
        )
        rasa_http.status = 503
        form = {"csrf_token": token, "text": "are you there?", "nonce": "n-9"}
        failed = await client.post(
            f"/console/tickets/{ticket_id}/reply", data=form, headers=headers
        )
        assert failed.status == 502 and (await failed.json())["code"] == "relay_failed"
        rasa_http.status = 200
        retried = await client.post(
            f"/console/tickets/{ticket_id}/reply", data=form, headers=headers
        )
        assert retried.status == 200

    console(scenario)
    assert rasa_http.bot_texts() == [
        "are you there?",
        "are you there?",
    ]  # tried, then sent


def test_a_deletion_request_is_carried_out_from_the_console(
    console, make_staff, app_db, rasa_http
):
    from bot.store.models import Conversation

    make_staff("anna@example.org")
    make_staff("ben@example.org")
    ticket_id = open_ticket_for("please delete my data", reason="erasure_request")
    add_rasa_events("web:patient-1", {"event": "user", "text": "please delete my data"})

    async def scenario(client: TestClient) -> None:
        await sign_in(client, "ben@example.org")
        ben_token = await csrf_of(client)
        not_holder = await client.post(
            f"/console/tickets/{ticket_id}/erase",
            data={"csrf_token": ben_token, "confirm": "yes"},
            allow_redirects=False,
        )
        assert (
            not_holder.status == 303 and "not_holder" in not_holder.headers["Location"]
        )
        await client.post("/console/signout", data={"csrf_token": ben_token})

        await sign_in(client, "anna@example.org")
        token = await csrf_of(client)
        page = await (await client.get(f"/console/tickets/{ticket_id}")).text()
        assert "The patient asked for their data to be deleted" in page
        await client.post(
            f"/console/tickets/{ticket_id}/claim", data={"csrf_token": token}
        )
        unconfirmed = await client.post(
            f"/console/tickets/{ticket_id}/erase",
            data={"csrf_token": token},
            allow_redirects=False,
        )
        assert "confirm_erase" in unconfirmed.headers["Location"]
        erased = await client.post(
            f"/console/tickets/{ticket_id}/erase",
            data={"csrf_token": token, "confirm": "yes"},
            allow_redirects=False,
        )
        assert erased.headers["Location"] == "/console/?msg=erased"
        assert (await client.get(f"/console/tickets/{ticket_id}")).status == 404

    console(scenario)
    with app_db() as session:
        assert session.scalars(select(Conversation)).all() == []
    assert rasa_http.intents()[-1] == "EXTERNAL_erasure_done"
    (erase,) = _audit(app_db, "erase")
    assert erase[0] == "staff:1" and "events=1" in erase[3] and "tickets=1" in erase[3]


def test_notes_are_kept_encrypted_and_shown_as_text(console, make_staff, app_db):
    make_staff("anna@example.org")
    ticket_id = open_ticket_for()

    async def scenario(client: TestClient) -> str:
        await sign_in(client, "anna@example.org")
        token = await csrf_of(client)
        await client.post(
            f"/console/tickets/{ticket_id}/notes",
            data={"csrf_token": token, "body": "Called the son <b>twice</b>"},
        )
        return await (await client.get(f"/console/tickets/{ticket_id}")).text()

    html = console(scenario)
    assert "Called the son &lt;b&gt;twice&lt;/b&gt;" in html
    from sqlalchemy import text

    from bot.store.db import get_engine

    with get_engine().connect() as connection:
        body = connection.execute(text("SELECT body FROM ticket_notes")).scalar_one()
    assert body.startswith("gAAAA") and "son" not in body


# -- administration --


def test_admins_add_and_disable_staff_and_a_disabled_account_is_signed_out(
    console, make_staff, app_db
):
    make_staff("admin@example.org", role="admin")
    make_staff("anna@example.org")

    async def scenario(client: TestClient) -> None:
        anna = TestClient(client.server)
        await anna.start_server()
        await sign_in(anna, "anna@example.org")
        assert (await anna.get("/console/staff", allow_redirects=False)).status == 403
        assert (await anna.get("/console/audit", allow_redirects=False)).status == 403

        await sign_in(client, "admin@example.org")
        token = await csrf_of(client, "/console/staff")
        added = await client.post(
            "/console/staff",
            data={
                "csrf_token": token,
                "email": "carla@example.org",
                "name": "Carla",
                "role": "coordinator",
                "password": "another long password",
            },
            allow_redirects=False,
        )
        assert "staff_added" in added.headers["Location"]
        weak = await client.post(
            "/console/staff",
            data={
                "csrf_token": token,
                "email": "d@example.org",
                "role": "coordinator",
                "password": "short",
            },
            allow_redirects=False,
        )
        assert "staff_invalid" in weak.headers["Location"]
        disabled = await client.post(
            "/console/staff/2/active",
            data={"csrf_token": token, "active": "no"},
            allow_redirects=False,
        )
        assert "staff_updated" in disabled.headers["Location"]
        # Anna's open session ends at once; she cannot sign in again.
        assert (await anna.get("/console/", allow_redirects=False)).status == 303
        assert (await sign_in(anna, "anna@example.org")).status == 401
        itself = await client.post(
            "/console/staff/1/active",
            data={"csrf_token": token, "active": "no"},
            allow_redirects=False,
        )
        assert "msg=self" in itself.headers["Location"]
        audit = await client.get("/console/audit")
        assert "staff_disabled" in await audit.text()
        await anna.session.close()

    console(scenario)


# -- live updates --


async def _events(
    resp, wanted: str, predicate=lambda data: True, timeout: float = 20.0
):
    """Read a server-sent event stream until an event ``wanted`` matches."""

    async def read() -> dict:
        event = None
        while True:
            line = (await resp.content.readline()).decode()
            if line.startswith("event: "):
                event = line[7:].strip()
            elif line.startswith("data: ") and event == wanted:
                data = json.loads(line[6:])
                if predicate(data):
                    return data

    return await asyncio.wait_for(read(), timeout)


def test_live_streams_show_what_another_process_wrote(console, make_staff, app_db):
    """The queue and the conversation update from the database, so a message
    saved by the Rasa server (another process) reaches the open console."""
    anna = make_staff("anna@example.org")
    first = open_ticket_for()

    async def scenario(client: TestClient) -> None:
        await sign_in(client, "anna@example.org")
        queue = await client.get("/console/events")
        assert queue.headers["Content-Type"].startswith("text/event-stream")
        rows = await _events(queue, "queue")
        assert [r["id"] for r in rows] == [first]
        assert set(rows[0]) >= {
            "priority",
            "reason_label",
            "channel_label",
            "created_at",
        }
        assert "text" not in json.dumps(rows)  # no patient text in the queue

        stream = await client.get(f"/console/tickets/{first}/events?after=0")
        await asyncio.sleep(0.2)
        add_rasa_events(
            "web:patient-1",
            {
                "event": "user",
                "text": "Is anyone there? " + SCRIPT,
                "timestamp": 5.0,
                "parse_data": {"intent": {"name": "faq"}},
            },
        )
        item = await _events(stream, "message", lambda d: d["kind"] == "patient")
        assert item["text"] == "Is anyone there? " + SCRIPT

        second = await asyncio.to_thread(open_ticket_for, "help", "web:patient-2")
        rows = await _events(queue, "queue", lambda d: len(d) == 2)
        assert {r["id"] for r in rows} == {first, second}
        queue.close()
        stream.close()

    console(scenario)
    assert any(
        a == f"staff:{anna}" and action == "view_ticket_live"
        for a, action, _c, _d in _audit(app_db)
    )


def test_events_a_busy_rasa_writes_back_after_the_erasure_are_removed(
    console, make_staff, app_db, rasa_http
):
    """Rasa may be in the middle of a turn of this conversation when staff
    delete it; that turn saves its (old) events again. The erasure's second
    pass, after Rasa has handled the notice, removes them."""
    make_staff("admin@example.org", role="admin")
    ticket_id = open_ticket_for("please delete my data", reason="erasure_request")
    old = {"event": "user", "text": "my bilirubin is 1.2", "timestamp": 1733130000.0}
    add_rasa_events("web:patient-1", old)
    original = rasa_http.request

    async def busy_rasa(method, url, **kwargs):
        body = kwargs.get("json_body")
        if (
            isinstance(body, list)
            and body
            and body[0].get("event") == "session_started"
        ):
            # The turn that was in progress saves what it held in memory.
            add_rasa_events("web:patient-1", old)
        return await original(method, url, **kwargs)

    rasa_http.request = busy_rasa

    async def scenario(client: TestClient) -> None:
        await sign_in(client, "admin@example.org")
        token = await csrf_of(client)
        erased = await client.post(
            f"/console/tickets/{ticket_id}/erase",
            data={"csrf_token": token, "confirm": "yes"},
            allow_redirects=False,
        )
        assert erased.headers["Location"] == "/console/?msg=erased"

    console(scenario)
    from sqlalchemy import text

    from bot.store.db import get_engine

    with get_engine().connect() as connection:
        left = connection.execute(
            text("SELECT COUNT(*) FROM events WHERE sender_id = 'web:patient-1'")
        ).scalar_one()
    assert left == 0
    assert [d for _a, _x, _c, d in _audit(app_db, "erase_events_written_back")] == [
        "events=1"
    ]


def test_sign_in_only_returns_to_console_pages(console, make_staff):
    """The ``next`` parameter cannot send a coordinator to another site."""
    make_staff("anna@example.org")

    async def scenario(client: TestClient) -> None:
        for target, expected in (
            ("/console/tickets/1", "/console/tickets/1"),
            ("https://evil.example/console/", "/console/"),
            ("//evil.example/console", "/console/"),
            ("/consolex", "/console/"),
        ):
            page = await client.get("/console/signin")
            token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())[
                1
            ]
            resp = await client.post(
                "/console/signin",
                data={
                    "email": "anna@example.org",
                    "password": PASSWORD,
                    "csrf_token": token,
                    "next": target,
                },
                allow_redirects=False,
            )
            assert resp.headers["Location"] == expected, target

    console(scenario)
