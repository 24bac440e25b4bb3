"""Console sessions (server-side) and the failed sign-in throttle.

Sessions live in the database, so every console process recognises every
session, a disabled account is signed out everywhere at once, and sign-out
really ends the session. The cookie carries a random token; only its SHA-256
is stored. Each session has its own CSRF token.

The throttle counts failed sign-ins per account and per address in a sliding
window, in the database for the same reason (an attacker spreading attempts
over several console processes gains nothing). Keys are hashed by the caller
(an HMAC of the e-mail or address), so the table does not say who tried.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional, Tuple

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.store.models import SigninFailure, Staff, StaffSession
from bot.store.types import utcnow

#: A session's ``last_seen_at`` is written at most this often (not per request).
TOUCH_EVERY = timedelta(seconds=30)
ACCOUNT = "account"
ADDRESS = "address"


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_session(
    *, session: Session, staff: Staff, lifetime: timedelta, now: datetime | None = None
) -> Tuple[str, StaffSession]:
    """Start a new session for ``staff`` (always a new id: no fixation).

    Returns:
        The token for the cookie, and the stored session.

    """
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    row = StaffSession(
        token_hash=token_hash(token),
        staff_id=staff.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime,
    )
    session.add(row)
    session.flush()
    return token, row


@dataclass(frozen=True)
class SessionCheck:
    """The outcome of looking a cookie's token up."""

    row: Optional[StaffSession]
    #: ``None`` when valid; ``missing``, ``expired``, ``idle`` or ``disabled``.
    problem: Optional[str]


def load_session(
    *,
    session: Session,
    token: str | None,
    idle: timedelta,
    touch: bool = True,
    now: datetime | None = None,
) -> SessionCheck:
    """Find the session of a cookie's token, ending it if it has lapsed.

    Args:
        session: the caller's session.
        token: the cookie's value.
        idle: the idle timeout.
        touch: record this request as activity (False for live streams, so
            an open page alone does not keep a session alive).
        now: the current time (tests).

    """
    if not token:
        return SessionCheck(None, "missing")
    now = now or utcnow()
    row = session.scalars(
        select(StaffSession).where(StaffSession.token_hash == token_hash(token))
    ).one_or_none()
    if row is None:
        return SessionCheck(None, "missing")
    problem = None
    if row.expires_at <= now:
        problem = "expired"
    elif row.last_seen_at + idle <= now:
        problem = "idle"
    elif row.staff is None or not row.staff.active:
        problem = "disabled"
    if problem:
        session.delete(row)
        session.flush()
        return SessionCheck(None, problem)
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        session.flush()
    return SessionCheck(row, None)


def end_session(*, session: Session, token: str | None) -> None:
    """Sign out: delete the session of this token (if any)."""
    if token:
        session.execute(
            delete(StaffSession).where(StaffSession.token_hash == token_hash(token))
        )


def purge_sessions(
    *, session: Session, idle: timedelta, now: datetime | None = None
) -> int:
    """Delete lapsed sessions; returns how many."""
    now = now or utcnow()
    return session.execute(
        delete(StaffSession).where(
            (StaffSession.expires_at <= now) | (StaffSession.last_seen_at <= now - idle)
        )
    ).rowcount


def count_failures(
    *,
    session: Session,
    kind: str,
    key_hash: str,
    window: timedelta,
    now: datetime | None = None,
) -> int:
    """Failed sign-ins for this key within the window."""
    since = (now or utcnow()) - window
    return int(
        session.scalar(
            select(func.count(SigninFailure.id)).where(
                SigninFailure.kind == kind,
                SigninFailure.key_hash == key_hash,
                SigninFailure.at > since,
            )
        )
        or 0
    )


def record_failure(
    *, session: Session, account_key: str, address_key: str, now: datetime | None = None
) -> None:
    """Count one failed sign-in against the account and the address."""
    now = now or utcnow()
    session.add(SigninFailure(kind=ACCOUNT, key_hash=account_key, at=now))
    session.add(SigninFailure(kind=ADDRESS, key_hash=address_key, at=now))
    session.flush()


def clear_account_failures(*, session: Session, account_key: str) -> None:
    """A successful sign-in ends the account's run of failures ("in a row")."""
    session.execute(
        delete(SigninFailure).where(
            SigninFailure.kind == ACCOUNT, SigninFailure.key_hash == account_key
        )
    )


def purge_failures(
    *, session: Session, older_than: timedelta, now: datetime | None = None
) -> int:
    """Forget failures older than the window; returns how many."""
    cutoff = (now or utcnow()) - older_than
    return session.execute(
        delete(SigninFailure).where(SigninFailure.at <= cutoff)
    ).rowcount
