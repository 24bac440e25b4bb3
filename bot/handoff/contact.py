"""Phone numbers and e-mail addresses patients leave for a call back.

``find_contact("my number is +91 98765 43210")`` finds the number so the bot
can read it back and ask for consent before keeping it. Lab values, dates and
counts are not phone numbers: a number needs a ``+``/``00`` prefix or at least
ten digits, and at most fifteen (E.164).

Pure: nothing here stores or logs anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, Optional

_PHONE = re.compile(r"(?<![\w+])((?:\+|00)?\(?\d[\d\s().\-]{5,22}\d)(?![\w])")
_EMAIL = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]{1,63}"
    r"(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24})(?![\w-])"
)
MIN_DIGITS_WITHOUT_PREFIX = 10
MIN_DIGITS = 7
MAX_DIGITS = 15


@dataclass(frozen=True)
class Contact:
    """What the patient gave: a phone number, an e-mail address, or both."""

    phone: Optional[str] = None
    email: Optional[str] = None

    @property
    def found(self) -> bool:
        """True when there is anything to keep."""
        return bool(self.phone or self.email)

    def as_details(self) -> Dict[str, str]:
        """For ``contact_details`` (only what was given)."""
        return {k: v for k, v in (("phone", self.phone), ("email", self.email)) if v}

    def describe(self) -> str:
        """The details as read back to the patient.

        >>> Contact(phone="+91 98765 43210", email="a@b.in").describe()
        '+91 98765 43210 and a@b.in'
        """
        return " and ".join(v for v in (self.phone, self.email) if v)


def find_phone(text: str) -> Optional[str]:
    """The first phone number in ``text``, as typed (spaces normalised).

    >>> find_phone("my number is +91 98765 43210, after 5pm")
    '+91 98765 43210'
    >>> find_phone("call 07700 900123")
    '07700 900123'
    >>> find_phone("platelets 150000 and bilirubin 1.2") is None
    True
    >>> find_phone("scan on 12-05-2024") is None
    True
    """
    for match in _PHONE.finditer(text or ""):
        candidate = " ".join(match.group(1).split()).strip(" .-")
        digits = re.sub(r"\D", "", candidate)
        prefixed = candidate.startswith("+") or candidate.startswith("00")
        if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
            continue
        if not prefixed and len(digits) < MIN_DIGITS_WITHOUT_PREFIX:
            continue
        if re.search(r"\d\.\d", candidate) and not prefixed:
            continue  # a decimal value, not a number to dial
        return candidate
    return None


def find_email(text: str) -> Optional[str]:
    """The first e-mail address in ``text``, lower-cased.

    >>> find_email("write to Ravi.K@Example.co.in please")
    'ravi.k@example.co.in'
    """
    match = _EMAIL.search(text or "")
    return match.group(1).lower() if match else None


def find_contact(text: str) -> Contact:
    """The phone number and the e-mail address in ``text`` (either may be None)."""
    return Contact(phone=find_phone(text), email=find_email(text))
