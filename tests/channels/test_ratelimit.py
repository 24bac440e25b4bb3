"""Token buckets: in memory (one process) and in the real Redis (replicas)."""

from __future__ import annotations

import asyncio
import socket
import uuid

import pytest

from bot.channels.ratelimit import (
    ESCALATION_PAYLOADS,
    Bucket,
    MemoryBuckets,
    MessageLimits,
    RedisBuckets,
)
from bot.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


class Clock:
    """A clock the test moves by hand (no sleeping, no chance)."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


async def _takes(buckets, key, bucket, n):
    return [await buckets.take(key, bucket) for _ in range(n)]


@pytest.fixture(params=["memory", "redis"])
def buckets(request):
    """``(run, clock)``: ``run(scenario)`` runs ``scenario(store)`` in one loop.

    Redis buckets use a key prefix of their own and are deleted afterwards,
    in the same event loop as the client (which belongs to it).
    """
    clock = Clock()

    def run(scenario):
        async def wrapped():
            if request.param == "memory":
                return await scenario(MemoryBuckets(clock=clock))
            prefix = f"ratelimit-test:{uuid.uuid4().hex}:"
            store = RedisBuckets(REDIS_URL, prefix=prefix, clock=clock)
            try:
                return await scenario(store)
            finally:
                keys = [k async for k in store._client.scan_iter(match=prefix + "*")]
                if keys:
                    await store._client.delete(*keys)
                await store.close()

        return asyncio.run(wrapped())

    return run, clock


def test_a_burst_then_the_refill_rate(buckets):
    run, clock = buckets
    bucket = Bucket.per_minute(burst=3, per_minute=60)  # 1 token a second

    async def scenario(store):
        first = await _takes(store, "sender:a", bucket, 4)
        clock.now += 1.0
        second = await _takes(store, "sender:a", bucket, 2)
        clock.now += 10.0  # refills up to the burst, not beyond
        third = await _takes(store, "sender:a", bucket, 4)
        other = await _takes(store, "sender:b", bucket, 1)
        return first, second, third, other

    first, second, third, other = run(scenario)
    assert first == [True, True, True, False]
    assert second == [True, False]
    assert third == [True, True, True, False]
    assert other == [True]


def test_sixty_in_three_seconds_then_the_sixty_first_waits(buckets):
    run, clock = buckets
    bucket = Bucket.per_minute(burst=60, per_minute=20)

    async def scenario(store):
        results = []
        for i in range(61):
            clock.now = 1_000.0 + i * (3.0 / 61)
            results.append(await store.take("sender:x", bucket))
        return results

    results = run(scenario)
    assert results[:60] == [True] * 60
    assert results[60] is False


def test_redis_buckets_are_shared_between_replicas():
    clock = Clock()
    prefix = f"ratelimit-test:{uuid.uuid4().hex}:"
    bucket = Bucket.per_minute(burst=2, per_minute=0)

    async def scenario():
        replica_a = RedisBuckets(REDIS_URL, prefix=prefix, clock=clock)
        replica_b = RedisBuckets(REDIS_URL, prefix=prefix, clock=clock)
        try:
            return [
                await replica_a.take("sender:s", bucket),
                await replica_b.take("sender:s", bucket),
                await replica_a.take("sender:s", bucket),
                await replica_b.take("sender:s", bucket),
            ]
        finally:
            keys = [k async for k in replica_a._client.scan_iter(match=prefix + "*")]
            if keys:
                await replica_a._client.delete(*keys)
            await replica_a.close()
            await replica_b.close()

    assert asyncio.run(scenario()) == [True, True, False, False]


def test_unreachable_redis_lets_messages_through_and_says_so(caplog):
    # A port this test holds bound but never listens on: connections refused.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{held.getsockname()[1]}/0"

        async def scenario():
            store = RedisBuckets(url)
            try:
                return await store.take("sender:x", Bucket(burst=1, rate=0))
            finally:
                await store.close()

        assert asyncio.run(scenario()) is True
    assert "Rate limit not checked" in caplog.text


def _limits(clock, **buckets) -> MessageLimits:
    return MessageLimits(
        MemoryBuckets(clock=clock),
        sender=buckets.get("sender", Bucket(burst=5, rate=0)),
        address=buckets.get("address", Bucket(burst=8, rate=0)),
        escalation=buckets.get("escalation", Bucket(burst=2, rate=0)),
    )


def test_one_address_cannot_flood_with_many_senders():
    limits = _limits(Clock())

    async def scenario():
        return [
            await limits.admit(sender_id=f"rest:s{i}", address="10.0.0.9", text="hi")
            for i in range(9)
        ] + [await limits.admit(sender_id="rest:s0", address="10.0.0.8", text="hi")]

    assert asyncio.run(scenario()) == [True] * 8 + [False, True]


def test_escalation_payloads_have_their_own_smaller_bucket():
    limits = _limits(Clock())

    async def scenario():
        urgent = [
            await limits.admit(sender_id="web:a", address=None, text="/urgent_symptoms")
            for _ in range(3)
        ]
        words = await limits.admit(sender_id="web:a", address=None, text="hello")
        return urgent, words

    urgent, words = asyncio.run(scenario())
    assert urgent == [True, True, False]
    assert words is True  # ordinary messages still go through
    assert {"/urgent_symptoms", "/request_human", "/delete_data"} == ESCALATION_PAYLOADS


def test_limits_follow_the_settings():
    settings = Settings(
        sender_rate_burst=7,
        sender_rate_per_minute=30,
        escalation_rate_burst=2,
        escalation_rate_per_hour=6,
    )
    limits = MessageLimits.from_settings(settings)
    assert isinstance(limits.buckets, MemoryBuckets)
    assert limits.sender == Bucket(burst=7, rate=0.5)
    assert limits.escalation.burst == 2 and limits.escalation.rate == pytest.approx(
        6 / 3600
    )
    with_redis = MessageLimits.from_settings(Settings(redis_url=REDIS_URL))
    assert isinstance(with_redis.buckets, RedisBuckets)
