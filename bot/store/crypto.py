"""Encryption keys for health data at rest (Fernet / MultiFernet).

Keys come from ``DATA_ENCRYPTION_KEYS`` (comma-separated, newest first) through
:func:`bot.settings.get_settings`. MultiFernet encrypts with the first key and
decrypts with any, so a new key is introduced by putting it first; ``python -m
bot.store rotate-keys`` then re-encrypts every stored value with it, after which
the old key can be removed.

In development with no key configured, a key is generated once into
``var/fernet.key`` (mode 0600) and reused, so a laptop needs no setup and a
restart can still read yesterday's data. Anywhere else a missing or invalid key
is an :class:`~bot.store.errors.EncryptionKeyError`: the process refuses to start
rather than store health data it could not protect or read back.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path
from typing import Tuple

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from bot.settings import Settings, get_settings
from bot.store.errors import DecryptionError, EncryptionKeyError

KEY_FILE_NAME = "fernet.key"

_lock = threading.Lock()
_multifernet: MultiFernet | None = None


def _dev_key_file(var_dir: Path) -> str:
    """Read ``var/fernet.key``, creating it (mode 0600) on first use.

    The key is written to a private temporary file and then hard-linked into
    place, which fails if the file exists: two processes starting together
    (the Rasa server and the action server) end up with the same, complete key.
    """
    path = var_dir / KEY_FILE_NAME
    var_dir.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, tmp_name = tempfile.mkstemp(dir=var_dir, prefix=".fernet-", text=True)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:  # mkstemp: 0600
                handle.write(Fernet.generate_key().decode("ascii") + "\n")
            os.link(tmp_name, path)
        except FileExistsError:
            pass  # another process won the race; use its key
        finally:
            os.unlink(tmp_name)
    key = path.read_text(encoding="ascii").strip()
    if not key:
        raise EncryptionKeyError(
            f"{path} is empty; delete it only if no data was encrypted with it"
        )
    return key


def load_keys(settings: Settings) -> Tuple[str, ...]:
    """Return the Fernet keys to use, newest first.

    Args:
        settings: the process settings.

    Returns:
        At least one valid Fernet key.

    Raises:
        EncryptionKeyError: outside development without ``DATA_ENCRYPTION_KEYS``,
            or when a configured key is not a valid Fernet key.

    """
    keys = tuple(settings.encryption_keys)
    if not keys:
        if not settings.is_development:
            raise EncryptionKeyError(
                f"APP_ENV={settings.app_env}: DATA_ENCRYPTION_KEYS is required to "
                "store health data; generate one with `python -m bot.store "
                "generate-key`"
            )
        keys = (_dev_key_file(settings.var_dir),)
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            # Never echo the key itself: it is a secret even when malformed.
            raise EncryptionKeyError(
                f"DATA_ENCRYPTION_KEYS: key #{position} is not a valid Fernet key "
                "(32 url-safe base64-encoded bytes)"
            ) from None
    return keys


def build_multifernet(keys: Tuple[str, ...]) -> MultiFernet:
    """Build a MultiFernet over ``keys`` (newest first)."""
    return MultiFernet([Fernet(key) for key in keys])


def get_multifernet() -> MultiFernet:
    """Return the process-wide MultiFernet, built lazily from the settings."""
    global _multifernet
    if _multifernet is None:
        with _lock:
            if _multifernet is None:
                _multifernet = build_multifernet(load_keys(get_settings()))
    return _multifernet


def reset() -> None:
    """Forget the cached keys (tests, and after changing the configuration)."""
    global _multifernet
    with _lock:
        _multifernet = None


def encrypt_text(plaintext: str) -> str:
    """Encrypt ``plaintext`` with the newest key; returns an ASCII token."""
    return get_multifernet().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    """Decrypt a token made by :func:`encrypt_text` with any configured key.

    Raises:
        DecryptionError: no configured key opens the token (a key was removed
            before ``rotate-keys`` ran, or the value was tampered with).

    """
    try:
        return get_multifernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise DecryptionError(
            "a stored value cannot be decrypted with the configured keys"
        ) from None


def encrypt_bytes(plaintext: bytes) -> str:
    """Encrypt raw bytes (an attachment) with the newest key; returns an ASCII token."""
    return get_multifernet().encrypt(plaintext).decode("ascii")


def decrypt_bytes(token: str) -> bytes:
    """Decrypt a token made by :func:`encrypt_bytes`.

    Raises:
        DecryptionError: no configured key opens the token.

    """
    try:
        return get_multifernet().decrypt(token.encode("ascii"))
    except InvalidToken:
        raise DecryptionError(
            "a stored value cannot be decrypted with the configured keys"
        ) from None


def rotate_token(token: str) -> str:
    """Re-encrypt ``token`` with the newest key (MultiFernet.rotate)."""
    try:
        return get_multifernet().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise DecryptionError(
            "a stored value cannot be decrypted with the configured keys"
        ) from None


def generate_key() -> str:
    """Generate a new random Fernet key, for ``DATA_ENCRYPTION_KEYS``."""
    return Fernet.generate_key().decode("ascii")
