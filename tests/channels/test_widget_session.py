"""Signed widget session tokens: only the server can make one."""

from __future__ import annotations

import os
import stat

import pytest

from bot.channels.widget_session import (
    DEFAULT_MAX_AGE_SECONDS,
    is_session_id,
    issue_token,
    new_session_id,
    resolve_secret,
    verify_token,
)

SECRET = b"s" * 32
NOW = 1_800_000_000.0


def test_a_token_proves_its_session_id() -> None:
    sid = new_session_id()
    assert verify_token(issue_token(sid, SECRET, now=NOW), SECRET, now=NOW) == sid


def test_session_ids_are_random_128_bit_hex() -> None:
    ids = {new_session_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(is_session_id(i) and len(i) == 32 for i in ids)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature changed
        lambda t: t.replace(t.split(".")[1], "0" * 32),  # other session, same sig
        lambda t: t.replace(t.split(".")[2], str(int(t.split(".")[2]) + 1)),  # date
        lambda t: "v2" + t[2:],  # unknown version
        lambda t: t.rsplit(".", 1)[0],  # signature missing
        lambda t: t + ".extra",
        lambda t: "",
    ],
)
def test_altered_tokens_are_rejected(mangle) -> None:
    token = issue_token(new_session_id(), SECRET, now=NOW)
    altered = mangle(token)
    assert altered != token
    assert verify_token(altered, SECRET, now=NOW) is None


def test_a_token_from_another_secret_is_rejected() -> None:
    token = issue_token(new_session_id(), b"other-secret", now=NOW)
    assert verify_token(token, SECRET, now=NOW) is None


@pytest.mark.parametrize(
    "junk", [None, 42, {"token": "x"}, "x" * 500, "v1....", "a.b.c.d"]
)
def test_junk_is_rejected(junk) -> None:
    assert verify_token(junk, SECRET, now=NOW) is None


def test_tokens_expire_and_cannot_come_from_the_future() -> None:
    token = issue_token(new_session_id(), SECRET, now=NOW)
    later = NOW + DEFAULT_MAX_AGE_SECONDS + 1
    assert verify_token(token, SECRET, now=later) is None
    assert verify_token(token, SECRET, now=NOW + 3600) is not None
    assert verify_token(token, SECRET, now=NOW - 3600) is None


def test_issue_refuses_bad_input() -> None:
    with pytest.raises(ValueError):
        issue_token("not-an-id", SECRET)
    with pytest.raises(ValueError):
        issue_token(new_session_id(), b"")


def test_secret_from_settings_wins(tmp_path) -> None:
    assert resolve_secret("configured", False, tmp_path) == b"configured"
    assert not list(tmp_path.iterdir())


def test_development_secret_is_created_once_and_private(tmp_path) -> None:
    first = resolve_secret("", True, tmp_path)
    second = resolve_secret("", True, tmp_path)
    assert first == second and len(first) == 64
    mode = stat.S_IMODE(os.stat(tmp_path / "widget-dev-secret").st_mode)
    assert mode == 0o600


def test_no_secret_outside_development_is_an_error(tmp_path) -> None:
    with pytest.raises(RuntimeError):
        resolve_secret("", False, tmp_path)
