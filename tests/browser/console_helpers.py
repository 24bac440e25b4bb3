"""Steps of the coordinator console's browser tests (what a coordinator does)."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any, List

from playwright.sync_api import Page, expect

from bot.console.devservers import ServerSet

LIVE_MS = 20_000
PASSWORD = "a long coordinator password"


def sign_in(
    page: Page, servers: ServerSet, email: str, password: str = PASSWORD
) -> None:
    """Sign in to the console through its form."""
    page.goto(servers.console_url + "/console/")
    # Anonymous: sent to the sign-in page, which will bring us back.
    expect(page).to_have_url(re.compile(r"/console/signin\?next="))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Queue")).to_be_visible()


def queue_rows(page: Page):
    return page.locator("#queue-rows tr")


def transcript(page: Page):
    return page.locator("#transcript li")


def database(servers: ServerSet) -> sqlite3.Connection:
    """The SQLite file the three processes share (read-only use)."""
    return sqlite3.connect(f"file:{Path(servers.var_dir) / 'app.db'}?mode=ro", uri=True)


def rows(servers: ServerSet, sql: str, *params: Any) -> List[tuple]:
    with database(servers) as connection:
        return list(connection.execute(sql, params))


def decrypt(servers: ServerSet, token: str) -> Any:
    """Decrypt a stored value with the key the servers use (the test holds it)."""
    from cryptography.fernet import Fernet, MultiFernet

    keys = servers.environment()["DATA_ENCRYPTION_KEYS"].split(",")
    plain = MultiFernet([Fernet(k) for k in keys]).decrypt(token.encode()).decode()
    try:
        return json.loads(plain)
    except ValueError:
        return plain
