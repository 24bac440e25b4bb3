"""Per-sender and per-address rate limits for every input channel.

A token bucket per key: a key may spend ``burst`` messages at once, and earns
``rate`` more per second after that, up to ``burst`` again. Buckets live in
Redis when ``REDIS_URL`` is set (several Rasa replicas share them; one atomic
Lua script per check) and in memory otherwise (one process).

Channels do not pick numbers themselves; they ask :class:`MessageLimits`,
the product's policy (from settings)::

    limits = MessageLimits.shared()           # one per process
    if not await limits.admit(sender_id=sender, address=ip, text=guarded.text):
        ...answer with the response utter_rate_limited, do not process...

``admit`` charges, in order, the address bucket (many senders from one
place), the sender's bucket, and for the escalation payloads (which open
tickets: ``/urgent_symptoms``, ``/request_human``, ``/delete_data``) a much
smaller per-sender bucket. A refused message is not processed and not queued:
the patient is told to wait a moment and sends it again.

If Redis cannot be reached the check lets the message through (and logs a
warning): an outage of the cache must not silence the assistant.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol, Tuple

from bot.settings import Settings, get_settings

logger = logging.getLogger(__name__)

#: Payloads that open or update an escalation ticket.
ESCALATION_PAYLOADS = frozenset({"/urgent_symptoms", "/request_human", "/delete_data"})
#: Keys kept by the in-memory buckets (least recently used are forgotten; a
#: forgotten key starts with a full bucket again).
MEMORY_CAPACITY = 100_000
REDIS_PREFIX = "cryo:ratelimit:"


@dataclass(frozen=True)
class Bucket:
    """The shape of a token bucket.

    Attributes:
        burst: tokens when full (requests allowed at once).
        rate: tokens earned per second.
    """

    burst: int
    rate: float

    @classmethod
    def per_minute(cls, burst: int, per_minute: float) -> "Bucket":
        """A bucket earning ``per_minute`` tokens a minute."""
        return cls(burst=max(1, int(burst)), rate=max(0.0, per_minute) / 60.0)

    @property
    def ttl_seconds(self) -> int:
        """How long after its last use a bucket is full again (then forgettable)."""
        if self.rate <= 0:
            return 7 * 24 * 3600
        return int(math.ceil(self.burst / self.rate)) + 1


def refill(
    tokens: float, updated: float, now: float, bucket: Bucket
) -> Tuple[float, float]:
    """Tokens in a bucket at ``now`` (never more than ``burst``), and ``now``.

    >>> refill(0.0, 10.0, 12.0, Bucket(burst=5, rate=1.0))
    (2.0, 12.0)
    """
    elapsed = max(0.0, now - updated)
    return min(float(bucket.burst), tokens + elapsed * bucket.rate), now


class Buckets(Protocol):
    """Storage of token buckets (memory or Redis)."""

    async def take(self, key: str, bucket: Bucket, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens of ``key``'s bucket if it has them."""
        ...  # pragma: no cover


class MemoryBuckets:
    """Token buckets in this process (LRU-bounded)."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = MEMORY_CAPACITY,
    ) -> None:
        self._clock = clock
        self._capacity = capacity
        self._state: "OrderedDict[str, Tuple[float, float]]" = OrderedDict()
        self._lock = threading.Lock()

    async def take(self, key: str, bucket: Bucket, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens of ``key``'s bucket if it has them."""
        now = self._clock()
        with self._lock:
            tokens, updated = self._state.get(key, (float(bucket.burst), now))
            tokens, _ = refill(tokens, updated, now, bucket)
            allowed = tokens >= cost
            if allowed:
                tokens -= cost
            self._state[key] = (tokens, now)
            self._state.move_to_end(key)
            while len(self._state) > self._capacity:
                self._state.popitem(last=False)
        return allowed


# KEYS[1] bucket key; ARGV: burst, rate per second, now, cost, ttl.
_TAKE_SCRIPT = """
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local now = tonumber(ARGV[3])
local cost = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
local elapsed = now - ts
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate)
local allowed = 0
if tokens >= cost then
  tokens = tokens - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return allowed
"""


