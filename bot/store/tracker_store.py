"""Rasa's SQL tracker store on the product's database, with encrypted events.

Configured in ``endpoints.yml`` as::

    tracker_store:
      type: bot.store.tracker_store.ProductTrackerStore

The URL is not written in the YAML: it comes from
``get_settings().database_url_or_default`` (``DATABASE_URL``, or the SQLite
file under ``var/``), so one setting moves the application tables and Rasa's
conversations together. Differences from Rasa's ``SQLTrackerStore``:

* the engine is built like the product's (``pool_pre_ping``, SQLite WAL and
  busy timeout, since the action server writes to the same file);
* the ``data`` column of each event (the patient's words, slot values, lab
  values) is Fernet-encrypted with the product's keys; rows written before
  (plain JSON) are still read, and ``rotate-keys`` encrypts them;
* a save or read that meets a connection killed by a database restart is
  retried once on a fresh connection instead of failing the message;
* the wait for the database at start-up is bounded (``connect_timeout_s``),
  and start-up errors are raised, never turned into Rasa's silent fallback to
  an in-memory store.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Callable, Dict, TypeVar

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore, create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import URL, make_url

from bot.settings import get_settings
from bot.store import crypto
from bot.store.db import build_engine

logger = logging.getLogger(__name__)

T = TypeVar("T")


def connection_parameters(url: str) -> Dict[str, Any]:
    """Split a database URL into the arguments Rasa's SQLTrackerStore takes.

    Args:
        url: ``sqlite:///path/app.db`` or ``postgresql://user:pw@host:port/db``.

    Returns:
        ``dialect``, ``host``, ``port``, ``db`` (for SQLite, the file path),
        ``username``, ``password`` and ``query``.

    """
    parsed = make_url(url)
    return {
        "dialect": parsed.drivername,
        "host": parsed.host,
        "port": parsed.port,
        "db": parsed.database,
        "username": parsed.username,
        "password": parsed.password,
        "query": dict(parsed.query),
    }


def seal(data: str) -> str:
    """Encrypt one event's JSON for the ``data`` column."""
    return crypto.encrypt_text(data)


def unseal(stored: str) -> str:
    """Decrypt one event's ``data``; plain JSON from before encryption passes."""
    if stored.lstrip().startswith("{"):
        return stored
    return crypto.decrypt_text(stored)


class ProductTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` on the product's database, encrypted, restart-tolerant."""

    def __init__(
        self,
        domain: Domain | None = None,
        host: str | None = None,
        event_broker: EventBroker | None = None,
        connect_timeout_s: float = 60.0,
        **kwargs: Any,
    ) -> None:
        """Connect to the configured database and create Rasa's table if needed.

        Args:
            domain: the assistant's domain.
            host: ignored (Rasa passes the endpoint's ``url``); the database
                comes from the settings so it cannot disagree with the
                application tables.
            event_broker: optional event broker.
            connect_timeout_s: how long to wait for the database at start-up.
            **kwargs: other endpoint keys, passed to ``TrackerStore``.

        Raises:
            RuntimeError: the store cannot start (no encryption key outside
                development, database unreachable, …).

        """
        try:
            self._connect(connect_timeout_s)
        except (AttributeError, ImportError) as error:
            # Rasa turns these two into a warning and an in-memory store, which
            # would forget every conversation on restart: make them fatal.
            raise RuntimeError(f"ProductTrackerStore cannot start: {error}") from error
        if host:
            logger.warning(
                "tracker_store url %r ignored: DATABASE_URL is used instead", host
            )
        TrackerStore.__init__(self, domain, event_broker, **kwargs)

    def _connect(self, connect_timeout_s: float) -> None:
        # Refuse to start without a key rather than keep conversations in clear.
        crypto.get_multifernet()
        params = connection_parameters(get_settings().database_url_or_default)
        engine_url = URL.create(
            drivername=params["dialect"],
            username=params["username"],
            password=params["password"],
            host=params["host"],
            port=params["port"],
            database=params["db"],
            query=params["query"],
        )
        self.engine = build_engine(
            engine_url, future=False, **create_engine_kwargs(engine_url)
        )
        deadline = time.monotonic() + connect_timeout_s
        while True:
            try:
                self.Base.metadata.create_all(self.engine)
                break
            except (sa.exc.ProgrammingError, sa.exc.IntegrityError) as error:
                # Another replica created the table at the same moment.
                logger.info("events table created concurrently: %s", error)
                with self.engine.connect() as connection:
                    if sa.inspect(connection).has_table("events"):
                        break
                raise
            except sa.exc.OperationalError as error:
                if time.monotonic() >= deadline:
                    raise RuntimeError(
                        f"tracker store database unreachable after "
                        f"{connect_timeout_s:.0f} s: {error}"
                    ) from error
                logger.warning("waiting for the tracker store database: %s", error)
                time.sleep(min(2.0, max(0.1, deadline - time.monotonic())))
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        logger.debug(
            "Connected to %s database for the tracker store", params["dialect"]
        )

    def _retry_once(self, operation: Callable[[], T]) -> T:
        """Run ``operation``; after a connection lost to a restart, run it again.

        Safe for saves because Rasa only writes the events not stored yet
        (counted inside the same transaction), and a failed transaction wrote
        nothing.
        """
        try:
            return operation()
        except sa.exc.DBAPIError as error:
            if not error.connection_invalidated:
                raise
            logger.warning("database connection lost; retrying once: %s", error.orig)
            return operation()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events, with ``data`` encrypted."""
        await self.stream_events(tracker)
        self._retry_once(lambda: self._save_events(tracker))
        logger.debug(
            "Tracker with sender_id '%s' stored to database", tracker.sender_id
        )

    def _save_events(self, tracker: DialogueStateTracker) -> None:
        with self.session_scope() as session:
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                intent = (
                    data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY)
                )
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=intent,
                        action_name=data.get("name"),
                        data=seal(json.dumps(data)),
                    )
                )
            session.commit()

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        """Rebuild the tracker from decrypted events (see ``SQLTrackerStore``)."""

        def load() -> list:
            with self.session_scope() as session:
                rows = self._event_query(
                    session,
                    sender_id,
                    fetch_events_from_all_sessions=fetch_events_from_all_sessions,
                ).all()
                return [json.loads(unseal(row.data)) for row in rows]

        events = self._retry_once(load)
        if self.domain and events:
            return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        return None
