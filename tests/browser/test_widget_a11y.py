"""The widget with a keyboard, a screen reader's view, axe-core, phones, big text."""

from __future__ import annotations

import re
from typing import Any, Dict, List

import pytest
from playwright.sync_api import Page, expect
from widget_helpers import (
    GREETING,
    REPLY_MS,
    ask,
    bot_bubbles,
    launcher,
    open_chat,
    screenshot,
    textbox,
    user_bubbles,
)

from bot.console.devservers import ServerSet
from bot.settings import PROJECT_ROOT

AXE = PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"

ACTIVE = """() => {
  const host = document.getElementById('cryo-chat-widget');
  const el = host && host.shadowRoot.activeElement;
  if (!el) return null;
  const style = getComputedStyle(el);
  return {cls: el.className, id: el.id, text: el.textContent.trim(),
          outline: style.outlineStyle, outlineWidth: parseFloat(style.outlineWidth)};
}"""


def _axe_serious(page: Page) -> List[Dict[str, Any]]:
    """axe-core violations of serious or critical impact on the whole page."""
    if not AXE.exists():
        pytest.fail(f"{AXE} missing: run `make browser` (npm ci)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's CSP (no inline
        # script) does not block it; never served to patients.
        page.evaluate(AXE.read_text(encoding="utf-8"))
    violations = page.evaluate(
        """async () => {
          const r = await axe.run(document, {resultTypes: ['violations']});
          return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.slice(0, 5).map(n => JSON.stringify(n.target))}));
        }"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_keyboard_only_walkthrough(page: Page, servers: ServerSet) -> None:
    page.goto(servers.console_url + "/")
    # Tab through the page until the launcher has the focus.
    for _ in range(60):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active and "cw-launcher" in active["cls"]:
            break
    else:
        pytest.fail("the chat launcher cannot be reached with Tab")
    assert active["outline"] != "none" and active["outlineWidth"] >= 2

    page.keyboard.press("Enter")
    expect(bot_bubbles(page).first).to_contain_text(GREETING, timeout=REPLY_MS)
    assert page.evaluate(ACTIVE)["id"] == "cw-input"

    # Back from the text box to a suggested reply, and choose it.
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        active = page.evaluate(ACTIVE)
        if (
            active
            and active["cls"] == ""
            and active["text"]
            and page.evaluate(
                """() => document.getElementById('cryo-chat-widget').shadowRoot
                 .activeElement.closest('.cw-quick') !== null"""
            )
        ):
            break
    else:
        pytest.fail("no suggested reply reachable with Shift+Tab")
    assert active["outline"] != "none" and active["outlineWidth"] >= 2
    bots = bot_bubbles(page).count()
    page.keyboard.press("Enter")
    expect(user_bubbles(page).last).to_contain_text(active["text"])
    expect(bot_bubbles(page).nth(bots)).to_be_visible(timeout=REPLY_MS)
    assert page.evaluate(ACTIVE)["id"] == "cw-input"

    bots = bot_bubbles(page).count()
    page.keyboard.type("what is cryoablation?")
    page.keyboard.press("Enter")
    expect(bot_bubbles(page).nth(bots)).to_contain_text(
        re.compile(r"\bice", re.IGNORECASE), timeout=REPLY_MS
    )

    page.keyboard.press("Escape")
    expect(textbox(page)).to_be_hidden()
    active = page.evaluate(ACTIVE)
    assert "cw-launcher" in active["cls"]
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")


def test_screen_reader_view(page: Page, servers: ServerSet) -> None:
    open_chat(page, servers)
    # Labelled controls and a named dialog.
    expect(page.get_by_role("dialog", name="Cryoablation questions")).to_be_visible()
    expect(page.get_by_role("button", name="Close chat")).to_be_visible()
    expect(page.get_by_role("button", name="Send")).to_be_visible()
    expect(page.get_by_role("textbox", name="Type your question")).to_be_visible()
    # New messages are announced through a polite live region.
    answer = ask(page, "what is cryoablation?")
    live = page.locator("[aria-live='polite']")
    expect(live).to_contain_text("Assistant said:")
    first_words = answer.inner_text().replace("Assistant said:", "").split()[:4]
    expect(live).to_contain_text(" ".join(first_words))


def test_axe_desktop(page: Page, servers: ServerSet) -> None:
    page.goto(servers.console_url + "/")
    expect(launcher(page)).to_be_visible()
    assert _axe_serious(page) == []
    screenshot(page, "desktop-closed")
    launcher(page).click()
    expect(bot_bubbles(page).first).to_contain_text(GREETING, timeout=REPLY_MS)
    ask(page, "what is cryoablation?")
    assert _axe_serious(page) == []
    screenshot(page, "desktop-open")


def test_phone_full_screen_and_axe(phone_page: Page, servers: ServerSet) -> None:
    page = phone_page
    page.goto(servers.console_url + "/")
    expect(launcher(page)).to_be_visible()
    screenshot(page, "phone-closed")
    assert _axe_serious(page) == []
    launcher(page).click()
    expect(bot_bubbles(page).first).to_contain_text(GREETING, timeout=REPLY_MS)
    box = page.locator(".cw-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
    # Full screen, it behaves as a modal dialog: Tab stays inside.
    expect(page.locator(".cw-panel")).to_have_attribute("aria-modal", "true")
    textbox(page).focus()
    page.keyboard.press("Tab")  # Send
    page.keyboard.press("Tab")  # wraps to the first control
    assert page.evaluate(ACTIVE)["cls"] == "cw-icon-button"  # Close chat
    screenshot(page, "phone-open")
    ask(page, "what is cryoablation?")
    assert _axe_serious(page) == []
    screenshot(page, "phone-conversation")


def test_text_follows_the_browser_text_size(page: Page, servers: ServerSet) -> None:
    def bubble_px() -> float:
        page.goto(servers.console_url + "/")
        # A host page that shrinks its own root font must not shrink the widget.
        page.evaluate("document.documentElement.style.fontSize = '62.5%'")
        if launcher(page).is_visible():
            launcher(page).click()
        expect(bot_bubbles(page).first).to_be_visible(timeout=REPLY_MS)
        return float(
            bot_bubbles(page).first.evaluate(
                "e => parseFloat(getComputedStyle(e).fontSize)"
            )
        )

    assert bubble_px() == 16  # the browser default, not the page's 10px
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 24, "fixed": 20}})
    assert bubble_px() == 24  # the visitor's larger text setting applies
