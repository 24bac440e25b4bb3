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
