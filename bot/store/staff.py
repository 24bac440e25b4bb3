"""Staff accounts: scrypt password hashes (stdlib) and roles.

Hash format: ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``, with a random
16-byte salt per password; the parameters are stored so they can be raised
later without invalidating existing hashes. Verification compares in constant
time, and an unknown e-mail costs the same time as a wrong password.
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

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SCRYPT_DKLEN = 32
MIN_PASSWORD_LENGTH = 12


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
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


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
    staff = get_staff_by_email(session=session, email=email)
    if staff is None or not staff.active:
        verify_password(password, _dummy_hash())
        return None
    if not verify_password(password, staff.password_hash):
        return None
    staff.last_login_at = utcnow()
    session.flush()
    return staff


def set_password(*, session: Session, staff: Staff, password: str) -> None:
    """Replace a staff member's password."""
    _check_password(password)
    staff.password_hash = hash_password(password)
    session.flush()
