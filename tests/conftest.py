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
