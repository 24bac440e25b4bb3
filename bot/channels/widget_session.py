"""Server-signed session tokens for the website widget.

A widget conversation is a Rasa tracker keyed by a session id. Anyone who
knows a session id could otherwise read the replies of that conversation
(they are emitted to a socket.io room named after it) and write into it. So
the id alone is never trusted: the channel issues it together with a token,

    v1.<session_id>.<issued_at>.<signature>

where ``signature`` is HMAC-SHA256 (``WIDGET_SECRET``) over the first three
parts, base64url without padding. A client proves it owns a session by
presenting the token; a guessed or altered one fails
:func:`verify_token` and the client is given a fresh session instead.

Tokens expire (``max_age``, 24 h by default, the same as a Rasa session) and
are re-issued on every reconnect, so an active conversation never expires
while an abandoned one on a shared computer does.

This module is pure (no Rasa, no I/O) except :func:`resolve_secret`, which may
create the development secret file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import re
import secrets
import time
from pathlib import Path
from typing import Optional

logger = logging.getLogger(__name__)

TOKEN_VERSION = "v1"
#: A Rasa session expires after 24 h of silence; a token lives as long.
DEFAULT_MAX_AGE_SECONDS = 24 * 3600
#: Tolerated clock difference between replicas, in seconds.
CLOCK_SKEW_SECONDS = 300
_SESSION_ID = re.compile(r"^[0-9a-f]{32}$")
_DEV_SECRET_FILE = "widget-dev-secret"


def new_session_id() -> str:
    """A fresh, unguessable session id (128 random bits, hex)."""
    return secrets.token_hex(16)


def is_session_id(value: object) -> bool:
    """True for strings shaped like the ids :func:`new_session_id` makes."""
    return isinstance(value, str) and bool(_SESSION_ID.match(value))


def _sign(secret: bytes, message: str) -> str:
    digest = hmac.new(secret, message.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def issue_token(session_id: str, secret: bytes, now: Optional[float] = None) -> str:
    """Sign a session id.

    Args:
        session_id: an id made by :func:`new_session_id`.
        secret: the HMAC key (see :func:`resolve_secret`).
        now: issue time (seconds since the epoch); the current time by default.

    Returns:
        The token to hand to the widget.

    Raises:
        ValueError: if ``session_id`` is not a valid session id or the secret is
            empty.
    """
    if not is_session_id(session_id):
        raise ValueError("not a widget session id")
    if not secret:
        raise ValueError("empty widget secret")
    issued = int(time.time() if now is None else now)
    body = f"{TOKEN_VERSION}.{session_id}.{issued}"
    return f"{body}.{_sign(secret, body)}"


def verify_token(
    token: object,
    secret: bytes,
    max_age: float = DEFAULT_MAX_AGE_SECONDS,
    now: Optional[float] = None,
) -> Optional[str]:
    """Check a token and return the session id it proves, or None.

    Args:
        token: what the client sent (anything; non-strings fail).
        secret: the HMAC key the token was issued with.
        max_age: seconds after issue when the token stops being accepted.
        now: the current time (for tests).

    Returns:
        The session id, or ``None`` for a missing, malformed, forged or expired
        token.
    """
    if not isinstance(token, str) or len(token) > 200 or not secret:
        return None
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != TOKEN_VERSION:
        return None
    _, session_id, issued_text, signature = parts
    if not is_session_id(session_id) or not issued_text.isdigit():
        return None
    expected = _sign(secret, f"{TOKEN_VERSION}.{session_id}.{issued_text}")
    # Constant-time comparison: timing must not reveal how much of a forged
    # signature was right.
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        return None
    current = time.time() if now is None else now
    issued = int(issued_text)
    if issued > current + CLOCK_SKEW_SECONDS or current - issued > max_age:
        return None
    return session_id


def resolve_secret(widget_secret: str, is_development: bool, var_dir: Path) -> bytes:
    """The HMAC key for widget tokens.

    ``WIDGET_SECRET`` when set. On a developer's machine without one, a random
    secret kept in ``var/widget-dev-secret`` (mode 0600), so that a page reload
    after restarting Rasa still continues the conversation. Elsewhere an empty
    secret is an error (``Settings.check`` has already refused it at start-up).

    Args:
        widget_secret: ``get_settings().widget_secret``.
        is_development: ``get_settings().is_development``.
        var_dir: ``get_settings().var_dir``.

    Returns:
        The key as bytes.

    Raises:
        RuntimeError: outside development when no secret is configured.
    """
    if widget_secret:
        return widget_secret.encode("utf-8")
    if not is_development:
        raise RuntimeError("WIDGET_SECRET is required outside development")
    path = Path(var_dir) / _DEV_SECRET_FILE
    try:
        existing = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        existing = ""
    if existing:
        return existing.encode("ascii")
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    # O_EXCL: two processes starting together must not overwrite each other's
    # secret; the loser reads the winner's.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip().encode("ascii")
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(value)
    logger.warning("WIDGET_SECRET is not set: using a development secret in %s", path)
    return value.encode("ascii")
