"""Errors raised by the data layer.

Every error is a :class:`StoreError`, so an edge (an action, a route, the CLI)
can catch the family and report it; none of them is swallowed inside
``bot.store``.
"""

from __future__ import annotations


class StoreError(RuntimeError):
    """Base class of the data layer's own errors."""


class EncryptionKeyError(StoreError):
    """No usable encryption key: the process must not start."""


class DecryptionError(StoreError):
    """A stored value cannot be decrypted with any configured key."""


class ConsentRequired(StoreError):
    """Health or contact data offered for a conversation without current consent."""


class InvalidTransition(StoreError):
    """A ticket status change that the workflow does not allow."""


class NotFound(StoreError):
    """The row asked for does not exist (or was erased)."""
