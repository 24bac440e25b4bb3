"""Key rotation: re-encrypt every stored value with the newest key.

Procedure: put the new key first in ``DATA_ENCRYPTION_KEYS`` (keep the old
ones after it), restart, run ``python -m bot.store rotate-keys``, then remove
the old keys. Values are read and written as raw tokens, never decrypted into
Python objects, so the run neither parses nor logs any health data.
"""

from __future__ import annotations

from typing import Dict

from sqlalchemy import column, select, table, update
from sqlalchemy.orm import Session

from bot.store import crypto
from bot.store.models import ENCRYPTED_COLUMNS
from bot.store.rasa_events import EVENTS_TABLE_NAME, events_table_exists

BATCH = 500


def _rotate_table(session: Session, name: str, columns: tuple) -> int:
    raw = table(name, column("id"), *(column(c) for c in columns))
    rotated = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(raw).where(raw.c.id > last_id).order_by(raw.c.id).limit(BATCH)
        ).all()
        if not rows:
            return rotated
        for row in rows:
            values = {}
            for name_ in columns:
                value = row._mapping[name_]
                if value is None:
                    continue
                if name == EVENTS_TABLE_NAME and value.lstrip().startswith("{"):
                    # Written before encryption was on (plain JSON): seal it now.
                    values[name_] = crypto.encrypt_text(value)
                else:
                    values[name_] = crypto.rotate_token(value)
            if values:
                session.execute(update(raw).where(raw.c.id == row.id).values(**values))
                rotated += 1
        last_id = rows[-1].id


def rotate_keys(*, session: Session) -> Dict[str, int]:
    """Re-encrypt every encrypted column (and Rasa's event data) with the newest key.

    Args:
        session: the caller's session; the caller commits (all or nothing).

    Returns:
        Rows re-encrypted per table.

    Raises:
        DecryptionError: a value no configured key can open (nothing is changed
            once the caller rolls back).

    """
    counts = {
        name: _rotate_table(session, name, columns)
        for name, columns in ENCRYPTED_COLUMNS.items()
    }
    if events_table_exists(session.connection()):
        counts[EVENTS_TABLE_NAME] = _rotate_table(session, EVENTS_TABLE_NAME, ("data",))
    return counts