class RedisBuckets:
    """Token buckets in Redis, shared by every replica.

    The client is created on first use, inside the running event loop (an
    asyncio Redis client belongs to the loop it was created in).
    """

    def __init__(
        self,
        url: str,
        prefix: str = REDIS_PREFIX,
        clock: Callable[[], float] = time.time,
        client: Any = None,
    ) -> None:
        self._url = url
        self._prefix = prefix
        self._clock = clock
        self._client = client
        self._script: Any = None

    def _take_script(self) -> Any:
        if self._client is None:
            from redis.asyncio import Redis

            self._client = Redis.from_url(self._url, socket_timeout=2)
        if self._script is None:
            self._script = self._client.register_script(_TAKE_SCRIPT)
        return self._script

    async def take(self, key: str, bucket: Bucket, cost: float = 1.0) -> bool:
        """Spend ``cost`` tokens of ``key``'s bucket if it has them (atomic)."""
        try:
            allowed = await self._take_script()(
                keys=[self._prefix + key],
                args=[
                    bucket.burst,
                    bucket.rate,
                    self._clock(),
                    cost,
                    bucket.ttl_seconds,
                ],
            )
        except Exception as error:  # noqa: BLE001 - fail open, loudly
            logger.warning(
                "Rate limit not checked (Redis unavailable: %s)", type(error).__name__
            )
            return True
        return bool(int(allowed))

    async def close(self) -> None:
        """Close the Redis connection pool."""
        if self._client is not None:
            await self._client.close()
            self._client = None
            self._script = None


class MessageLimits:
    """The product's limits on incoming patient messages (see the module doc).

    Attributes:
        sender: bucket of one sender id.
        address: bucket of one network address.
        escalation: bucket of one sender's escalation payloads.
    """

    _shared: Optional["MessageLimits"] = None
    _shared_lock = threading.Lock()

    def __init__(
        self, buckets: Buckets, sender: Bucket, address: Bucket, escalation: Bucket
    ) -> None:
        self.buckets = buckets
        self.sender = sender
        self.address = address
        self.escalation = escalation

    @classmethod
    def from_settings(cls, settings: Settings) -> "MessageLimits":
        """Limits as configured; Redis buckets when ``REDIS_URL`` is set."""
        buckets: Buckets = (
            RedisBuckets(settings.redis_url) if settings.redis_url else MemoryBuckets()
        )
        return cls(
            buckets,
            sender=Bucket.per_minute(
                settings.sender_rate_burst, settings.sender_rate_per_minute
            ),
            address=Bucket.per_minute(
                settings.address_rate_burst, settings.address_rate_per_minute
            ),
            escalation=Bucket.per_minute(
                settings.escalation_rate_burst, settings.escalation_rate_per_hour / 60
            ),
        )

    @classmethod
    def shared(cls) -> "MessageLimits":
        """The process's limits (REST and widget share them), built on first use."""
        with cls._shared_lock:
            if cls._shared is None:
                cls._shared = cls.from_settings(get_settings())
            return cls._shared

    async def admit(self, *, sender_id: str, address: Optional[str], text: str) -> bool:
        """Whether to process one message; charges the buckets it passes.

        Args:
            sender_id: the Rasa sender id (already namespaced).
            address: the client's network address, when known.
            text: the guarded text (to recognise escalation payloads).

        Returns:
            True to process it; False to answer "please wait a moment" instead.
        """
        if address and not await self.buckets.take(f"addr:{address}", self.address):
            return False
        if not await self.buckets.take(f"sender:{sender_id}", self.sender):
            return False
        if text in ESCALATION_PAYLOADS:
            return await self.buckets.take(f"escalation:{sender_id}", self.escalation)
        return True

    async def admit_address(self, address: Optional[str]) -> bool:
        """Charge only the address bucket (e.g. for opening a new widget session)."""
        if not address:
            return True
        return await self.buckets.take(f"addr:{address}", self.address)
