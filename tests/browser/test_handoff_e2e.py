"""The handoff end to end: a patient in the widget, a coordinator in the console.

Two browser contexts in real headless Chromium against the real Rasa, action
and console servers: the patient (phone size) asks for a person; the
coordinator (laptop), already signed in, sees the ticket arrive without
reloading, claims it, reads the summary, replies; the patient sees the reply
as the coordinator's; the patient's answer appears live in the console; an
urgent message still gets the emergency advice; the coordinator resolves and
the bot answers the next question. Also: a deletion request carried out from
the console, and, on servers whose coordinators are never in, the call-back
offer with the number stored encrypted and the urgent alert webhook.
Screenshots go to test-output/screenshots/handoff-*.png.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from console_helpers import (
    LIVE_MS,
    PASSWORD,
    decrypt,
    queue_rows,
    rows,
    sign_in,
    transcript,
)
from playwright.sync_api import Browser, BrowserContext, Page, expect
from widget_helpers import (
    REPLY_MS,
    bot_bubbles,
    open_chat,
    rasa_api,
    screenshot,
    textbox,
)

from bot.console.devservers import ServerSet, free_port
from bot.settings import PROJECT_ROOT

PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 800}
HOSTILE = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'


def send(page: Page, text: str) -> None:
    """The patient types and sends, without waiting for the bot."""
    box = textbox(page)
    box.fill(text)
    box.press("Enter")


def _patient(browser: Browser) -> BrowserContext:
    return browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )


def _coordinator(browser: Browser) -> BrowserContext:
    return browser.new_context(viewport=LAPTOP)


def _errors(page: Page) -> List[str]:
    errors: List[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    return errors


def _sender(servers: ServerSet, before: set) -> str:
    found = {
        r[0] for r in rows(servers, "SELECT sender_id FROM conversations")
    } - before
    assert len(found) == 1, found
    return found.pop()


def _tracker_events(servers: ServerSet, sender: str) -> List[dict]:
    tracker = rasa_api(servers, "GET", f"/conversations/{sender}/tracker")
    return tracker["events"]


@pytest.fixture(scope="module")
def coordinators(servers: ServerSet) -> ServerSet:
    servers.add_staff("anna@example.org", PASSWORD, name="Anna")
    servers.add_staff("admin@example.org", PASSWORD, role="admin", name="Ravi")
    return servers


def test_a_patient_and_a_coordinator_in_the_same_chat(
    browser: Browser, coordinators: ServerSet
) -> None:
    servers = coordinators
    known = {r[0] for r in rows(servers, "SELECT sender_id FROM conversations")}
    staff_context, patient_context = _coordinator(browser), _patient(browser)
    console, widget = staff_context.new_page(), patient_context.new_page()
    console_errors, widget_errors = _errors(console), _errors(widget)
    try:
        # The coordinator is already watching the queue.
        sign_in(console, servers, "anna@example.org")
        before = queue_rows(console).count()

        # The patient asks for a person, on a phone.
        open_chat(widget, servers)
        send(
            widget, "I'm scared for my father, can I talk to a real person? " + HOSTILE
        )
        expect(bot_bubbles(widget).last).to_contain_text(
            "usually replies within", timeout=REPLY_MS
        )
        screenshot(widget, "handoff-1-patient-asked-phone")
        sender = _sender(servers, known)

        # It appears in the open console without a reload.
        expect(queue_rows(console)).to_have_count(before + 1, timeout=LIVE_MS)
        row = queue_rows(console).last
        expect(row).to_contain_text("Asked for a person")
        expect(row).to_contain_text("Website chat")
        screenshot(console, "handoff-2-queue-laptop")

        # The summary packet, with the patient's words as text.
        row.locator("a.open").click()
        packet = console.locator(".packet")
        expect(packet).to_contain_text("Asked for a person")
        expect(packet).to_contain_text("can I talk to a real person?")
        expect(packet).to_contain_text(HOSTILE)  # shown, as text
        expect(packet).to_contain_text("Website chat")
        console.get_by_role("button", name="Claim and join the chat").click()
        expect(console.locator("#ticket-status")).to_contain_text("Claimed by Anna")

        # The patient is told a named coordinator joined.
        expect(widget.locator(".cw-notice").last).to_contain_text(
            "Anna, a coordinator, joined the conversation", timeout=REPLY_MS
        )
        expect(bot_bubbles(widget).last).to_contain_text(
            "You are now chatting with Anna"
        )

        # The coordinator replies; the patient sees it marked as Anna's.
        reply = "Hello, I am Anna from CancerFax. Which hospital is your father in?"
        console.get_by_label(re.compile("Reply to the patient")).fill(reply)
        console.get_by_role("button", name="Send").click()
        coordinator_msg = widget.locator(".cw-msg--coordinator").last
        expect(coordinator_msg).to_contain_text(reply, timeout=REPLY_MS)
        expect(coordinator_msg.locator(".cw-who")).to_have_text("Anna · Coordinator")
        expect(transcript(console).last).to_contain_text(reply, timeout=LIVE_MS)
        screenshot(widget, "handoff-3-coordinator-reply-phone")

        # The patient answers: it appears live in the console; the bot is quiet.
        bubbles_before = bot_bubbles(widget).count()
        answer = "He is at the city hospital. His bilirubin is 1.2 mg/dl. " + HOSTILE
        send(widget, answer)
        patient_item = console.locator("#transcript li.msg--patient").last
        expect(patient_item).to_contain_text(answer, timeout=LIVE_MS)
        events = _tracker_events(servers, sender)
        last_user = max(i for i, e in enumerate(events) if e["event"] == "user")
        after = events[last_user + 1 :]
        assert "action_handoff_relay" in [e.get("name") for e in after]
        assert not [e for e in after if e["event"] == "bot"]
        assert bot_bubbles(widget).count() == bubbles_before
        screenshot(console, "handoff-4-live-conversation-laptop")

        # Urgent symptoms during the handoff still get the emergency advice.
        send(widget, "now he is vomiting blood")
        expect(bot_bubbles(widget).last).to_contain_text("emergency", timeout=REPLY_MS)
        expect(console.locator("#transcript li.msg--urgent").last).to_contain_text(
            "vomiting blood", timeout=LIVE_MS
        )
        expect(console.locator("#ticket-priority")).to_have_text(
            "urgent", timeout=LIVE_MS
        )
        screenshot(widget, "handoff-5-emergency-advice-phone")

        # Resolve: the patient is told, and the bot answers the next question.
        console.get_by_role(
            "button", name="Resolve: hand back to the assistant"
        ).click()
        expect(console.locator("#ticket-status")).to_contain_text("Resolved")
        expect(bot_bubbles(widget).last).to_contain_text(
            "Anna has finished helping you", timeout=REPLY_MS
        )
        expect(widget.locator(".cw-notice").last).to_contain_text("Anna")
        send(widget, "what is cryoablation?")
        expect(bot_bubbles(widget).last).to_contain_text("freezing", timeout=REPLY_MS)
        screenshot(widget, "handoff-6-bot-is-back-phone")
        screenshot(console, "handoff-7-resolved-laptop")

        # The hostile text was shown, never run, on either side.
        assert console.evaluate("typeof window.pwned") == "undefined"
        assert widget.evaluate("typeof window.pwned") == "undefined"
        views = rows(servers, "SELECT action FROM audit_log WHERE actor LIKE 'staff:%'")
        assert {("view_queue",), ("view_ticket",), ("view_ticket_live",)} <= set(views)
    finally:
        staff_context.close()
        patient_context.close()
    assert not console_errors and not widget_errors, (console_errors, widget_errors)


def test_a_deletion_request_is_carried_out_from_the_console(
    browser: Browser, coordinators: ServerSet
) -> None:
    servers = coordinators
    known = {r[0] for r in rows(servers, "SELECT sender_id FROM conversations")}
    staff_context, patient_context = _coordinator(browser), _patient(browser)
    console, widget = staff_context.new_page(), patient_context.new_page()
    try:
        open_chat(widget, servers)
        send(widget, "please delete all my data")
        expect(bot_bubbles(widget).last).to_contain_text("delete", timeout=REPLY_MS)
        sender = _sender(servers, known)
        (conversation_id,) = rows(
            servers, "SELECT id FROM conversations WHERE sender_id = ?", sender
        )[0]

        sign_in(console, servers, "admin@example.org")
        row = queue_rows(console).filter(has_text="Asks for their data to be deleted")
        expect(row).to_have_count(1, timeout=LIVE_MS)
        row.locator("a.open").click()
        expect(console.locator(".danger")).to_contain_text(
            "The patient asked for their data to be deleted"
        )
        console.get_by_role("button", name="Claim and join the chat").click()
        console.get_by_label(re.compile("Delete everything stored")).check()
        console.once("dialog", lambda dialog: dialog.accept())
        console.get_by_role("button", name="Delete the patient's data").click()
        expect(console.locator("#flash")).to_have_text(
            "The patient's data was deleted."
        )
        expect(bot_bubbles(widget).last).to_contain_text(
            "Our coordinators have deleted your conversation", timeout=REPLY_MS
        )
        screenshot(widget, "handoff-8-erased-phone")
        assert (
            rows(servers, "SELECT id FROM conversations WHERE sender_id = ?", sender)
            == []
        )
        texts = json.dumps(_tracker_events(servers, sender))
        assert "please delete all my data" not in texts  # only the notice is left
        ((detail,),) = rows(
            servers,
            "SELECT detail FROM audit_log WHERE action = 'erase' "
            "AND conversation_id = ?",
            conversation_id,
        )
        assert "tickets=1" in detail and "events=" in detail
    finally:
        staff_context.close()
        patient_context.close()


def test_console_pages_have_no_serious_accessibility_violation(
    browser: Browser, coordinators: ServerSet
) -> None:
    import urllib.request

    from test_widget_a11y import _axe

    # A patient on the REST channel asks for a person: a ticket to look at.
    request = urllib.request.Request(
        coordinators.rasa_url + "/webhooks/rest/webhook",
        data=json.dumps(
            {"sender": "a11y-patient", "message": "/request_human"}
        ).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 - localhost
        assert resp.status == 200
    context = _coordinator(browser)
    page = context.new_page()
    try:
        page.goto(coordinators.console_url + "/console/signin")
        assert _axe(page) == []
        sign_in(page, coordinators, "anna@example.org")
        assert _axe(page) == []
        page.locator("#queue-rows tr", has_text="REST").locator("a.open").first.click()
        expect(page.locator(".packet")).to_be_visible()
        assert _axe(page) == []
        # A tablet: one column, the conversation first.
        page.set_viewport_size({"width": 820, "height": 1180})
        screenshot(page, "handoff-9-ticket-tablet")
        assert _axe(page) == []
        # The keyboard: ? opens the shortcuts, Esc closes them, g goes to the queue.
        page.locator("body").press("?")
        expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
        page.keyboard.press("g")
        expect(page.get_by_role("heading", name="Queue")).to_be_visible()
        page.keyboard.press("j")
        expect(page.locator("#queue-rows tr.selected")).to_have_count(1)
    finally:
        context.close()


# -- coordinators never in: the call back, and the urgent alert -----------------


class _Webhook(BaseHTTPRequestHandler):
    received: List[bytes] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", "0"))
        _Webhook.received.append(self.rfile.read(length))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture(scope="module")
def closed_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerSet]:
    model = PROJECT_ROOT / "models" / "cryo.tar.gz"
    port = free_port()
    hook = HTTPServer(("127.0.0.1", port), _Webhook)
    thread = threading.Thread(target=hook.serve_forever, daemon=True)
    thread.start()
    servers = ServerSet(
        model=model,
        var_dir=Path(tmp_path_factory.mktemp("handoff-closed")),
        extra_env={
            "HANDOFF_OPENING_HOURS": "never",
            "ALERT_WEBHOOK_URL": f"http://127.0.0.1:{port}/hook",
            "CONSOLE_POLL_MS": "200",
        },
    )
    servers.start()
    yield servers
    servers.stop()
    hook.shutdown()


def test_outside_opening_hours_a_call_back_is_offered_and_the_number_kept_encrypted(
    browser: Browser, closed_servers: ServerSet
) -> None:
    servers = closed_servers
    context = _patient(browser)
    widget = context.new_page()
    errors = _errors(widget)
    try:
        open_chat(widget, servers)
        send(widget, "I need to speak to someone about my mother")
        offer = bot_bubbles(widget).last
        expect(offer).to_contain_text("do not answer chats live", timeout=REPLY_MS)
        expect(offer).to_contain_text("Would you like a call back?")
        screenshot(widget, "handoff-10-closed-offer-phone")
        widget.get_by_role("button", name="Yes, call me back").click()
        expect(bot_bubbles(widget).last).to_contain_text(
            "country code", timeout=REPLY_MS
        )
        send(widget, "my number is +91 98765 43210")
        confirm = bot_bubbles(widget).last
        expect(confirm).to_contain_text(
            "Shall we keep +91 98765 43210", timeout=REPLY_MS
        )
        expect(confirm).to_contain_text("stored encrypted")
        widget.get_by_role("button", name="Yes, keep it").click()
        expect(bot_bubbles(widget).last).to_contain_text(
            "A coordinator will contact you at +91 98765 43210", timeout=REPLY_MS
        )
        screenshot(widget, "handoff-11-call-back-saved-phone")

        ((stored, consent_at),) = rows(
            servers, "SELECT contact_details, contact_consent_at FROM conversations"
        )
        assert "98765" not in stored and consent_at is not None
        assert decrypt(servers, stored) == {"phone": "+91 98765 43210"}
        ((wording,),) = rows(servers, "SELECT wording_version FROM consent_records")
        assert wording == "callback-contact-1"
        ((summary,),) = rows(servers, "SELECT summary FROM tickets")
        packet = decrypt(servers, summary)
        assert [r["code"] for r in packet["reasons"]] == [
            "patient_request",
            "callback_request",
        ]
        assert packet["callback_requested"] is True

        # An emergency reaches the team's webhook, without any health data.
        send(widget, "she suddenly has a very high fever and is confused")
        expect(bot_bubbles(widget).last).to_contain_text("emergency", timeout=REPLY_MS)
        deadline_ok = _wait(lambda: bool(_Webhook.received), seconds=30)
        assert deadline_ok, "the alert webhook received nothing"
        body = json.loads(_Webhook.received[0])
        assert set(body) == {"text", "url", "priority", "channel"}
        assert body["priority"] == "urgent" and body["channel"] == "socketio"
        raw = _Webhook.received[0].decode()
        for health in ("fever", "confused", "98765", "mother"):
            assert health not in raw
    finally:
        context.close()
    assert not errors


def _wait(condition, seconds: float) -> bool:
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False
