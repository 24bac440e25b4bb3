"""Rasa's tracker and lock stores as endpoints.yml configures them."""

import asyncio
import json
import uuid
from pathlib import Path

import pytest
from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import read_endpoint_config

from bot.store.lock_store import ProductLockStore, redis_parameters
from bot.store.tracker_store import ProductTrackerStore, connection_parameters

ENDPOINTS = Path(__file__).resolve().parents[2] / "endpoints.yml"


@pytest.fixture
def endpoint(monkeypatch):
    """Read a section of the real endpoints.yml, as scripts/run.sh exports it."""
    from bot.settings import yaml_environment

    def read(name):
        for variable, value in yaml_environment().items():
            monkeypatch.setenv(variable, value)
        return read_endpoint_config(str(ENDPOINTS), endpoint_type=name)

    return read


def test_endpoints_yml_creates_the_product_tracker_store(
    store, raw_rows, make_tracker, endpoint, sealed
):
    created = TrackerStore.create(endpoint("tracker_store"), Domain.empty())
    try:
        # Not Rasa's silent fallback to an in-memory store.
        assert isinstance(created, ProductTrackerStore)
        assert created.engine.url.get_backend_name() == store.kind
        tracker = make_tracker("p-42", "my bilirubin is 34 umol/L")
        asyncio.run(created.save(tracker))

        # The patient's words are in the database, but only encrypted: every
        # event's data is a Fernet token of the product's keys, and together
        # they hold exactly the tracker's events.
        data = [
            row[0]
            for row in raw_rows(store.engine, "SELECT data FROM events ORDER BY id")
        ]
        opened = [json.loads(sealed(value)) for value in data]
        assert [event["event"] for event in opened] == [
            event.as_dict()["event"] for event in tracker.events
        ]
        said = [event["text"] for event in opened if event["event"] == "user"]
        assert said == ["my bilirubin is 34 umol/L"]

        restored = asyncio.run(created.retrieve("p-42"))
        assert restored.latest_message.text == "my bilirubin is 34 umol/L"
        full = asyncio.run(created.retrieve_full_tracker("p-42"))
        assert [e.as_dict() for e in full.events] == [
            e.as_dict() for e in tracker.events
        ]
        # A second save only adds what is new.
        tracker.update_with_events(
            list(make_tracker("p-42", "and INR 1.2").events)[-2:], Domain.empty()
        )
        asyncio.run(created.save(tracker))
        count = raw_rows(store.engine, "SELECT count(*) FROM events")[0][0]
        assert count == len(tracker.events)
        latest = asyncio.run(created.retrieve("p-42")).latest_message
        assert latest.text == "and INR 1.2"
    finally:
        created.engine.dispose()


def test_plain_events_written_before_encryption_are_still_read(
    tracker_store, store, make_tracker
):
    from sqlalchemy import text

    asyncio.run(tracker_store.save(make_tracker("legacy", "hello")))
    with store.engine.begin() as connection:
        rows = connection.execute(text("SELECT id FROM events")).all()
        for (row_id,) in rows:
            stored = connection.execute(
                text("SELECT data FROM events WHERE id = :i"), {"i": row_id}
            ).scalar()
            from bot.store.tracker_store import unseal

            connection.execute(
                text("UPDATE events SET data = :d WHERE id = :i"),
                {"d": unseal(stored), "i": row_id},
            )
    assert asyncio.run(tracker_store.retrieve("legacy")).latest_message.text == "hello"


def test_database_url_is_split_for_rasa():
    pg = connection_parameters(
        "postgresql://u:p%40ss@db.internal:5433/cryo?sslmode=require"
    )
    assert pg == {
        "dialect": "postgresql",
        "host": "db.internal",
        "port": 5433,
        "db": "cryo",
        "username": "u",
        "password": "p@ss",
        "query": {"sslmode": "require"},
    }
    sqlite = connection_parameters("sqlite:////work/main/var/app.db")
    assert sqlite["dialect"] == "sqlite" and sqlite["db"] == "/work/main/var/app.db"


def test_without_redis_url_the_lock_store_is_in_memory(reconfigure, tmp_path, endpoint):
    reconfigure(APP_ENV="test", APP_VAR_DIR=str(tmp_path))
    created = LockStore.create(endpoint("lock_store"))
    assert isinstance(created, InMemoryLockStore)


def test_with_redis_url_locks_are_shared_through_redis(reconfigure, tmp_path, endpoint):
    reconfigure(
        APP_ENV="test", APP_VAR_DIR=str(tmp_path), REDIS_URL="redis://127.0.0.1:6379/0"
    )
    prefix = f"storetest{uuid.uuid4().hex[:8]}"
    replica_a = LockStore.create(endpoint("lock_store"))
    replica_b = ProductLockStore(key_prefix=prefix)
    replica_a._set_key_prefix(prefix)
    assert isinstance(replica_a, RedisLockStore) and isinstance(
        replica_a, ProductLockStore
    )

    log = []

    async def handle(replica, name):
        async with replica.lock("conversation-1", wait_time_in_seconds=0.02):
            log.append(f"{name} in")
            await asyncio.sleep(0.2)
            log.append(f"{name} out")

    async def both():
        await asyncio.gather(handle(replica_a, "a"), handle(replica_b, "b"))

    asyncio.run(both())
    # The two replicas took turns: one finished before the other started.
    assert log in (
        ["a in", "a out", "b in", "b out"],
        ["b in", "b out", "a in", "a out"],
    )
    assert replica_b.get_lock("conversation-1") is None
    replica_a.red.close()
    replica_b.red.close()


def test_redis_url_is_split_for_rasa():
    assert redis_parameters("rediss://:pw@cache:6380/2") == {
        "host": "cache",
        "port": 6380,
        "db": 2,
        "username": None,
        "password": "pw",
        "use_ssl": True,
    }
    with pytest.raises(ValueError):
        redis_parameters("http://cache")
