"""Rasa's lock store from the product's settings.

Configured in ``endpoints.yml`` as::

    lock_store:
      type: bot.store.lock_store.ProductLockStore

With ``REDIS_URL`` set (production: several Rasa replicas), locks live in
Redis so two replicas never process the same conversation at once. Without it
(a laptop, one process), the class hands back Rasa's ``InMemoryLockStore``:
Rasa instantiates custom lock stores by class path, so the choice is made in
``__new__``.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit

from rasa.core.lock_store import InMemoryLockStore, LockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from bot.settings import get_settings

logger = logging.getLogger(__name__)


def redis_parameters(url: str) -> dict:
    """Split ``redis://[user:password@]host[:port][/db]`` (or ``rediss://``).

    Returns:
        Keyword arguments for ``RedisLockStore``.

    """
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError("REDIS_URL must start with redis:// or rediss://")
    path = parts.path.strip("/")
    return {
        "host": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": int(path) if path else 0,
        "username": unquote(parts.username) if parts.username else None,
        "password": unquote(parts.password) if parts.password else None,
        "use_ssl": parts.scheme == "rediss",
    }


class ProductLockStore(RedisLockStore):
    """``RedisLockStore`` on ``REDIS_URL``; ``InMemoryLockStore`` when it is unset."""

    def __new__(  # noqa: D102 - documented on the class
        cls, endpoint_config: EndpointConfig | None = None, **kwargs: Any
    ) -> LockStore:
        if not get_settings().redis_url:
            logger.info("REDIS_URL unset: using the in-memory lock store")
            return InMemoryLockStore()
        return super().__new__(cls)

    def __init__(
        self, endpoint_config: EndpointConfig | None = None, **kwargs: Any
    ) -> None:
        """Connect to Redis and check it answers (fail at start, not mid-chat).

        Args:
            endpoint_config: the ``lock_store`` section; ``key_prefix`` and
                ``socket_timeout`` are honoured, the address comes from
                ``REDIS_URL``.
            **kwargs: same keys when constructed directly.

        """
        options = dict(endpoint_config.kwargs) if endpoint_config else {}
        options.update(kwargs)
        params = redis_parameters(get_settings().redis_url or "")
        for key in ("key_prefix", "socket_timeout"):
            if key in options:
                params[key] = options[key]
        super().__init__(**params)
        self.red.ping()
