"""Sender ids for phone numbers: ``wa:<HMAC>`` / ``twilio:<HMAC>``, never the number.

PLACEHOLDER until issue 9's ``bot/channels/identity.py`` lands: the one helper
that builds every channel's sender id. Everything in the WhatsApp channels
asks this module, so swapping it is a one-file change.

The id is an HMAC-SHA256 of the normalised number (digits only, with the
country code) keyed with ``CHANNEL_ID_SECRET``: stable, so the same patient
finds their conversation again, and not reversible without the key (a phone
number has too few digits for an unkeyed hash to protect it).
"""

from __future__ import annotations

import hashlib
import hmac
import re

WHATSAPP_PREFIX = "wa"
TWILIO_PREFIX = "twilio"
_DIGITS = re.compile(r"\D")


def normalise_number(number: str) -> str:
    """Digits of a number with its country code (``whatsapp:+44 77…`` → ``4477…``).

    Raises:
        ValueError: when fewer than 6 digits remain (not a phone number).

    >>> normalise_number("whatsapp:+44 7700 900123")
    '447700900123'
    """
    text = str(number or "")
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:") :]
    digits = _DIGITS.sub("", text)
    if len(digits) < 6 or len(digits) > 20:
        raise ValueError("not a phone number")
    return digits


def keyed_id(prefix: str, number: str, secret: bytes) -> str:
    """``<prefix>:<32 hex characters of HMAC-SHA256(secret, digits)>``."""
    if not secret:
        raise ValueError("a secret is required for keyed sender ids")
    digest = hmac.new(
        secret, normalise_number(number).encode("ascii"), hashlib.sha256
    ).hexdigest()
    return f"{prefix}:{digest[:32]}"
