"""Who a message is from: the one place that builds Rasa sender ids.

A Rasa conversation (tracker, slots, screening, tickets) is keyed by its
sender id alone, so whoever can choose a sender id can read and write that
conversation. Every input channel therefore maps its own external id to a
sender id that only it can produce::

    rest:<client id>           REST channel (integrations, tests)
    web:<session id>           website widget; the id is issued and signed by the server
    wa:<HMAC of the number>    WhatsApp Cloud API
    twilio:<HMAC of the number> Twilio (WhatsApp or SMS)

A REST client naming ``web:3f2a…`` gets ``rest:web:3f2a…``, a different
conversation; a widget session can never be addressed through REST, WhatsApp
or Twilio, and the reverse.

Phone numbers never become sender ids in clear (sender ids are stored in
clear and appear in logs): :func:`hashed_sender_id` keys an HMAC-SHA256 with
``SENDER_ID_SECRET`` (``get_settings().sender_secret()``). The same number
always gives the same id, so a patient's WhatsApp conversation continues;
changing the secret starts new conversations for everyone.

Use from a channel (WhatsApp, for example)::

    from bot.channels import identity
    from bot.settings import get_settings

    sender = identity.hashed_sender_id(
        identity.WHATSAPP, wa_id, get_settings().sender_secret()
    )
    UserMessage(text, output, sender, input_channel=self.name(), ...)

Pure functions only (no I/O); the channel names are Rasa's ``name()`` of each
input channel, which is also what the tracker records as the input channel.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Dict, Optional

#: Input channel names (``InputChannel.name()``).
REST = "rest"
WIDGET = "socketio"
WHATSAPP = "whatsapp"
TWILIO = "twilio"

#: The sender-id prefix each channel owns.
PREFIXES: Dict[str, str] = {
    REST: "rest",
    WIDGET: "web",
    WHATSAPP: "wa",
    TWILIO: "twilio",
}
_CHANNEL_OF_PREFIX = {prefix: channel for channel, prefix in PREFIXES.items()}

#: What a channel may use as its external id (after the prefix): printable
#: ASCII without spaces, quotes or slashes, at most 64 characters.
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._:@+=-]{1,64}$")
#: Hex characters of the HMAC kept in a hashed sender id (128 bits).
HASH_CHARS = 32


class InvalidSenderError(ValueError):
    """An external id that cannot be used in a sender id."""


def is_external_id(value: object) -> bool:
    """True for an external id :func:`sender_id` accepts.

    >>> is_external_id("patient-7"), is_external_id("a b"), is_external_id("")
    (True, False, False)
    """
    return isinstance(value, str) and bool(_EXTERNAL_ID.match(value))


def sender_id(channel: str, external_id: str) -> str:
    """The Rasa sender id of ``external_id`` on ``channel``.

    Args:
        channel: the receiving channel's name (``rest``, ``socketio`` …).
        external_id: the channel's own id of the person (see
            :func:`is_external_id`); never a phone number (use
            :func:`hashed_sender_id`).

    Returns:
        ``<prefix>:<external_id>``.

    Raises:
        InvalidSenderError: unknown channel or unusable external id.

    >>> sender_id("rest", "crm-42")
    'rest:crm-42'
    >>> sender_id("socketio", "0123456789abcdef0123456789abcdef")
    'web:0123456789abcdef0123456789abcdef'
    """
    prefix = PREFIXES.get(channel)
    if prefix is None:
        raise InvalidSenderError(f"no sender-id prefix for channel {channel!r}")
    if not is_external_id(external_id):
        raise InvalidSenderError("external id: 1-64 characters of [A-Za-z0-9._:@+=-]")
    return f"{prefix}:{external_id}"


def normalise_phone(number: str) -> str:
    """The digits of a phone number, as a stable key.

    Strips a ``whatsapp:`` scheme (Twilio), ``+``, spaces, dashes and brackets;
    a leading international ``00`` is read as ``+``.

    >>> normalise_phone("whatsapp:+44 7700 900123"), normalise_phone("0044-7700-900123")
    ('447700900123', '447700900123')

    Raises:
        InvalidSenderError: when no digits are left.
    """
    text = str(number).strip()
    if ":" in text:
        text = text.split(":", 1)[1]
    digits = re.sub(r"\D", "", text)
    if text.lstrip().startswith("00") and not text.lstrip().startswith("+"):
        digits = digits[2:]
    if not digits:
        raise InvalidSenderError("not a phone number")
    return digits


def address_hash(address: str, secret: bytes) -> str:
    """HMAC-SHA256 of a phone number (normalised), hex, :data:`HASH_CHARS` long.

    Args:
        address: a phone number in any usual notation.
        secret: ``get_settings().sender_secret()``.

    Raises:
        InvalidSenderError: no usable number, or an empty secret.
    """
    if not secret:
        raise InvalidSenderError("empty sender-id secret")
    key = normalise_phone(address).encode("ascii")
    return hmac.new(secret, key, hashlib.sha256).hexdigest()[:HASH_CHARS]


def hashed_sender_id(channel: str, address: str, secret: bytes) -> str:
    """The Rasa sender id of a phone number on ``channel`` (``wa:…``, ``twilio:…``).

    The number itself never appears; keep it (encrypted) in the product's
    tables when the coordinators need it.

    >>> hashed_sender_id("whatsapp", "+44 7700 900123", b"k" * 32)[:3]
    'wa:'
    """
    return sender_id(channel, address_hash(address, secret))


def channel_of_sender(sender: Optional[str]) -> Optional[str]:
    """The channel that owns a sender id, from its prefix; None if it has none.

    >>> channel_of_sender("web:abc"), channel_of_sender("default")
    ('socketio', None)
    """
    if not isinstance(sender, str) or ":" not in sender:
        return None
    return _CHANNEL_OF_PREFIX.get(sender.split(":", 1)[0])


def external_id_of(sender: str, channel: str) -> Optional[str]:
    """The external id inside ``sender`` if ``channel`` owns it, else None.

    >>> external_id_of("web:abc", "socketio"), external_id_of("rest:abc", "socketio")
    ('abc', None)
    """
    prefix = PREFIXES.get(channel)
    if prefix is None or not isinstance(sender, str):
        return None
    head, sep, tail = sender.partition(":")
    return tail if sep and head == prefix and tail else None
