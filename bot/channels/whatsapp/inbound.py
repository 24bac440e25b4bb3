"""Patients' WhatsApp messages: claimed before the webhook answers, processed after.

For every message of a verified webhook, in one short transaction:
the conversation is found or created under its keyed sender id
(:mod:`.ids`; the number itself is kept encrypted with the contact details, for
replies), messages held while the 24-hour window was closed are released (the
patient just reopened it), and the message id is claimed in
``processed_inbound`` together with the message itself, encrypted. The unique
constraint on the id decides between two deliveries of the same message, even
in two processes: only one claim succeeds.

The webhook then answers 200 and the message is processed in the background
(:meth:`InboundQueue.process_later`). When processing succeeds the stored text
is dropped and the id kept. When it fails, the message is tried again after a
short wait; a process that died mid-way leaves its lease to run out and any
process takes the message over (:meth:`InboundQueue.recover_once`). After
``max_attempts`` the message is marked failed and staff get a ticket
(``message_not_processed``): it is never dropped silently.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from typing import Awaitable, Callable, List, Optional, Sequence

from bot.channels import identity
from bot.channels.whatsapp.messages import Inbound
from bot.store import messaging
from bot.store.conversations import (
    get_or_create_conversation,
    record_inbound,
    set_channel_address,
)
from bot.store.db import session_scope
from bot.store.edge import describe_error
from bot.store.models import Conversation
from bot.store.tickets import add_note, open_ticket
from bot.store.types import utcnow

logger = logging.getLogger(__name__)

ADDRESS_FIELD = "whatsapp"
NOT_PROCESSED = "message_not_processed"
NOT_PROCESSED_NOTE = (
    "A WhatsApp message from this patient could not be processed after "
    "{attempts} attempts; the assistant did not answer it. Please read the "
    "conversation and reply."
)


@dataclass(frozen=True)
class Claimed:
    """A message this process has claimed and must process."""

    inbound_id: int
    sender_id: str
    message: Inbound
    attempts: int = 1


Handler = Callable[[Inbound, str], Awaitable[None]]

_executor: Optional[ThreadPoolExecutor] = None
_executor_lock = threading.Lock()


def _claim_executor() -> ThreadPoolExecutor:
    """Threads that only claim webhooks' messages (created on first use)."""
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wa-claim")
        return _executor


