"""Health data is encrypted at rest; keys rotate; production refuses without one."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select

from bot.settings import from_env
from bot.store import crypto
from bot.store.conversations import (
    get_or_create_conversation,
    record_consent,
    set_contact_details,
)
from bot.store.db import session_scope
from bot.store.errors import DecryptionError, EncryptionKeyError
from bot.store.messaging import enqueue_outbound
from bot.store.models import Conversation, OutboxMessage, Screening, Ticket, TicketNote
from bot.store.rotation import rotate_keys
from bot.store.screenings import save_screening
from bot.store.staff import create_staff
from bot.store.tickets import add_note, open_ticket

ROOT = Path(__file__).resolve().parents[2]


def _store_everything(session):
    conversation = get_or_create_conversation(
        session=session, channel="whatsapp", sender_id="447700900123"
    )
    record_consent(session=session, conversation=conversation, given=True)
    set_contact_details(
        session=session,
        conversation=conversation,
        details={"name": "Mrs Patel", "phone": "+44 7700 900123"},
    )
    save_screening(
        session=session,
        conversation=conversation,
        facts={
            "bilirubin_mg_dl": {"value": 1.99, "text": "34 umol/L", "unit": "umol/L"}
        },
        outcome="review",
        flags=["bilirubin_high"],
        reasons=["bilirubin 1.99 mg/dL is above the usual limit"],
        rules_version="test",
    )
    staff = create_staff(
        session=session, email="c@example.org", password="a long passphrase"
    )
    ticket = open_ticket(
        session=session,
        conversation=conversation,
        reason="urgent_symptoms",
        priority="urgent",
        summary="Mrs Patel reports shortness of breath",
    )
    add_note(session=session, ticket=ticket, author=staff, body="called Mrs Patel")
    enqueue_outbound(
        session=session,
        conversation=conversation,
        payload={"text": "Mrs Patel, about your 34 umol/L bilirubin …"},
        author_staff_id=staff.id,
    )
    return conversation.id


#: Every encrypted column, and what it must hold once decrypted.
ENCRYPTED = {
    ("conversations", "contact_details"): {
        "name": "Mrs Patel",
        "phone": "+44 7700 900123",
    },
    ("screenings", "facts"): {
        "bilirubin_mg_dl": {"value": 1.99, "text": "34 umol/L", "unit": "umol/L"}
    },
    ("screenings", "outcome"): "review",
    ("screenings", "flags"): ["bilirubin_high"],
    ("screenings", "reasons"): ["bilirubin 1.99 mg/dL is above the usual limit"],
    ("tickets", "summary"): "Mrs Patel reports shortness of breath",
    ("ticket_notes", "body"): "called Mrs Patel",
    ("outbox", "payload"): {"text": "Mrs Patel, about your 34 umol/L bilirubin …"},
}


def test_raw_columns_hold_no_plaintext_and_the_orm_reads_it_back(
    store, raw_rows, sealed
):
    with session_scope() as session:
        conversation_id = _store_everything(session)

    # Each raw column is a Fernet token only the product's keys open, and it
    # holds exactly what was stored (deterministic: no search for plaintext
    # words inside random ciphertext).
    for (table, column), expected in ENCRYPTED.items():
        (value,) = raw_rows(store.engine, f"SELECT {column} FROM {table}")[0]
        plaintext = sealed(value)
        opened = plaintext if isinstance(expected, str) else json.loads(plaintext)
        assert opened == expected, (table, column)

    with session_scope() as session:
        conversation = session.get(Conversation, conversation_id)
        assert conversation.contact_details["phone"] == "+44 7700 900123"
        screening = conversation.screenings[0]
        assert screening.facts["bilirubin_mg_dl"] == {
            "value": 1.99,
            "text": "34 umol/L",
            "unit": "umol/L",
        }
        assert screening.outcome == "review"
        assert screening.flags == ["bilirubin_high"]
        assert "shortness of breath" in conversation.tickets[0].summary
        assert conversation.tickets[0].notes[0].body == "called Mrs Patel"


def test_key_rotation_re_encrypts_everything_with_the_new_key(
    store, reconfigure, raw_rows
):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    env = dict(
        APP_ENV="test",
        APP_VAR_DIR=os.environ["APP_VAR_DIR"],
        DATABASE_URL=store.url,
    )
    reconfigure(DATA_ENCRYPTION_KEYS=old, **env)
    with session_scope() as session:
        conversation_id = _store_everything(session)
    before = raw_rows(store.engine, "SELECT facts FROM screenings")[0][0]

    # New key first, old key still accepted while rotating.
    reconfigure(DATA_ENCRYPTION_KEYS=f"{new},{old}", **env)
    with session_scope() as session:
        counts = rotate_keys(session=session)
    assert counts["screenings"] == 1 and counts["conversations"] == 1
    after = raw_rows(store.engine, "SELECT facts FROM screenings")[0][0]
    assert after != before

    # The old key can now be removed: everything still reads.
    reconfigure(DATA_ENCRYPTION_KEYS=new, **env)
    with session_scope() as session:
        screening = session.get(Conversation, conversation_id).screenings[0]
        assert screening.facts["bilirubin_mg_dl"]["text"] == "34 umol/L"
        assert session.scalars(select(Ticket)).one().summary.startswith("Mrs Patel")
        assert session.scalars(select(TicketNote)).one().body == "called Mrs Patel"
        outbox = session.scalars(select(OutboxMessage)).one()
        assert outbox.payload["text"].startswith("Mrs Patel")

    # …and the old key alone no longer opens the data.
    reconfigure(DATA_ENCRYPTION_KEYS=old, **env)
    with pytest.raises(DecryptionError):
        with session_scope() as session:
            session.scalars(select(Screening)).one().facts  # noqa: B018


def test_development_generates_a_private_key_once_and_reuses_it(tmp_path):
    settings = from_env({"APP_ENV": "development", "APP_VAR_DIR": str(tmp_path)})
    first = crypto.load_keys(settings)
    key_file = tmp_path / "fernet.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert crypto.load_keys(settings) == first
    Fernet(first[0])  # a usable key


def test_processes_starting_together_share_one_development_key(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    settings = from_env({"APP_ENV": "development", "APP_VAR_DIR": str(tmp_path)})
    with ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: crypto.load_keys(settings), range(16)))
    assert len(keys) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["fernet.key"]


def test_production_without_a_key_refuses(tmp_path):
    settings = from_env({"APP_ENV": "production", "APP_VAR_DIR": str(tmp_path)})
    with pytest.raises(EncryptionKeyError, match="DATA_ENCRYPTION_KEYS"):
        crypto.load_keys(settings)
    assert not (tmp_path / "fernet.key").exists()


def test_an_invalid_key_is_refused_without_echoing_it(tmp_path):
    bad = "not-a-fernet-key-but-long-enough-0123456789"
    settings = from_env(
        {"APP_ENV": "production", "DATA_ENCRYPTION_KEYS": bad, "APP_VAR_DIR": "/x"}
    )
    with pytest.raises(EncryptionKeyError) as caught:
        crypto.load_keys(settings)
    assert bad not in str(caught.value)


def test_production_cli_refuses_to_start_without_a_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATA_ENCRYPTION_KEYS",)}
    strong = "s" * 32
    env.update(
        APP_ENV="production",
        APP_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'app.db'}",
        RASA_TOKEN=strong,
        ACTION_SERVER_TOKEN=strong,
        SENDER_ID_SECRET=strong,
        CONSOLE_SECRET_KEY=strong,
        WIDGET_SECRET=strong,
    )
    result = subprocess.run(
        [sys.executable, "-m", "bot.store", "migrate"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "DATA_ENCRYPTION_KEYS" in result.stderr
    assert not (tmp_path / "app.db").exists()
