"""Shared steps of the widget browser tests (what a patient does and sees)."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from typing import Any, Dict, List

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


def open_chat(page: Page, servers: ServerSet, path: str = "/") -> None:
    """Go to the demo page, open the widget and wait for the greeting."""
    page.goto(servers.console_url + path)
    launcher(page).click()
    expect(bot_bubbles(page).first).to_contain_text(GREETING, timeout=REPLY_MS)


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
