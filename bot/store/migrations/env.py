"""Alembic environment of the product's tables.

Used programmatically by :mod:`bot.store.migrate` (which passes an open
connection in ``config.attributes["connection"]``) and by the ``alembic``
command line (which gets the URL from :mod:`bot.settings`).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from bot.settings import get_settings
from bot.store.db import build_engine
from bot.store.migrate import include_object
from bot.store.models import metadata

#: Arbitrary constant: replicas that migrate at the same time take turns.
ADVISORY_LOCK_ID = 0x43_52_59_4F  # "CRYO"


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        include_object=include_object,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds the table.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": ADVISORY_LOCK_ID}
            )
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against the given connection, or the configured database."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = build_engine(get_settings().database_url_or_default, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            _run(connection)
            connection.commit()
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade --sql``)."""
    context.configure(
        url=get_settings().database_url_or_default,
        target_metadata=metadata,
        literal_binds=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
