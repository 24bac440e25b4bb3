"""Column types: encrypted text/JSON and timezone-safe timestamps.

The encrypted types keep the Fernet token (ASCII) in a ``TEXT`` column, so the
database, its backups and its logs hold ciphertext only; the application sees
plain ``str``/JSON values. The schema in the migrations uses plain ``Text`` for
these columns: encryption is a property of the Python type, not of the table.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.types import DateTime, Text, TypeDecorator

from bot.store import crypto


class EncryptedText(TypeDecorator):
    """A string stored encrypted with the process's MultiFernet."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> Any:
        """Encrypt on the way in."""
        if value is None:
            return None
        if not isinstance(value, str):
            raise TypeError(f"EncryptedText takes str, not {type(value).__name__}")
        return crypto.encrypt_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        """Decrypt on the way out."""
        if value is None:
            return None
        return crypto.decrypt_text(value)


class EncryptedJSON(TypeDecorator):
    """A JSON-serialisable value stored encrypted (dicts, lists, numbers …)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Serialise, then encrypt."""
        if value is None:
            return None
        # allow_nan=False: NaN/Infinity are not JSON and would not round-trip.
        return crypto.encrypt_text(
            json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False)
        )

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        """Decrypt, then parse."""
        if value is None:
            return None
        return json.loads(crypto.decrypt_text(value))


class EncryptedBytes(TypeDecorator):
    """Raw bytes (a report, a scan) stored encrypted, as a Fernet token in TEXT."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> Any:
        """Encrypt on the way in."""
        if value is None:
            return None
        if not isinstance(value, (bytes, bytearray)):
            raise TypeError(f"EncryptedBytes takes bytes, not {type(value).__name__}")
        return crypto.encrypt_bytes(bytes(value))

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        """Decrypt on the way out."""
        if value is None:
            return None
        return crypto.decrypt_bytes(value)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes on every engine.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so values are
    stored as naive UTC and given ``tzinfo=UTC`` again when read. Naive input is
    refused: guessing its zone is how retention deletes the wrong day.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        """Normalise to UTC (naive for SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use datetime.now(timezone.utc)")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: datetime | None, dialect: Dialect
    ) -> datetime | None:
        """Return aware UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(timezone.utc)
