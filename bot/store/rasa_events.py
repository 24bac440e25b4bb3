"""Rasa's ``events`` table, as seen by the data layer.

Rasa's SQL tracker store creates and owns this table (see
``rasa.core.tracker_store.SQLTrackerStore.SQLEvent``); the product only deletes
from it (erasure, retention) and re-encrypts it (key rotation). It lives in its
own ``MetaData`` so Alembic never creates, alters or drops it, and it is
declared here without importing Rasa, which the console and CLI do not need.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, inspect
from sqlalchemy.engine import Connection

EVENTS_TABLE_NAME = "events"

rasa_metadata = MetaData()

events = Table(
    EVENTS_TABLE_NAME,
    rasa_metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255), nullable=False, index=True),
    Column("type_name", String(255), nullable=False),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)


def events_table_exists(connection: Connection) -> bool:
    """Tell whether Rasa has started against this database and created its table."""
    return inspect(connection).has_table(EVENTS_TABLE_NAME)


def _connection_of(bind: object) -> Connection:
    """A Connection from a Session or a Connection."""
    from sqlalchemy.orm import Session

    return bind.connection() if isinstance(bind, Session) else bind  # type: ignore[return-value]


def decode_event_data(stored: str) -> dict:
    """One event's ``data`` as a dict: decrypted, or plain JSON from before encryption.

    Mirrors ``bot.store.tracker_store.unseal`` without importing Rasa (the
    console reads conversations but does not load Rasa).
    """
    import json

    from bot.store import crypto

    text = stored if stored.lstrip().startswith("{") else crypto.decrypt_text(stored)
    return json.loads(text)


def read_events(
    connection: Connection,
    sender_ids: "list[str] | tuple[str, ...]",
    *,
    after_id: int = 0,
    limit: int = 2000,
) -> "list[tuple[int, str, dict]]":
    """Rasa events of these senders after ``after_id``, oldest first, decrypted.

    Args:
        connection: a connection (or session) of the product's database.
        sender_ids: whose events.
        after_id: only rows with a larger id (a live view's cursor).
        limit: at most this many rows.

    Returns:
        ``(row id, sender id, event dict)`` tuples; empty when Rasa has not
        created its table yet.
    """
    from sqlalchemy import select

    if not sender_ids or not events_table_exists(_connection_of(connection)):
        return []
    rows = connection.execute(
        select(events.c.id, events.c.sender_id, events.c.data)
        .where(events.c.sender_id.in_(list(sender_ids)), events.c.id > after_id)
        .order_by(events.c.id)
        .limit(limit)
    ).all()
    return [(row.id, row.sender_id, decode_event_data(row.data)) for row in rows]


def newest_event_id(connection: Connection) -> int:
    """The largest event row id (0 when there is none or no table yet)."""
    from sqlalchemy import func, select

    if not events_table_exists(_connection_of(connection)):
        return 0
    return int(connection.execute(select(func.max(events.c.id))).scalar() or 0)


def senders_with_events_after(
    connection: Connection, after_id: int, limit: int = 5000
) -> "list[tuple[int, str]]":
    """``(row id, sender id)`` of events newer than ``after_id`` (no decryption)."""
    from sqlalchemy import select

    if not events_table_exists(_connection_of(connection)):
        return []
    return [
        (row.id, row.sender_id)
        for row in connection.execute(
            select(events.c.id, events.c.sender_id)
            .where(events.c.id > after_id)
            .order_by(events.c.id)
            .limit(limit)
        )
    ]
