"""The simulated WhatsApp phone (``make run``'s ``/dev/whatsapp/``) in real Chromium.

The console, the Rasa server and the action server run in the development
sandbox: both WhatsApp channels talk to the console's stand-ins, and the page
posts signed webhooks to the real channels. A user of the page sees the
greeting with its reply buttons, taps them, opens a list, sends a PDF, and
switches to Twilio's numbered lists.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator, List

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.console.devservers import ServerSet
from bot.settings import PROJECT_ROOT

SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
REPLY_MS = 60_000
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerSet]:
    model = PROJECT_ROOT / "models" / "cryo.tar.gz"
    if not model.exists():
        pytest.fail(f"{model} does not exist: run `make train` first")
    servers = ServerSet(
        model=model,
        var_dir=tmp_path_factory.mktemp("devphone-var"),
        extra_env={"WHATSAPP_SANDBOX": "1", "TWILIO_SANDBOX": "1"},
    )
    servers.start()
    yield servers
    servers.stop()


@pytest.fixture
def phone_page(browser: Browser, sandbox: ServerSet) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    errors: List[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{sandbox.console_url}/dev/whatsapp/")
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"whatsapp-devphone-{name}.png"))


def business(page: Page):
    return page.locator(".bubble.business")


def send(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()


def test_the_simulated_phone_talks_to_the_real_channel(
    phone_page: Page, tmp_path: Path
):
    page = phone_page
    expect(page.locator("#number")).not_to_have_value("", timeout=10_000)
    send(page, "what is cryoablation?")
    expect(page.locator(".bubble.patient").first).to_contain_text(
        "what is cryoablation?"
    )
    greeting = business(page).first
    expect(greeting).to_contain_text("not a doctor", timeout=REPLY_MS)
    # A list (a title would not fit a reply button uncut), never the payload.
    expect(greeting.locator(".list-open")).to_be_visible()
    expect(page.locator(".chat")).not_to_contain_text("/faq")
    expect(business(page).nth(1)).to_contain_text("freez", timeout=REPLY_MS)
    # The channel marked the message read: blue ticks.
    expect(page.locator(".bubble.patient .ticks.read").first).to_be_attached(
        timeout=REPLY_MS
    )
    shot(page, "greeting")

    greeting.locator(".list-open").click()
    page.get_by_role("dialog").get_by_role(
        "button", name="Could it be an option?"
    ).click()
    consent = business(page).filter(has_text="Do you agree?")
    expect(consent).to_have_count(1, timeout=REPLY_MS)
    consent.get_by_role("button", name="Yes, I agree").click()
    diagnosis = business(page).filter(has_text="What is the diagnosis?")
    expect(diagnosis).to_have_count(1, timeout=REPLY_MS)
    diagnosis.locator(".list-open").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    shot(page, "list")
    page.get_by_role("dialog").get_by_role("button", name="Spread to the liver").click()
    expect(business(page).filter(has_text="How many tumours")).to_have_count(
        1, timeout=REPLY_MS
    )

    report = tmp_path / "discharge-summary.pdf"
    report.write_bytes(b"%PDF-1.4\n% discharge summary\n%%EOF\n")
    page.locator("#file").set_input_files(str(report))
    expect(page.locator(".bubble.patient").last).to_contain_text(
        "discharge-summary.pdf"
    )
    expect(business(page).filter(has_text="I have saved your report")).to_have_count(
        1, timeout=REPLY_MS
    )
    shot(page, "report-saved")


def test_twilio_shows_numbered_choices_and_reads_the_number_back(phone_page: Page):
    page = phone_page
    page.get_by_role("button", name="New patient").click()
    page.locator("#provider").select_option("twilio")
    send(page, "hello")
    greeting = business(page).first
    expect(greeting).to_contain_text("1. What is cryoablation?", timeout=REPLY_MS)
    expect(greeting.locator("button")).to_have_count(0)
    send(page, "2")
    expect(business(page).filter(has_text="1. Yes, I agree")).to_have_count(
        1, timeout=REPLY_MS
    )
    shot(page, "twilio")
