"""The widget with a keyboard, a screen reader's view, axe-core, phones, big text."""

from __future__ import annotations

import io
import re
from typing import Any, Dict, List, Tuple

import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from widget_helpers import (
    GREETING,
    REPLY_MS,
    SCREENSHOTS,
    ask,
    bot_bubbles,
    launcher,
    open_chat,
    say,
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


def _axe(page: Page) -> List[Dict[str, Any]]:
    """axe-core violations, of any impact, on the whole page (widget included)."""
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
    return list(violations)


def _tab_to_launcher(page: Page) -> Dict[str, Any]:
    """Tab through the page until the launcher has the focus."""
    for _ in range(60):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        if active and "cw-launcher" in active["cls"]:
            return dict(active)
    pytest.fail("the chat launcher cannot be reached with Tab")


def test_keyboard_only_walkthrough(page: Page, servers: ServerSet) -> None:
    page.goto(servers.console_url + "/")
    active = _tab_to_launcher(page)
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
    expect(page.get_by_role("button", name="Menu")).to_have_attribute(
        "aria-expanded", "false"
    )
    # A reply of several messages is announced whole, from its first message.
    first = say(page, "Could it work for me?")
    reply = page.locator(f".cw-log > li:nth-child(n+{first + 1}) .cw-bubble")
    assert reply.count() >= 2
    for bubble in (reply.first, reply.last):
        words = bubble.inner_text().replace("Assistant said:", "").split()[:5]
        expect(live).to_contain_text(" ".join(words))


def test_axe_desktop(page: Page, servers: ServerSet) -> None:
    page.goto(servers.console_url + "/")
    expect(launcher(page)).to_be_visible()
    assert _axe(page) == []
    screenshot(page, "desktop-closed")
    launcher(page).click()
    expect(bot_bubbles(page).first).to_contain_text(GREETING, timeout=REPLY_MS)
    # A long reply: the "New messages" button is shown too.
    say(page, "Could it work for me?")
    expect(page.locator(".cw-pill")).to_be_visible()
    assert _axe(page) == []
    screenshot(page, "desktop-open")
    # The menu and its confirmation.
    page.get_by_role("button", name="Menu").click()
    assert _axe(page) == []
    page.get_by_role("button", name="Clear conversation").click()
    assert _axe(page) == []
    page.keyboard.press("Escape")
    expect(page.locator(".cw-menu")).to_be_hidden()
    # The menu's Escape closes the menu only, and gives the focus back.
    assert page.evaluate(ACTIVE)["cls"] == "cw-icon-button"
    expect(textbox(page)).to_be_visible()


def test_phone_full_screen_and_axe(phone_page: Page, servers: ServerSet) -> None:
    page = phone_page
    page.goto(servers.console_url + "/")
    expect(launcher(page)).to_be_visible()
    screenshot(page, "phone-closed")
    assert _axe(page) == []
    launcher(page).click()
    expect(bot_bubbles(page).first).to_contain_text(GREETING, timeout=REPLY_MS)
    box = page.locator(".cw-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 390, "height": 844}
    # Full screen, it behaves as a modal dialog: Tab stays inside.
    expect(page.locator(".cw-panel")).to_have_attribute("aria-modal", "true")
    textbox(page).focus()
    page.keyboard.press("Tab")  # Send
    page.keyboard.press("Tab")  # wraps to the first control: the menu
    assert page.evaluate(ACTIVE)["cls"] == "cw-icon-button"
    expect(page.get_by_role("button", name="Menu")).to_be_focused()
    screenshot(page, "phone-open")
    ask(page, "what is cryoablation?")
    assert _axe(page) == []
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


def _luminance(rgb: Tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: Tuple[int, ...], b: Tuple[int, ...]) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


MARGIN = 12  # px around the launcher in the measured screenshots


def _launcher_shot(page: Page) -> Tuple[Image.Image, Dict[str, int]]:
    found = launcher(page).bounding_box()
    assert found is not None
    clip = {
        "x": round(found["x"]) - MARGIN,
        "y": round(found["y"]) - MARGIN,
        "width": round(found["width"]) + 2 * MARGIN,
        "height": round(found["height"]) + 2 * MARGIN,
    }
    png = page.screenshot(clip=clip, animations="disabled")
    return Image.open(io.BytesIO(png)).convert("RGB"), clip


def _ring_widths(focused: Image.Image, plain: Image.Image) -> List[int]:
    """On each side of the launcher, the widest run of pixels outside it whose
    colour contrasts at least 3:1 with the same pixel unfocused."""
    w, h = focused.size
    cx, cy = w // 2, h // 2
    inner = MARGIN  # the launcher's edge is MARGIN px inside the shot
    sides = {
        "left": [(inner - 1 - i, cy) for i in range(MARGIN - 1)],
        "right": [(w - inner + i, cy) for i in range(MARGIN - 1)],
        "top": [(cx, inner - 1 - i) for i in range(MARGIN - 1)],
        "bottom": [(cx, h - inner + i) for i in range(MARGIN - 1)],
    }
    widths = []
    for points in sides.values():
        best = run = 0
        for xy in points:
            ok = _contrast(focused.getpixel(xy), plain.getpixel(xy)) >= 3
            run = run + 1 if ok else 0
            best = max(best, run)
        widths.append(best)
    return widths


def test_launcher_focus_ring_shows_on_dark_and_light_backgrounds(
    page: Page, servers: ServerSet
) -> None:
    """WCAG 2.4.13-style measure: the focus indicator's pixels contrast 3:1
    with the same pixels unfocused, all around, over the page's light body
    and over its dark footer."""
    page.goto(servers.console_url + "/")
    expect(launcher(page)).to_be_visible()
    backgrounds = {"light": "window.scrollTo(0, 0)", "dark": "window.scrollTo(0, 1e6)"}
    plain = {}
    for name, scroll in backgrounds.items():
        page.evaluate(scroll)
        plain[name] = _launcher_shot(page)[0]
    # What the launcher sits on: the white page, the dark footer.
    assert _luminance(plain["light"].getpixel((2, 2))) > 0.7
    assert _luminance(plain["dark"].getpixel((2, 2))) < 0.05

    page.evaluate(backgrounds["light"])
    _tab_to_launcher(page)
    for name, scroll in backgrounds.items():
        page.evaluate(scroll)
        focused = _launcher_shot(page)[0]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        focused.save(SCREENSHOTS / f"focus-ring-{name}.png")
        widths = _ring_widths(focused, plain[name])
        assert min(widths) >= 2, f"focus ring on {name}: {widths} px at 3:1"
