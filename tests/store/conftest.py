"""Fixtures of the data-layer tests: the same tests on SQLite and PostgreSQL.

PostgreSQL is the server on 127.0.0.1:5432 (user ``postgres``, trust auth),
always running on this project's machines: if it is unreachable the tests
FAIL (they never skip). Each test session creates its own uniquely named
database through the ``test`` database and drops it at the end, so parallel
runs do not collide.
"""

from __future__ import annotations

import os

# Before SQLAlchemy is imported: it reads this once.
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

import uuid  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Iterator  # noqa: E402

import pytest  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import create_engine, inspect, text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402
from sqlalchemy.pool import NullPool  # noqa: E402

PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
PG_ADMIN_URL = f"{PG_SERVER}/test"

#: One key for the whole session (tests of rotation make their own).
SESSION_KEY = Fernet.generate_key().decode()

ENV_VARS = (
    "APP_ENV",
    "APP_VAR_DIR",
    "DATABASE_URL",
    "DATA_ENCRYPTION_KEYS",
    "REDIS_URL",
    "RETENTION_DAYS",
)


@dataclass
class StoreEnv:
    """What a test needs to know about the database it runs on."""

    kind: str
    url: str
    engine: Engine


def reset_process_state() -> None:
    """Forget cached settings, keys and engine (they are per process)."""
    from bot.settings import get_settings
    from bot.store import crypto, db

    db.reset_engine()
    crypto.reset()
    get_settings.cache_clear()


def configure(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    """Set the environment the settings read, then drop cached state."""
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_process_state()


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A fresh, uniquely named PostgreSQL database for this test session."""
    admin = create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool, future=True
    )
    name = f"store_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        pytest.fail(
            f"PostgreSQL at 127.0.0.1:5432 (database 'test', user 'postgres') is "
            f"unreachable; these tests must run against it: {error}",
            pytrace=False,
        )
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    """Empty every table (product and Rasa) between tests.

    DELETE rather than TRUNCATE: on a handful of rows it is several times
    faster, and no test relies on ids starting at 1.
    """
    from bot.store.models import metadata

    engine = create_engine(url, poolclass=NullPool, future=True)
    try:
        with engine.begin() as connection:
            existing = set(inspect(connection).get_table_names())
            for table in reversed(metadata.sorted_tables):
                if table.name in existing:
                    connection.execute(table.delete())
            if "events" in existing:
                connection.execute(text("DELETE FROM events"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, monkeypatch) -> Iterator[StoreEnv]:
    """A migrated, empty database configured as the process's database."""
    from bot.store import db, migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'var' / 'app.db'}"
    else:
        url = request.getfixturevalue("pg_database_url")
    configure(
        monkeypatch,
        APP_ENV="test",
        APP_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=url,
        DATA_ENCRYPTION_KEYS=SESSION_KEY,
    )
    migrate.upgrade("head")
    try:
        yield StoreEnv(kind=request.param, url=url, engine=db.get_engine())
    finally:
        reset_process_state()
        if request.param == "postgresql":
            _empty_postgres(url)


@pytest.fixture
def pg_store(request, tmp_path, monkeypatch) -> Iterator[StoreEnv]:
    """Like ``store``, PostgreSQL only (restart and multi-process tests)."""
    from bot.store import db, migrate

    url = request.getfixturevalue("pg_database_url")
    configure(
        monkeypatch,
        APP_ENV="test",
        APP_VAR_DIR=str(tmp_path / "var"),
        DATABASE_URL=url,
        DATA_ENCRYPTION_KEYS=SESSION_KEY,
    )
    migrate.upgrade("head")
    try:
        yield StoreEnv(kind="postgresql", url=url, engine=db.get_engine())
    finally:
        reset_process_state()
        _empty_postgres(url)


@pytest.fixture
def make_tracker_store():
    """Create ProductTrackerStores on the configured database; disposed after."""
    from rasa.shared.core.domain import Domain

    from bot.store.tracker_store import ProductTrackerStore

    created = []

    def make():
        created.append(ProductTrackerStore(domain=Domain.empty(), connect_timeout_s=5))
        return created[-1]

    yield make
    for tracker_store in created:
        tracker_store.engine.dispose()


@pytest.fixture
def tracker_store(store, make_tracker_store):
    """Rasa's tracker store as endpoints.yml configures it, on the test database."""
    return make_tracker_store()


def _make_tracker(sender_id: str, *texts: str):
    """A real Rasa tracker in which the patient said ``texts``."""
    from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    # As Rasa's processor logs them: the session-start action's event is made
    # after the SessionStarted it returned, so its timestamp is later.
    session_started = SessionStarted()
    events = [ActionExecuted("action_session_start"), session_started]
    for said in texts:
        events += [
            ActionExecuted("action_listen"),
            UserUttered(said, intent={"name": "inform", "confidence": 1.0}),
        ]
    return DialogueStateTracker.from_events(sender_id, events)


def _raw_rows(engine: Engine, sql: str, **params) -> list:
    """Rows exactly as the database holds them (no decryption)."""
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(sql), params)]


@pytest.fixture
def make_tracker():
    """Build a real ``DialogueStateTracker``: ``make_tracker(sender, *texts)``."""
    return _make_tracker


@pytest.fixture
def raw_rows():
    """Read rows without decryption: ``raw_rows(engine, sql, **params)``."""
    return _raw_rows


@pytest.fixture
def reconfigure(monkeypatch):
    """Change the environment mid-test: ``reconfigure(DATA_ENCRYPTION_KEYS=…)``."""
    return lambda **env: configure(monkeypatch, **env)
