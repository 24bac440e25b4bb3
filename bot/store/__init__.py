"""The patient data layer: SQLAlchemy models, sessions, repositories, migrations.

Import what you need from the submodules, e.g.::

    from bot.store.db import session_scope
    from bot.store.conversations import get_or_create_conversation, record_consent
    from bot.store.screenings import save_screening

Nothing here connects or reads keys at import time; the engine is created on
first use (``bot.store.db.get_engine``). Rasa glue lives in
``bot.store.tracker_store`` and ``bot.store.lock_store`` (they import Rasa).
See ``bot/store/README.md``.
"""
