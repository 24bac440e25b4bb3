"""Shared steps of the widget browser tests (what a patient does and sees)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Sequence

from playwright.sync_api import Locator, Page, expect

from bot.console.devservers import ServerSet
from bot.settings import PROJECT_ROOT

#: Longest wait for a reply (the first message of a session runs the actions).
#: Generous: it is only reached when something is broken, and the machine may
#: be busy (a short deadline would fail by chance).
REPLY_MS = 60_000
SCREENSHOTS = PROJECT_ROOT / "test-output" / "screenshots"
GREETING = re.compile(r"automated assistant|not a doctor", re.IGNORECASE)


def launcher(page: Page) -> Locator:
    return page.locator(".cw-launcher")


def textbox(page: Page) -> Locator:
    return page.get_by_role("textbox", name="Type your question")


def bot_bubbles(page: Page) -> Locator:
    return page.locator(".cw-msg--bot .cw-bubble")


def user_bubbles(page: Page) -> Locator:
    return page.locator(".cw-msg--user .cw-bubble")


def rows(page: Page) -> Locator:
    """Every item of the conversation (messages and notices), in order."""
    return page.locator(".cw-log > li")


def is_touch(page: Page) -> bool:
    return bool(page.evaluate("matchMedia('(pointer: coarse)').matches"))


def open_chat(page: Page, servers: ServerSet, path: str = "/") -> None:
    """Go to the demo page, open the widget and wait for the greeting.

    On a touch screen the launcher is tapped, as a finger would.
    """
    page.goto(servers.console_url + path)
    if is_touch(page):
        launcher(page).tap()
    else:
        launcher(page).click()
    expect(bot_bubbles(page).first).to_contain_text(GREETING, timeout=REPLY_MS)
    wait_answered(page)


def wait_answered(page: Page, timeout: float = REPLY_MS) -> None:
    """Wait until every message the patient sent has been answered.

    The widget marks a message sent when its acknowledgement arrives, which
    the server sends after the bot's last message of the reply.
    """
    page.wait_for_function(
        """() => {
          const s = JSON.parse(localStorage.getItem('cryo-chat:v1') || '{}');
          return (s.messages || []).length > 0 && s.messages.every(
            m => m.role !== 'user' || m.status === 'sent');
        }""",
        timeout=timeout,
    )
    expect(page.locator(".cw-typing")).to_be_hidden()


def say(page: Page, text: str) -> int:
    """Answer as a patient: tap the suggested reply titled ``text`` if there is
    one, else type ``text``; wait for the whole reply.

    Returns:
        The index (in :func:`rows`) of the first item of the reply.
    """
    mine = rows(page).count()
    choice = page.locator(".cw-quick").get_by_role("button", name=text, exact=True)
    if choice.count():
        choice.tap() if is_touch(page) else choice.click()
    else:
        box = textbox(page)
        box.fill(text)
        box.press("Enter")
    expect(rows(page)).not_to_have_count(mine + 1, timeout=REPLY_MS)
    wait_answered(page)
    return mine + 1


#: The screening conversation as a patient plays it, one step per message: a
#: suggested reply's title (tapped) or text (typed). It reaches the result
#: "likely suitable" (the first story of tests/test_screening.yml). When the
#: flow changes (a read-back of the values before the result, say), change
#: this list: the tests only need the last step to bring the result.
SCREENING_STEPS: Sequence[str] = (
    "Could it work for me?",
    "Yes, I agree",
    "colon cancer that spread to the liver, two lesions, biggest 28 mm, "
    "platelets 1.2 lakh, bilirubin 0.8 mg/dl",
    # The read-back of the values collected; the result follows it.
    "All correct",
)
#: The first line of every screening result mentions the criteria.
RESULT = re.compile(r"published (selection )?criteria", re.IGNORECASE)


def play_screening(page: Page, steps: Sequence[str] = SCREENING_STEPS) -> Locator:
    """Play the screening conversation in an open widget.

    Returns:
        The items of the last reply (the one that carries the result).
    """
    first = 0
    for step in steps:
        first = say(page, step)
    reply = rows(page)
    count = reply.count()
    assert count > first, "the last step got no reply"
    return page.locator(f".cw-log > li:nth-child(n+{first + 1})")


#: Where an element is, relative to the visible part of the conversation.
_IN_VIEW = """(e) => {
  const body = e.closest('.cw-body');
  const view = body.getBoundingClientRect();
  const box = e.getBoundingClientRect();
  const first = e.querySelector('.cw-bubble p, .cw-bubble li') || e;
  const line = parseFloat(getComputedStyle(first).lineHeight) || 24;
  const text = first.getBoundingClientRect();
  return {top: box.top - view.top, bottom: box.bottom - view.top,
          lineTop: text.top - view.top, lineBottom: text.top - view.top + line,
          view: body.clientHeight, scrollTop: body.scrollTop,
          scrollMax: body.scrollHeight - body.clientHeight};
}"""


def where(locator: Locator) -> Dict[str, float]:
    """Geometry of a conversation item relative to the visible conversation."""
    return locator.evaluate(_IN_VIEW)


def first_line_visible(locator: Locator) -> bool:
    """True when the first line of text of the item is inside the view."""
    g = where(locator)
    return g["lineTop"] >= -1 and g["lineBottom"] <= g["view"] + 1


def top_visible(locator: Locator) -> bool:
    """True when the top edge of the item is inside the view."""
    g = where(locator)
    return -1 <= g["top"] <= g["view"] - 24


def box(page: Page, selector: str) -> Dict[str, float]:
    """Bounding box of a widget element (CSS px), asserting it is shown."""
    found = page.locator(selector).bounding_box()
    assert found is not None, f"{selector} is not shown"
    return found


def ask(page: Page, text: str) -> Locator:
    """Type a message, send it with Enter, and return the next bot bubble."""
    before = bot_bubbles(page).count()
    box = textbox(page)
    box.fill(text)
    box.press("Enter")
    reply = bot_bubbles(page).nth(before)
    expect(reply).to_be_visible(timeout=REPLY_MS)
    return reply


def stored_state(page: Page) -> Dict[str, Any]:
    raw = page.evaluate("localStorage.getItem('cryo-chat:v1')")
    return json.loads(raw) if raw else {}


def session_id(page: Page) -> str:
    return str(stored_state(page).get("sessionId") or "")


def texts(locator: Locator) -> List[str]:
    """Visible texts, without the screen-reader prefixes ("You said:")."""
    return [
        re.sub(r"^(You said:|Assistant said:|.*coordinator, said:)\s*", "", t).strip()
        for t in locator.all_text_contents()
    ]


def screenshot(page: Page, name: str) -> Path:
    """Save a screenshot for human review and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def rasa_api(
    servers: ServerSet, method: str, path: str, body: Any = None
) -> Dict[str, Any]:
    """Call Rasa's HTTP API (enabled with a token by the fixture).

    A widget session ``<id>`` is the conversation ``web:<id>``
    (:mod:`bot.channels.identity`).
    """
    sep = "&" if "?" in path else "?"
    url = f"{servers.rasa_url}{path}{sep}token={servers.rasa_token}"
    data = None if body is None else json.dumps(body).encode("utf-8")
    req = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 - localhost
        return json.loads(resp.read() or b"{}")
