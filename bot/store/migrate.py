"""Run the Alembic migrations programmatically (``python -m bot.store migrate``).

The Alembic environment lives in ``bot/store/migrations`` so the package
carries its own schema history; no ``alembic.ini`` at the repository root is
needed, and the commands work from any working directory.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from bot.store.db import get_engine
from bot.store.rasa_events import EVENTS_TABLE_NAME

PACKAGE_DIR = Path(__file__).resolve().parent
ALEMBIC_INI = PACKAGE_DIR / "alembic.ini"


def include_object(
    obj: object, name: str, type_: str, reflected: bool, compare_to: object
) -> bool:
    """Leave Rasa's own ``events`` table out of schema comparisons."""
    return not (type_ == "table" and name == EVENTS_TABLE_NAME)


def alembic_config() -> Config:
    """Return the Alembic configuration of the product's tables."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(PACKAGE_DIR / "migrations"))
    return config


def upgrade(revision: str = "head", *, engine: Engine | None = None) -> None:
    """Create or upgrade the schema to ``revision``, in one transaction.

    Args:
        revision: Alembic revision (``head`` by default).
        engine: the database; the process engine by default.

    """
    config = alembic_config()
    with (engine or get_engine()).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(revision: str = "-1", *, engine: Engine | None = None) -> None:
    """Revert the schema to ``revision`` (one step back by default; ``base`` = empty).

    Args:
        revision: Alembic revision, relative step (``-1``) or ``base``.
        engine: the database; the process engine by default.

    """
    config = alembic_config()
    with (engine or get_engine()).begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def current_revision(*, engine: Engine | None = None) -> str | None:
    """Return the revision the database is at, or None for an empty database."""
    with (engine or get_engine()).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    """Return the newest revision in ``bot/store/migrations``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
