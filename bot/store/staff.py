"""Staff accounts: scrypt password hashes (stdlib) and roles.

Hash format: ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``, with a random
16-byte salt per password; the parameters are stored so they can be raised
later without invalidating existing hashes. Verification compares in constant
time, and an unknown e-mail costs the same time as a wrong password.

Parameters: N=2^17, r=8, p=1, which is OWASP's Password Storage Cheat Sheet
minimum for scrypt (128 MiB of memory per hash, about 0.4 s on the
development machine). A hash made with weaker parameters (the first release
used N=2^14) is replaced at the next successful sign-in
(:func:`needs_rehash`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.store.audit import record_audit
from bot.store.models import STAFF_ROLES, Staff
from bot.store.types import utcnow

SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32
#: hashlib's default limit (32 MiB) is below what N=2^17, r=8 needs (128 MiB).
SCRYPT_MAXMEM = 256 * 1024 * 1024
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024


def hash_password(password: str) -> str:
    """Hash ``password`` with scrypt and a random salt."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=SCRYPT_DKLEN,
        maxmem=SCRYPT_MAXMEM,
    )
    return "$".join(
        [
            "scrypt",
            str(SCRYPT_N),
            str(SCRYPT_R),
            str(SCRYPT_P),
            base64.b64encode(salt).decode("ascii"),
            base64.b64encode(digest).decode("ascii"),
        ]
    )


def verify_password(password: str, encoded: str) -> bool:
    """Check that ``password`` matches ``encoded`` (constant-time comparison)."""
    try:
        scheme, n, r, p, salt_b64, digest_b64 = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest_b64)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt_b64),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=SCRYPT_MAXMEM,
        )
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(actual, expected)


def needs_rehash(encoded: str) -> bool:
    """True when ``encoded`` was made with weaker parameters than today's."""
    try:
        scheme, n, r, p, _salt, _digest = encoded.split("$")
        return scheme != "scrypt" or (int(n), int(r), int(p)) < (
            SCRYPT_N,
            SCRYPT_R,
            SCRYPT_P,
        )
    except ValueError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Return a hash to verify against when the e-mail is unknown (same timing).

    Made on first use, not at import: scrypt is deliberately slow.
    """
    return hash_password(secrets.token_urlsafe(16))


def normalise_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively."""
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise ValueError("not an e-mail address")
    return email


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"passwords need at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"passwords have at most {MAX_PASSWORD_LENGTH} characters")


def create_staff(
    *,
    session: Session,
    email: str,
    password: str,
    role: str = "coordinator",
    display_name: str | None = None,
    actor: str = "cli",
) -> Staff:
    """Create a staff account.

    Args:
        session: the caller's session.
        email: login e-mail (unique, case-insensitive).
        password: at least 12 characters; only its hash is stored.
        role: ``coordinator`` or ``admin``.
        display_name: the name shown in the console.
        actor: who creates it, for the audit log.

    Returns:
        The new account.

    Raises:
        ValueError: bad role, e-mail or password.
        sqlalchemy.exc.IntegrityError: the e-mail already has an account.

    """
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    _check_password(password)
    staff = Staff(
        email=normalise_email(email),
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        active=True,
        created_at=utcnow(),
    )
    session.add(staff)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="staff_created",
        staff_id=staff.id,
        detail=f"role={role}",
    )
    return staff


def get_staff_by_email(*, session: Session, email: str) -> Staff | None:
    """Return the account with this e-mail, or None."""
    try:
        email = normalise_email(email)
    except ValueError:
        return None
    return session.scalars(select(Staff).where(Staff.email == email)).one_or_none()


def authenticate(*, session: Session, email: str, password: str) -> Staff | None:
    """Return the active account matching e-mail and password, or None.

    Takes the same time whether or not the e-mail exists.
    """
    # A megabyte "password" would only burn CPU: no account has one.
    password = password[: MAX_PASSWORD_LENGTH + 1]
    staff = get_staff_by_email(session=session, email=email)
    if staff is None or not staff.active:
        verify_password(password, _dummy_hash())
        return None
    if not verify_password(password, staff.password_hash):
        return None
    if needs_rehash(staff.password_hash):
        staff.password_hash = hash_password(password)
    staff.last_login_at = utcnow()
    session.flush()
    return staff


def set_password(*, session: Session, staff: Staff, password: str) -> None:
    """Replace a staff member's password."""
    _check_password(password)
    staff.password_hash = hash_password(password)
    session.flush()


def get_staff(*, session: Session, staff_id: int) -> Staff | None:
    """Return the account with this id, or None."""
    return session.get(Staff, staff_id)


def list_staff(*, session: Session) -> list:
    """Every account, admins first, then by e-mail."""
    return list(session.scalars(select(Staff).order_by(Staff.role, Staff.email)))


def set_active(
    *, session: Session, staff: Staff, active: bool, by: Staff | None = None
) -> Staff:
    """Enable or disable an account; disabling ends its sessions at once.

    Args:
        session: the caller's session.
        staff: the account.
        active: False to disable.
        by: the administrator who did it (None: the command line).

    """
    from sqlalchemy import delete

    from bot.store.models import StaffSession

    staff.active = active
    if not active:
        session.execute(delete(StaffSession).where(StaffSession.staff_id == staff.id))
    session.flush()
    record_audit(
        session=session,
        actor=f"staff:{by.id}" if by else "cli",
        action="staff_enabled" if active else "staff_disabled",
        staff_id=by.id if by else None,
        detail=f"staff={staff.id}",
    )
    return staff