class InboundQueue:
    """Claim, process after the response, retry, recover (see the module docstring)."""

    def __init__(
        self,
        *,
        channel: str,
        id_secret: bytes,
        handler: Handler,
        lease_seconds: float = 120.0,
        retry_seconds: float = 5.0,
        max_attempts: int = 3,
        concurrency: int = 4,
    ) -> None:
        self.channel = channel
        self.id_secret = id_secret
        self.handler = handler
        self.lease_seconds = lease_seconds
        self.retry_seconds = retry_seconds
        self.max_attempts = max_attempts
        self.concurrency = concurrency
        self._semaphore: Optional[asyncio.Semaphore] = None
        self._tasks: set = set()

    def sender_id(self, number: str) -> str:
        """The conversation's sender id for a phone number (never the number)."""
        return identity.hashed_sender_id(self.channel, number, self.id_secret)

    # -- before the webhook answers ------------------------------------------

    def _claim_one(self, message: Inbound) -> Optional[Claimed]:
        sender_id = self.sender_id(message.sender)
        with session_scope() as session:
            conversation = get_or_create_conversation(
                session=session, channel=self.channel, sender_id=sender_id
            )
            set_channel_address(
                session=session,
                conversation=conversation,
                field=ADDRESS_FIELD,
                address=identity.normalise_phone(message.sender),
            )
            row = messaging.claim_inbound(
                session=session,
                channel=self.channel,
                message_id=message.message_id,
                conversation=conversation,
                payload=message.to_dict(),
                lease_seconds=self.lease_seconds,
            )
            if row is None:
                return None
            # When the patient last wrote: the 24-hour window (the console shows it).
            record_inbound(session=session, conversation=conversation)
            released = messaging.release_held(
                session=session, conversation=conversation
            )
            if released:
                logger.info(
                    "Window reopened: %d held message(s) released: "
                    "channel=%s sender=%s",
                    released,
                    self.channel,
                    sender_id,
                )
            session.flush()
            return Claimed(row.id, sender_id, message)

    def _claim(self, messages: Sequence[Inbound]) -> List[Claimed]:
        claimed = []
        for message in messages:
            try:
                digits = identity.normalise_phone(message.sender)
            except identity.InvalidSenderError:
                digits = ""
            if not 6 <= len(digits) <= 20:
                logger.warning(
                    "Ignored a %s message without a valid sender", self.channel
                )
                continue
            one = self._claim_one(message)
            if one is None:
                logger.info(
                    "Duplicate %s delivery ignored (already claimed)", self.channel
                )
            else:
                claimed.append(one)
        return claimed

    async def accept(self, messages: Sequence[Inbound]) -> List[Claimed]:
        """Claim the messages (in a worker thread); returns those that are ours.

        Raises:
            Exception: the database failed; answer the webhook with an error so
                that the provider delivers it again later.
        """
        if not messages:
            return []
        # Own threads: a webhook's claim never waits behind the outbox's work.
        return await asyncio.get_running_loop().run_in_executor(
            _claim_executor(), self._claim, list(messages)
        )

    # -- after the webhook answered -------------------------------------------

    def process_later(self, claimed: Sequence[Claimed]) -> Optional[asyncio.Task]:
        """Process the messages, in order, in the background."""
        if not claimed:
            return None
        task = asyncio.get_running_loop().create_task(self._process_all(list(claimed)))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_idle(self) -> None:
        """Wait for every message being processed (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _process_all(self, claimed: List[Claimed]) -> None:
        for item in claimed:
            await self.process(item)

    def _limit(self) -> asyncio.Semaphore:
        # Created in the running loop (a semaphore belongs to one loop).
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.concurrency)
        return self._semaphore

    async def process(self, item: Claimed) -> bool:
        """Process one claimed message; record the outcome. True when handled.

        At most ``concurrency`` messages are processed at once: the model and
        the dialogue run in the server's one event loop, and webhooks must
        still be answered at once while many patients write.
        """
        try:
            async with self._limit():
                await self.handler(item.message, item.sender_id)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - retried, then shown to staff
            where = describe_error(error)
            await asyncio.to_thread(self._failed, item, where)
            return False
        await asyncio.to_thread(self._done, item.inbound_id)
        return True

    def _done(self, inbound_id: int) -> None:
        with session_scope() as session:
            messaging.complete_inbound(session=session, inbound_id=inbound_id)

    def _failed(self, item: Claimed, where: str) -> None:
        if item.attempts < self.max_attempts:
            logger.error(
                "Processing a %s message failed (%s), attempt %d of %d; will retry: "
                "sender=%s",
                self.channel,
                where,
                item.attempts,
                self.max_attempts,
                item.sender_id,
            )
            with session_scope() as session:
                messaging.retry_inbound_later(
                    session=session,
                    inbound_id=item.inbound_id,
                    error=where,
                    retry_at=utcnow() + timedelta(seconds=self.retry_seconds),
                )
            return
        logger.error(
            "Processing a %s message failed %d times (%s): given up, ticket for "
            "staff: sender=%s",
            self.channel,
            item.attempts,
            where,
            item.sender_id,
        )
        with session_scope() as session:
            messaging.fail_inbound(
                session=session, inbound_id=item.inbound_id, error=where
            )
            conversation = session.get(
                Conversation, self._conversation_id(session, item)
            )
            if conversation is not None:
                ticket = open_ticket(
                    session=session,
                    conversation=conversation,
                    reason=NOT_PROCESSED,
                    priority="high",
                )
                add_note(
                    session=session,
                    ticket=ticket,
                    author=None,
                    body=NOT_PROCESSED_NOTE.format(attempts=item.attempts),
                )

    @staticmethod
    def _conversation_id(session, item: Claimed) -> Optional[int]:
        from bot.store.models import ProcessedInbound

        row = session.get(ProcessedInbound, item.inbound_id)
        return row.conversation_id if row is not None else None

    # -- recovery ----------------------------------------------------------------

    def _lease_stale(self) -> List[Claimed]:
        with session_scope() as session:
            rows = messaging.lease_stale_inbound(
                session=session,
                channels=[self.channel],
                lease_seconds=self.lease_seconds,
            )
            taken = []
            for row in rows:
                conversation = session.get(Conversation, row.conversation_id)
                if conversation is None or not row.payload:
                    messaging.fail_inbound(
                        session=session, inbound_id=row.id, error="nothing-to-process"
                    )
                    continue
                taken.append(
                    Claimed(
                        row.id,
                        conversation.sender_id,
                        Inbound.from_dict(row.payload),
                        row.attempts,
                    )
                )
            return taken

    async def recover_once(self) -> int:
        """Process messages whose process died or whose retry is due; returns count."""
        taken = await asyncio.to_thread(self._lease_stale)
        for item in taken:
            logger.info(
                "Recovering a %s message (attempt %d): sender=%s",
                self.channel,
                item.attempts,
                item.sender_id,
            )
            await self.process(item)
        return len(taken)

    async def run_recovery(self, interval: float) -> None:
        """Recover every ``interval`` seconds until cancelled."""
        while True:
            try:
                await self.recover_once()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - try again next time
                logger.error("Inbound recovery failed: %s", describe_error(error))
            await asyncio.sleep(interval)
