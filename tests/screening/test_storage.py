"""The adapter to bot.store, on a real (temporary SQLite) database."""

import json

import pytest
from sqlalchemy import text

from bot.screening import storage


@pytest.fixture
def database(app_db):
    """The engine of the temporary, migrated database (tests/conftest.py)."""
    from bot.store.db import get_engine

    return get_engine()


def _screening_rows(engine):
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT facts, outcome, flags, reasons, rules_version FROM screenings")
        ).fetchall()


def _store(**overrides):
    arguments = dict(
        channel="rest",
        sender_id="patient-7",
        values={"bilirubin_mg_dl": 1.99, "lesion_count": 2, "child_pugh": None},
        typed={"bilirubin_mg_dl": {"raw": 34.0, "unit": "µmol/L", "text": "34 umol/L"}},
        outcome="needs_review",
        rules_version="2026-06-04.1",
        flags=["hepatic_reserve"],
        reasons=["Your bilirubin is high."],
    )
    arguments.update(overrides)
    return storage.store_screening(**arguments)


def test_a_screening_is_stored_encrypted_after_consent(database, sealed):
    assert storage.record_consent(channel="rest", sender_id="patient-7")
    assert _store()
    (row,) = _screening_rows(database)
    # Health data never lies in the clear: each column is a Fernet token that
    # only the product's keys open, holding exactly what was stored (no search
    # for words inside random ciphertext, which chance can fail). The rules
    # version may be in clear.
    assert json.loads(sealed(row.facts)) == {
        "bilirubin_mg_dl": {"value": 1.99, "text": "34 umol/L", "unit": "µmol/L"},
        "lesion_count": {"value": 2},
    }
    assert sealed(row.outcome) == "needs_review"
    assert json.loads(sealed(row.flags)) == ["hepatic_reserve"]
    assert json.loads(sealed(row.reasons)) == ["Your bilirubin is high."]
    assert row.rules_version == "2026-06-04.1"


def test_the_stored_facts_keep_what_the_patient_typed(database):
    from bot.store.conversations import get_conversation
    from bot.store.db import session_scope
    from bot.store.screenings import latest_screening

    storage.record_consent(channel="rest", sender_id="patient-7")
    _store()
    with session_scope() as session:
        conversation = get_conversation(
            session=session, channel="rest", sender_id="patient-7"
        )
        screening = latest_screening(session=session, conversation=conversation)
        assert screening.facts == {
            "bilirubin_mg_dl": {"value": 1.99, "text": "34 umol/L", "unit": "µmol/L"},
            "lesion_count": {"value": 2},
        }
        assert screening.outcome == "needs_review"
        assert conversation.has_consent
    with database.connect() as connection:
        versions = connection.execute(
            text("SELECT wording_version FROM consent_records")
        ).scalars()
        assert list(versions) == [storage.CONSENT_WORDING_VERSION]


def test_nothing_is_stored_without_consent(database, caplog):
    assert not _store(sender_id="patient-without-consent")
    assert _screening_rows(database) == []
    assert "NOT stored: screening for channel=rest" in caplog.text
    # The log names the conversation, never a health value.
    assert "1.99" not in caplog.text


def test_a_broken_database_does_not_break_the_conversation(monkeypatch, caplog):
    def unavailable():
        raise RuntimeError("database is down")

    # Patched where the edge helper looks it up: patching bot.store.db left
    # the real one in use, so the outcome depended on whether some database
    # (var/app.db, or one an earlier test configured) happened to work.
    monkeypatch.setattr("bot.store.edge.session_scope", unavailable)
    assert storage.record_consent(channel="rest", sender_id="p") is False
    assert _store() is False
    assert "NOT stored: screening consent for channel=rest" in caplog.text


def test_build_facts_without_typed_text():
    facts = storage.build_facts(
        {"platelets_per_ul": 80000, "diagnosis": "hcc", "inr": None},
        {"platelets_per_ul": {"raw": 80.0, "unit": "thousand"}},
    )
    assert facts == {
        "platelets_per_ul": {"value": 80000, "text": "80 thousand", "unit": "thousand"},
        "diagnosis": {"value": "hcc"},
    }
