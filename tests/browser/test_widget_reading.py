"""Room to read and the start of every answer, on a phone and on a laptop.

Each test runs at 390x844 (touch, device scale factor 2) and 1366x768
(``sized_page``) unless it is about the phone only, against the real servers.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from widget_helpers import (
    GREETING,
    REPLY_MS,
    RESULT,
    bot_bubbles,
    box,
    first_line_visible,
    launcher,
    open_chat,
    play_screening,
    rasa_api,
    rows,
    say,
    screenshot,
    session_id,
    textbox,
    top_visible,
    where,
)

from bot.console.devservers import ServerSet

#: A phone's fixed parts (header, notices, text box) may take this much.
FIXED_BUDGET_PX = 140

ACTIVE_ID = """() => {
  const el = document.getElementById('cryo-chat-widget').shadowRoot.activeElement;
  return el ? (el.id || el.className) : null;
}"""


def _scroll_conversation(page: Page, top: float) -> None:
    """The reader scrolls the conversation (as a finger or a wheel would)."""
    page.locator(".cw-body").evaluate("(b, top) => { b.scrollTop = top; }", top)
    # The widget sees the reader's scroll in its scroll event handler.
    page.wait_for_function(
        """(top) => Math.abs(document.getElementById('cryo-chat-widget')
             .shadowRoot.querySelector('.cw-body').scrollTop - top) < 2""",
        arg=top,
    )
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => r()))")


def test_greeting_opens_at_its_first_line(
    sized_page: Page, size: str, servers: ServerSet
) -> None:
    page = sized_page
    open_chat(page, servers)
    greeting = rows(page).first
    assert first_line_visible(greeting), where(greeting)
    # The disclaimer is said once, in the conversation, above the greeting.
    disclaimer = page.locator(".cw-disclaimer")
    expect(disclaimer).to_have_count(1)
    expect(disclaimer).to_be_in_viewport()
    expect(disclaimer).to_contain_text("never a diagnosis")
    # "Not a doctor": once in the header (and in the greeting, which is the
    # bot's own first message), not again under the text box.
    expect(page.locator(".cw-header")).to_contain_text("not a doctor")
    expect(page.locator(".cw-footer")).not_to_contain_text("doctor")
    expect(disclaimer).not_to_contain_text("not a doctor")
    # At most one "Talk to a coordinator" on the first screen (the greeting
    # may suggest it); the widget's own is in the menu, hidden until opened.
    coordinator = page.get_by_role("button", name="Talk to a coordinator")
    assert coordinator.count() <= 1
    expect(page.locator(".cw-menu")).to_be_hidden()
    screenshot(page, f"{size}-greeting")


def test_opening_focuses_the_text_box_on_a_laptop_only(
    sized_page: Page, size: str, servers: ServerSet
) -> None:
    page = sized_page
    open_chat(page, servers)
    if size == "phone":
        # No on-screen keyboard over the greeting: the focus is in the dialog,
        # not in the text box.
        assert page.evaluate(ACTIVE_ID) not in ("cw-input", None)
        # The patient taps the text box when ready to type.
        textbox(page).tap()
        assert page.evaluate(ACTIVE_ID) == "cw-input"
    else:
        assert page.evaluate(ACTIVE_ID) == "cw-input"


def test_multi_message_reply_opens_at_its_start(
    sized_page: Page, size: str, servers: ServerSet
) -> None:
    page = sized_page
    open_chat(page, servers)
    # "Could it work for me?": the introduction to the check, then the
    # consent question, in several messages.
    first = say(page, "Could it work for me?")
    reply = page.locator(f".cw-log > li:nth-child(n+{first + 1})")
    assert reply.count() >= 2
    start = reply.first
    assert top_visible(start), where(start)
    assert first_line_visible(start)
    g = where(reply.last)
    pill = page.locator(".cw-pill")
    if g["scrollMax"] - g["scrollTop"] > 16:
        # More below: the reader is told, and the button shows the next part.
        expect(pill).to_be_visible()
        expect(pill).to_have_accessible_name("New messages")
        screenshot(page, f"{size}-reply-start")
        before = where(start)["scrollTop"]
        pill.click()
        assert where(start)["scrollTop"] > before
    else:
        expect(pill).to_be_hidden()
        screenshot(page, f"{size}-reply-start")


def test_view_stays_put_while_the_reader_scrolls_up(
    sized_page: Page, size: str, servers: ServerSet
) -> None:
    page = sized_page
    open_chat(page, servers)
    say(page, "Could it work for me?")
    say(page, "what is cryoablation?")
    _scroll_conversation(page, 0)
    expect(page.locator(".cw-pill")).to_be_hidden()

    # A coordinator writes while the patient reads the beginning.
    rasa_api(
        servers,
        "POST",
        f"/conversations/web:{session_id(page)}/tracker/events"
        "?output_channel=socketio&execute_side_effects=true",
        [
            {
                "event": "bot",
                "text": "Hello, I am Anna, a coordinator.",
                "metadata": {"from": "coordinator", "name": "Anna"},
            },
            {
                "event": "bot",
                "text": "I will call you today.",
                "metadata": {"from": "coordinator", "name": "Anna"},
            },
        ],
    )
    coordinator = page.locator(".cw-msg--coordinator")
    expect(coordinator).to_have_count(2, timeout=REPLY_MS)
    # The view did not move; the pill says there is something new below.
    assert where(rows(page).first)["scrollTop"] == 0
    pill = page.locator(".cw-pill")
    expect(pill).to_be_visible()
    screenshot(page, f"{size}-new-messages-pill")

    # Back at the bottom (the reader's own scroll): the pill goes away, and
    # the next message is followed again.
    _scroll_conversation(page, where(rows(page).first)["scrollMax"])
    expect(pill).to_be_hidden()
    answer = say(page, "How long does the procedure take?")
    assert top_visible(rows(page).nth(answer))


def test_screening_result_is_readable_from_its_first_line(
    sized_page: Page, size: str, servers: ServerSet
) -> None:
    page = sized_page
    open_chat(page, servers)
    reply = play_screening(page)
    result = reply.filter(has_text=RESULT).first
    expect(result).to_be_attached()
    # Before the fix the chat showed the end ("Please remember: ...") with
    # the result far above.
    assert first_line_visible(result), where(result)
    assert top_visible(reply.first), where(reply.first)
    screenshot(page, f"{size}-screening-result")


def test_fixed_parts_leave_room_to_read_on_a_phone(
    phone_page: Page, servers: ServerSet
) -> None:
    page = phone_page
    open_chat(page, servers)
    say(page, "what is cryoablation?")
    panel = box(page, ".cw-panel")
    main = box(page, ".cw-main")
    assert panel["height"] == 844
    fixed = panel["height"] - main["height"]
    assert fixed <= FIXED_BUDGET_PX, f"header, notices and input take {fixed} px"
    # The controls are in the header's menu; Clear asks first.
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    menu.tap()
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(
        page.get_by_role("button", name="Talk to a coordinator").last
    ).to_be_visible()
    page.get_by_role("button", name="Clear conversation").tap()
    expect(page.locator(".cw-confirm")).to_contain_text("Delete this conversation")
    screenshot(page, "phone-clear-confirmation")
    page.get_by_role("button", name="Cancel").tap()
    expect(page.locator(".cw-menu")).to_be_hidden()
    expect(bot_bubbles(page)).not_to_have_count(0)


def _newest_is_above_the_input(page: Page, height: float, whole: bool) -> None:
    """The text box is on screen and the newest message shows above it.

    ``whole``: its end too (it was fully visible before the keyboard opened).
    """
    bubble = rows(page).last.locator(".cw-bubble").bounding_box()
    form = box(page, ".cw-form")
    header = box(page, ".cw-header")
    assert bubble is not None
    assert form["y"] + form["height"] <= height + 0.5, "the text box is hidden"
    top, bottom = bubble["y"], bubble["y"] + bubble["height"]
    view_top = header["y"] + header["height"]
    # At least two lines of it in the visible part, above the text box.
    assert min(bottom, form["y"]) - max(top, view_top) >= 48, (bubble, form)
    if whole:
        assert view_top <= top and bottom <= form["y"], (bubble, form)


def test_keyboard_open_keeps_the_newest_message_above_the_input(
    phone_page: Page, servers: ServerSet
) -> None:
    page = phone_page
    open_chat(page, servers)
    say(page, "Could it work for me?")
    say(page, "is it painful?")
    _newest_is_above_the_input(page, 844, whole=True)
    textbox(page).tap()
    # The on-screen keyboard takes the lower part of the screen.
    page.set_viewport_size({"width": 390, "height": 480})
    expect(page.locator(".cw-panel")).to_have_js_property("offsetHeight", 480)
    _newest_is_above_the_input(page, 480, whole=False)
    screenshot(page, "phone-keyboard-open")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator(".cw-panel")).to_have_js_property("offsetHeight", 844)


# Chrome on Android and Safari shrink only the *visual* viewport when the
# keyboard opens: the layout viewport (and 100vh, 100dvh) stays full height.
# This stands in for that keyboard: window.visualViewport reports the height
# left above it and fires "resize", exactly what the browser does.
FAKE_KEYBOARD = """
(() => {
  const real = window.visualViewport;
  const fake = new EventTarget();
  let covered = 0;
  for (const k of ['width', 'offsetLeft', 'offsetTop', 'pageLeft', 'pageTop',
                   'scale']) {
    Object.defineProperty(fake, k, {get: () => real[k]});
  }
  Object.defineProperty(fake, 'height', {get: () => real.height - covered});
  Object.defineProperty(window, 'visualViewport', {value: fake, configurable: true});
  window.__keyboard = (px) => {
    covered = px;
    fake.dispatchEvent(new Event('resize'));
  };
})();
"""


def test_layout_follows_the_visual_viewport(
    phone_page: Page, servers: ServerSet
) -> None:
    page = phone_page
    page.add_init_script(FAKE_KEYBOARD)
    open_chat(page, servers)
    say(page, "what is cryoablation?")
    _newest_is_above_the_input(page, 844, whole=True)
    page.evaluate("window.__keyboard(844 - 480)")
    assert page.evaluate("innerHeight") == 844  # the layout viewport did not change
    expect(page.locator(".cw-panel")).to_have_js_property("offsetHeight", 480)
    _newest_is_above_the_input(page, 480, whole=False)
    # Typing with the keyboard up: the answer starts above the text box.
    answer = say(page, "does it hurt?")
    _newest_is_above_the_input(page, 480, whole=False)
    assert top_visible(rows(page).nth(answer))
    page.evaluate("window.__keyboard(0)")
    expect(page.locator(".cw-panel")).to_have_js_property("offsetHeight", 844)


def test_reopened_chat_shows_the_start_of_what_came_while_closed(
    page: Page, servers: ServerSet
) -> None:
    open_chat(page, servers)
    say(page, "what is cryoablation?")
    page.get_by_role("button", name="Close chat").click()
    rasa_api(
        servers,
        "POST",
        f"/conversations/web:{session_id(page)}/tracker/events"
        "?output_channel=socketio&execute_side_effects=true",
        [
            {
                "event": "bot",
                "text": "\n\n".join(["Hello, I am Anna, a coordinator."] * 12),
                "metadata": {"from": "coordinator", "name": "Anna"},
            }
        ],
    )
    expect(launcher(page)).to_contain_text(re.compile(r"1 new"), timeout=REPLY_MS)
    launcher(page).click()
    unread = page.locator(".cw-msg--coordinator")
    assert top_visible(unread), where(unread)
    expect(bot_bubbles(page).first).to_contain_text(GREETING)
