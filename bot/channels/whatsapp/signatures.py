"""The providers' webhook signatures, checked before anything else is read.

* Meta signs every webhook POST with ``X-Hub-Signature-256: sha256=<hex>``,
  an HMAC-SHA256 of the **raw** request body keyed with the app secret. It is
  compared with :func:`hmac.compare_digest` (constant time) on the bytes as
  received, before the body is parsed.
* Twilio signs with ``X-Twilio-Signature``: base64 HMAC-SHA1 of the full URL
  it called followed by the sorted form parameters, keyed with the account's
  auth token; checked with the ``twilio`` library's ``RequestValidator``
  (the algorithm Twilio publishes), against the public URL the webhook was
  configured with (behind a proxy the URL the server sees differs).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Mapping, Optional

from twilio.request_validator import RequestValidator

META_HEADER = "X-Hub-Signature-256"
TWILIO_HEADER = "X-Twilio-Signature"
_PREFIX = "sha256="


def meta_signature(app_secret: bytes, body: bytes) -> str:
    """The header value Meta would send for ``body`` (``sha256=<hex>``)."""
    return _PREFIX + hmac.new(app_secret, body, hashlib.sha256).hexdigest()


def meta_signature_valid(app_secret: bytes, body: bytes, header: Optional[str]) -> bool:
    """True when ``header`` is Meta's signature of exactly these bytes.

    >>> meta_signature_valid(b"k", b"{}", meta_signature(b"k", b"{}"))
    True
    >>> meta_signature_valid(b"k", b"{} ", meta_signature(b"k", b"{}"))
    False
    """
    if not app_secret or not isinstance(header, str):
        return False
    if not header.startswith(_PREFIX) or len(header) != len(_PREFIX) + 64:
        return False
    expected = meta_signature(app_secret, body)
    return hmac.compare_digest(
        expected.encode("ascii"), header.encode("ascii", "replace")
    )


def twilio_signature(auth_token: str, url: str, params: Mapping[str, Any]) -> str:
    """The ``X-Twilio-Signature`` Twilio would send (for stand-ins and tests)."""
    return RequestValidator(auth_token).compute_signature(url, params)


def twilio_signature_valid(
    auth_token: str, url: str, params: Mapping[str, Any], header: Optional[str]
) -> bool:
    """True when ``header`` is Twilio's signature of this URL and form.

    Args:
        auth_token: the account's auth token.
        url: the public URL Twilio requested (with its query string).
        params: the form parameters (a mapping of lists is fine).
        header: the ``X-Twilio-Signature`` header.
    """
    if not auth_token or not isinstance(header, str) or not header:
        return False
    return bool(RequestValidator(auth_token).validate(url, params, header))
