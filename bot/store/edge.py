"""One way to write something for a conversation from the chat's edge.

Every action that stores something for the patient in front of it (consent, a
screening, an escalation ticket, a privacy request) does the same four
things: open one short transaction, find or create the conversation, call a
repository, and, if anything fails, log it without the patient's words and
carry on, because the patient's reply must never be lost to a database fault.
:func:`write_for_conversation` is that pattern, written once::

    stored = write_for_conversation(
        lambda session, conversation: record_consent(
            session=session, conversation=conversation, given=True
        ),
        channel="socketio",
        sender_id=sender,
        what="screening consent",
    )
    if not stored.ok:
        dispatcher.utter_message(response="utter_try_again_later")

The transaction is owned here (``session_scope``), so the repository called
must not commit, as every repository of :mod:`bot.store` already does.
"""

from __future__ import annotations

import logging
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Generic, Optional, TypeVar

from sqlalchemy.orm import Session

from bot.store.conversations import get_or_create_conversation
from bot.store.db import session_scope
from bot.store.models import Conversation

logger = logging.getLogger("bot.store.edge")

T = TypeVar("T")


@dataclass(frozen=True)
class Written(Generic[T]):
    """What a write from the edge gave: whether it was stored, and its value.

    Attributes:
        ok: True when the transaction committed.
        value: what the work returned (``None`` when ``ok`` is False).
    """

    ok: bool
    value: Optional[T] = None


def write_for_conversation(
    work: Callable[[Session, Conversation], T],
    *,
    channel: str,
    sender_id: str,
    what: str,
    level: int = logging.ERROR,
) -> Written[T]:
    """Run ``work`` in one transaction for the patient's conversation; never raise.

    Args:
        work: called with the session and the conversation (created on first
            contact); its return value is read inside the transaction, so it
            may return plain values such as a row's id.
        channel: the input channel (``socketio``, ``rest`` …).
        sender_id: the channel's (namespaced) id of the patient.
        what: a short description for the log line, never patient text.
        level: how loudly a failure is logged (``CRITICAL`` for an emergency).

    Returns:
        ``Written(ok=True, value=…)`` once committed; ``Written(ok=False)`` when
        the data layer failed or refused (logged with the error's type and
        place, never its message, which may quote what the patient typed).
    """
    try:
        with session_scope() as session:
            conversation = get_or_create_conversation(
                session=session, channel=channel, sender_id=sender_id
            )
            value = work(session, conversation)
            session.flush()
        return Written(ok=True, value=value)
    except Exception as error:  # noqa: BLE001 - reported, and the chat goes on
        logger.log(
            level,
            "NOT stored: %s for channel=%s sender=%s: %s",
            what,
            channel,
            sender_id,
            describe_error(error),
        )
        return Written(ok=False)


def call_for_conversation(
    repository: Callable[..., T],
    *,
    channel: str,
    sender_id: str,
    what: str,
    level: int = logging.ERROR,
    **arguments: object,
) -> Written[T]:
    """Call a repository function for the patient's conversation; never raise.

    :func:`write_for_conversation` for the usual case, a repository function
    that takes ``session`` and ``conversation`` by keyword::

        call_for_conversation(
            record_consent, channel=c, sender_id=s, what="consent", given=True
        )

    Args:
        repository: e.g. ``bot.store.screenings.save_screening``.
        channel: the input channel.
        sender_id: the channel's (namespaced) id of the patient.
        what: a short description for the log line, never patient text.
        level: how loudly a failure is logged.
        **arguments: the repository's other keyword arguments.

    Returns:
        What :func:`write_for_conversation` returns.

    """
    return write_for_conversation(
        lambda session, conversation: repository(
            session=session, conversation=conversation, **arguments
        ),
        channel=channel,
        sender_id=sender_id,
        what=what,
        level=level,
    )


def describe_error(error: BaseException) -> str:
    """The error's type and where it was raised, without its message.

    Database errors quote the statement's parameters in their message, and
    those can be what the patient typed; the type and the innermost frame are
    enough to find the fault.

    >>> try:
    ...     {}["x"]
    ... except KeyError as e:
    ...     describe_error(e).startswith("KeyError at ")
    True
    """
    frame = (
        traceback.extract_tb(error.__traceback__)[-1:] if error.__traceback__ else []
    )
    where = f" at {Path(frame[0].filename).name}:{frame[0].lineno}" if frame else ""
    return f"{type(error).__name__}{where}"
