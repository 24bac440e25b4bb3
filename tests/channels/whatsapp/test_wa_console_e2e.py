"""The whole coordinator handoff through WhatsApp, with the real staff console.

A patient on WhatsApp (the Graph API stand-in's phone) asks for a person; a
coordinator signed in to the console (headless Chromium) opens the ticket,
sees the WhatsApp reply window, claims it and replies; the reply reaches the
phone through the Graph API as the coordinator's message. When the window
has closed, the console says so, the next reply goes out as the approved
template, the coordinator is told on the ticket, and the reply itself
arrives when the patient writes again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from wa_world import TEMPLATE, MetaPhone, World, wait_until

from bot.console.devservers import CHROMIUM, CHROMIUM_ARGS
from bot.settings import PROJECT_ROOT

PASSWORD = "a long coordinator password"
EMAIL = "anna.whatsapp@example.org"
LIVE_MS = 30_000
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} missing: run `make browser`")
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def console(world: World, browser: Browser) -> Iterator[Page]:
    world.servers.add_staff(EMAIL, PASSWORD, name="Anna")
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(world.servers.console_url + "/console/")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    yield page
    context.close()


def _shown(body):
    if body["type"] == "text":
        return body["text"]["body"]
    if body["type"] == "interactive":
        return body["interactive"]["body"]["text"]
    return f"[{body['type']}]"


def _ticket(world: World, phone: MetaPhone) -> int:
    conversation = world.conversation_id("whatsapp", phone.sender_id)
    rows = world.query(
        "SELECT id FROM tickets WHERE conversation_id = ? AND status != 'resolved'",
        (conversation,),
    )
    assert len(rows) == 1
    return rows[0]["id"]


def _reply(console: Page, text: str) -> None:
    console.get_by_label(re.compile("Reply to the patient")).fill(text)
    console.get_by_role("button", name="Send").click()


def test_the_coordinator_handoff_through_whatsapp_and_the_console(
    world: World, phone: MetaPhone, console: Page
):
    phone.turn("hello")
    asked = [_shown(b) for b in phone.tap("Talk to")]
    assert any("coordinator" in text for text in asked), asked
    ticket = _ticket(world, phone)

    console.goto(f"{world.servers.console_url}/console/tickets/{ticket}")
    packet = console.locator(".packet")
    expect(packet).to_contain_text("WhatsApp")
    expect(console.locator("body")).to_contain_text("WhatsApp reply window")
    expect(console.locator("body")).to_contain_text("Open until")
    console.get_by_role("button", name="Claim and join the chat").click()
    expect(console.locator("#ticket-status")).to_contain_text("Claimed by Anna")
    wait_until(
        lambda: any("Anna, a coordinator, joined" in t for t in phone.shown())
        and any("You are now chatting with Anna" in t for t in phone.shown()),
        what="the joined notice and the bot's word on the phone",
    )

    before = len(phone.received())
    _reply(console, "Hello, I am Anna from CancerFax. Which hospital is he in?")
    (message,) = wait_until(
        lambda: [m for m in phone.received()[before:] if "hospital" in _shown(m)],
        what="the coordinator's reply",
    )
    assert _shown(message) == (
        "*Anna, coordinator:*\n"
        "Hello, I am Anna from CancerFax. Which hospital is he in?"
    )
    # The patient answers: it appears in the console, live; the bot is quiet.
    quiet = len(phone.received())
    phone.say("He is at the city hospital")
    expect(console.locator("#transcript li.msg--patient").last).to_contain_text(
        "He is at the city hospital", timeout=LIVE_MS
    )
    phone.settle()
    assert len(phone.received()) == quiet
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    console.screenshot(path=str(SCREENSHOTS / "whatsapp-console-open-window.png"))

    # A day and more later: the window has closed.
    world.close_window("whatsapp", phone.sender_id, hours=25)
    console.reload()
    expect(console.locator("body")).to_contain_text(
        "only approved templates can be sent"
    )
    before = len(phone.received())
    _reply(console, "The specialist can see him on Monday.")
    (template,) = wait_until(lambda: phone.received()[before:], what="the template")
    assert template["type"] == "template"
    assert template["template"]["name"] == TEMPLATE
    assert template["template"]["components"][0]["parameters"][0]["text"] == "Anna"
    # The coordinator is told, on the ticket.
    console.reload()
    expect(console.locator("body")).to_contain_text("24-hour window", timeout=LIVE_MS)
    console.screenshot(path=str(SCREENSHOTS / "whatsapp-console-closed-window.png"))

    # The patient answers the template: the reply itself arrives.
    phone.say("ok, I am here")
    wait_until(
        lambda: any("on Monday" in t for t in phone.shown()),
        what="the held reply after the patient wrote",
    )
    assert [t for t in phone.shown() if "on Monday" in t] == [
        "*Anna, coordinator:*\nThe specialist can see him on Monday."
    ]
