"""Fixtures shared by every test directory."""

from __future__ import annotations

import os

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import pytest  # noqa: E402


def _reset() -> None:
    from bot.settings import get_settings
    from bot.store import crypto, db

    db.reset_engine()
    crypto.reset()
    get_settings.cache_clear()


@pytest.fixture
def app_db(tmp_path, monkeypatch):
    """A migrated SQLite database of the product in a temp dir, for action tests.

    Yields the ``session_scope`` to read what the code under test stored.
    """
    from cryptography.fernet import Fernet

    for name in ("DATABASE_URL", "REDIS_URL", "APP_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("DATA_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    _reset()
    from bot.store.db import session_scope
    from bot.store.migrate import upgrade

    upgrade()
    yield session_scope
    _reset()


#: Fernet: version byte, 8-byte time, 16-byte IV, AES blocks, 32-byte HMAC.
_FERNET_VERSION = 0x80
_FERNET_OVERHEAD = 1 + 8 + 16 + 32


def open_sealed(raw):
    """The plaintext of a value stored encrypted, after proving it is encrypted.

    Deterministic, unlike searching for plaintext words inside the token
    (base64 of random bytes contains any short word by chance now and then):

    * the raw value is a well-formed Fernet token (url-safe base64, version
      0x80, whole AES blocks);
    * a random key that is not the product's fails to open it (its HMAC
      covers the whole token, so only a real encryption passes);
    * the product's own keys open it; the caller compares the plaintext.

    Returns:
        The decrypted text (parse it with ``json.loads`` for JSON columns).
    """
    import base64
    import binascii

    from cryptography.fernet import Fernet, InvalidToken

    from bot.store import crypto

    assert isinstance(raw, str), f"stored value is not text: {type(raw).__name__}"
    try:
        decoded = base64.urlsafe_b64decode(raw.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError) as error:
        raise AssertionError(f"not a Fernet token (base64: {error})") from None
    assert decoded[0] == _FERNET_VERSION, "not a Fernet token (version byte)"
    body = len(decoded) - _FERNET_OVERHEAD
    assert body > 0 and body % 16 == 0, "not a Fernet token (length)"
    try:
        Fernet(Fernet.generate_key()).decrypt(raw.encode("ascii"))
    except InvalidToken:
        pass
    else:  # pragma: no cover - would mean the value is not really encrypted
        raise AssertionError("a key that is not the product's opened the value")
    plaintext = crypto.get_multifernet().decrypt(raw.encode("ascii")).decode("utf-8")
    assert raw != plaintext
    return plaintext


@pytest.fixture
def sealed():
    """``sealed(raw) -> plaintext``: see :func:`open_sealed`."""
    return open_sealed
