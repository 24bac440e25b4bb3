"""The process's one engine and one sessionmaker, created lazily.

``get_engine()`` builds the engine on first use from
``get_settings().database_url_or_default``: a SQLite file under ``var/`` by
default, PostgreSQL when ``DATABASE_URL`` is set. Nothing connects at import
time (rasa_sdk imports every action module at start-up).

Transactions belong to the caller: repository functions take ``session=`` and
never commit; the edge wraps a unit of work in :func:`session_scope`, which
commits on success and rolls back (re-raising) on error, so a failed write is
always reported to whoever acknowledged the message.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Union

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings
from bot.store import crypto

#: How long SQLite waits for another writer (Rasa's tracker store shares the file).
SQLITE_BUSY_TIMEOUT_MS = 10_000

_lock = threading.Lock()
_engine: Engine | None = None
_sessionmaker: sessionmaker | None = None


def _configure_sqlite(engine: Engine) -> None:
    """WAL, busy timeout, foreign keys, write locks and SAVEPOINTs for pysqlite.

    pysqlite opens transactions lazily and not at all for SELECTs, which breaks
    SAVEPOINT (used for race-free inserts); the documented remedy is to turn
    its own handling off and emit BEGIN ourselves.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets the Rasa server read while the action server writes.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            # Off by default in SQLite; ON DELETE CASCADE depends on it.
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front (waiting up to busy_timeout).
        # A deferred transaction that reads and then writes fails at once with
        # "database is locked" if another process wrote in between, which is
        # exactly the get-or-create pattern under concurrent webhooks.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def build_engine(url: Union[str, URL], *, future: bool = True, **kwargs: Any) -> Engine:
    """Create an engine configured the way the product needs on either database.

    Args:
        url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql://…``).
        future: 2.0-style engine; Rasa's tracker store passes ``False``.
        **kwargs: extra ``create_engine`` arguments (pool sizes …).

    Returns:
        The engine; no connection is opened yet.

    """
    parsed = make_url(url)
    # A connection that died with a database restart is replaced at checkout
    # instead of failing the next patient's message.
    kwargs.setdefault("pool_pre_ping", True)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            # SQLAlchemy 1.4 opens and closes a file database's connection for
            # every transaction (NullPool); closing the last one checkpoints
            # the WAL. Measured: a WhatsApp webhook's claim took 44 ms that
            # way and 17 ms with connections kept in a pool. A connection is
            # only ever used by one thread at a time (the pool hands it out).
            kwargs.setdefault("poolclass", QueuePool)
            connect_args = dict(kwargs.pop("connect_args", {}) or {})
            connect_args.setdefault("check_same_thread", False)
            kwargs["connect_args"] = connect_args
        engine = create_engine(parsed, future=future, **kwargs)
        _configure_sqlite(engine)
        return engine
    return create_engine(parsed, future=future, **kwargs)


def get_engine() -> Engine:
    """Return the process-wide engine, created on first use.

    The encryption keys are loaded first, so a production process without
    ``DATA_ENCRYPTION_KEYS`` refuses to start instead of failing on its first
    write.
    """
    global _engine, _sessionmaker
    if _engine is None:
        with _lock:
            if _engine is None:
                crypto.get_multifernet()
                engine = build_engine(get_settings().database_url_or_default)
                _sessionmaker = sessionmaker(
                    bind=engine, future=True, expire_on_commit=False
                )
                _engine = engine
    return _engine


def get_sessionmaker() -> sessionmaker:
    """Return the process-wide sessionmaker (bound to :func:`get_engine`)."""
    get_engine()
    assert _sessionmaker is not None
    return _sessionmaker


@contextmanager
def session_scope() -> Iterator[Session]:
    """One short transaction: commit on success, roll back and re-raise on error.

    Example::

        with session_scope() as session:
            conversation = get_or_create_conversation(
                session=session, channel="whatsapp", sender_id=sender
            )
            record_consent(session=session, conversation=conversation, given=True)
    """
    with get_sessionmaker().begin() as session:
        yield session


def reset_engine() -> None:
    """Dispose of the engine and forget it (tests; after fork; after reconfiguring)."""
    global _engine, _sessionmaker
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None
        _sessionmaker = None
