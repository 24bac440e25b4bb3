"""Migrations: up from empty and down to base, on SQLite and PostgreSQL."""

import os
import subprocess
import sys
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.store import migrate
from bot.store.models import metadata

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_TABLES = {table.name for table in metadata.sorted_tables}


def _tables(engine):
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def test_down_to_base_then_up_from_empty(store):
    assert PRODUCT_TABLES <= _tables(store.engine)

    migrate.downgrade("base")
    assert _tables(store.engine) & PRODUCT_TABLES == set()
    assert migrate.current_revision() is None

    migrate.upgrade("head")
    assert PRODUCT_TABLES <= _tables(store.engine)
    assert migrate.current_revision() == migrate.head_revision()


def test_models_and_migrations_describe_the_same_schema(store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": migrate.include_object}
        )
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_cli_migrates_an_empty_sqlite_file_and_downgrades_it(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "APP_ENV")}
    env.update(APP_VAR_DIR=str(tmp_path / "var"), DATA_ENCRYPTION_KEYS="")
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-m", "bot.store", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    up = run("migrate")
    assert up.returncode == 0, up.stderr
    assert f"at revision {migrate.head_revision()}" in up.stdout
    database = tmp_path / "var" / "app.db"
    assert database.exists()
    # Development without a configured key: one is generated, private to the user.
    assert (tmp_path / "var" / "fernet.key").stat().st_mode & 0o777 == 0o600

    down = run("downgrade", "base")
    assert down.returncode == 0, down.stderr
    assert "base (empty)" in down.stdout
