"""The outbox sender: every WhatsApp message the patient gets goes through here.

Output channels only queue messages (:func:`bot.store.messaging.queue_outbound`,
one row per WhatsApp message, encrypted); this sender delivers them:

* **in order within a conversation**: only the oldest pending message of a
  conversation is ever taken (a database query, so it holds across several
  Rasa processes), and the next one only after it was accepted;
* **retried with backoff** on throttling (Meta 130429, 131056, HTTP 429) and
  on the provider's 5xx, honouring ``Retry-After``; ``base * 2^(n-1)``
  seconds after the n-th failed attempt, capped at five minutes;
* **at most once**: a message is marked sent as soon as the provider accepts
  it; when the outcome of a send is unknown (a timeout, or the process died
  mid-send) it is sent again only after ``OUTBOX_ACK_GRACE_SECONDS``, unless the
  provider's status callback, which carries our outbox id, says it arrived;
* **nothing lost on restart**: rows stay in the database until sent; a taken
  row has a lease, and any sender takes it over when the lease runs out;
* **a message that still fails** after ``OUTBOX_MAX_ATTEMPTS`` (or at once, on
  a permanent error) is marked ``failed``, logged (without its text) and put
  in front of staff: a ticket (``delivery_failed``) with a note;
* **the 24-hour window** (:mod:`.window`): outside it a coordinator's message
  is held and the approved template goes out instead (once), the coordinator
  gets a note on the ticket, and what was held is sent when the patient
  writes again; a bot message is refused.

One sender per process serves both providers (:func:`get_sender`); the
database calls run in a worker thread so the Rasa event loop never waits on
SQLite's write lock.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from bot.channels.whatsapp import window
from bot.channels.whatsapp.config import SERVICE_NAME, SenderTuning, TemplateConfig
from bot.channels.whatsapp.provider import Provider, ProviderError
from bot.store import messaging
from bot.store.conversations import channel_address
from bot.store.db import session_scope
from bot.store.edge import describe_error
from bot.store.models import Conversation, OutboxMessage
from bot.store.tickets import add_note, get_open_ticket, open_ticket
from bot.store.types import utcnow

logger = logging.getLogger(__name__)

ADDRESS_FIELD = "whatsapp"
MAX_BACKOFF_SECONDS = 300.0
#: How long a sender may hold a message before another may take it over.
LEASE_MARGIN_SECONDS = 30.0
DELIVERY_FAILED = "delivery_failed"

WINDOW_NOTE = (
    "WhatsApp's 24-hour window had closed, so this message was not delivered "
    "yet: the approved template ({template}) was sent asking the patient to "
    "reply, and the message goes out as soon as they do."
)
REFUSED_NOTE = (
    "WhatsApp's 24-hour window had closed and no approved template is "
    "configured, so this message could not be sent. Please contact the "
    "patient another way."
)
FAILED_NOTE = (
    "A WhatsApp message to the patient could not be delivered ({error}). "
    "Please contact the patient another way if needed."
)


@dataclass(frozen=True)
class Job:
    """One taken outbox row, with what the send needs (read in the worker thread)."""

    outbox_id: int
    conversation_id: int
    channel: str
    sender_id: str
    address: Optional[str]
    origin: str
    payload: Dict[str, Any]
    attempts: int
    window_open: bool
    template_pending: bool


def backoff(attempts: int, base: float) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt.

    >>> [backoff(n, 2.0) for n in (1, 2, 3)]
    [2.0, 4.0, 8.0]
    """
    return min(MAX_BACKOFF_SECONDS, base * (2 ** max(0, attempts - 1)))


def template_parameters(template: TemplateConfig, payload: Dict[str, Any]) -> List[str]:
    """Values for the template's ``{{1}}`` … (never the held message's text)."""
    values = {
        "coordinator_name": str(payload.get("name") or "A coordinator"),
        "service_name": SERVICE_NAME,
    }
    return [values[name] for name in template.params]


class OutboxSender:
    """Sends queued WhatsApp messages (see the module docstring)."""

    def __init__(self, tuning: SenderTuning, *, poll_seconds: float = 2.0) -> None:
        self.tuning = tuning
        self.poll_seconds = poll_seconds
        self.providers: Dict[str, Provider] = {}
        self._wake = asyncio.Event()
        self._task: Optional[asyncio.Task] = None

    # -- control ------------------------------------------------------------

    def register(self, provider: Provider) -> None:
        """Serve the conversations of ``provider.channel``."""
        self.providers[provider.channel] = provider

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Run in the background of the current event loop (idempotent)."""
        if self._task is None or self._task.done():
            self._wake = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self.run())

    async def stop(self) -> None:
        """Stop the background loop (queued messages stay in the database)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass

    def _defer_unconfirmed(self) -> int:
        until = utcnow() + timedelta(seconds=self.tuning.ack_grace_seconds)
        with session_scope() as session:
            return messaging.defer_unconfirmed(
                session=session, channels=list(self.providers), until=until
            )

    async def run(self) -> None:
        """Deliver until cancelled: after every wake-up, and every poll interval.

        First, sends a dead process left in flight wait ``ack_grace_seconds``
        from now: their status callbacks can only reach a running server.
        """
        try:
            waiting = await asyncio.to_thread(self._defer_unconfirmed)
        except Exception as error:  # noqa: BLE001 - then they wait their lease
            logger.error(
                "Could not look for unconfirmed sends: %s", describe_error(error)
            )
            waiting = 0
        if waiting:
            logger.warning(
                "%d WhatsApp message(s) were being sent when a server stopped: "
                "waiting %.0fs for the provider's confirmation before sending again",
                waiting,
                self.tuning.ack_grace_seconds,
            )
        while True:
            try:
                while await self.drain_once():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - keep sending later
                logger.error("Outbox sender round failed: %s", describe_error(error))
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    # -- one round ------------------------------------------------------------

    def _take(self) -> List[Job]:
        lease = self.tuning.timeout_seconds + LEASE_MARGIN_SECONDS
        with session_scope() as session:
            rows = messaging.claim_due_outbound(
                session=session,
                channels=list(self.providers),
                lease_seconds=lease,
                hold_seconds=max(lease, self.tuning.ack_grace_seconds),
            )
            jobs = []
            for row in rows:
                conversation = session.get(Conversation, row.conversation_id)
                # When the patient last wrote (issue 10's record_inbound).
                last = conversation.last_inbound_at
                state = window.window_state(last)
                jobs.append(
                    Job(
                        outbox_id=row.id,
                        conversation_id=row.conversation_id,
                        channel=conversation.channel,
                        sender_id=conversation.sender_id,
                        address=channel_address(conversation, ADDRESS_FIELD),
                        origin=row.origin,
                        payload=dict(row.payload or {}),
                        attempts=row.attempts,
                        window_open=state.open,
                        template_pending=messaging.template_sent_since(
                            session=session, conversation=conversation, since=last
                        ),
                    )
                )
            return jobs

    async def drain_once(self) -> int:
        """Send what is due (one message per conversation); returns how many."""
        if not self.providers:
            return 0
        jobs = await asyncio.to_thread(self._take)
        if jobs:
            await asyncio.gather(*(self._deliver(job) for job in jobs))
        return len(jobs)

    async def _deliver(self, job: Job) -> None:
        provider = self.providers.get(job.channel)
        if provider is None or not job.address:
            await self._give_up(job, "no-address" if provider else "no-provider")
            return
        is_template = job.origin == "template"
        if is_template and job.window_open:
            # The patient wrote meanwhile: what was held goes out as it is.
            await asyncio.to_thread(self._refuse, job, "window-reopened")
            return
        if not is_template:
            decision = window.decide(
                window.WindowState(job.window_open, None),
                from_staff=job.origin in ("coordinator", "notice"),
                has_template=provider.has_template,
            )
            if decision != window.SEND:
                await self._outside_window(job, provider, decision)
                return
        try:
            if is_template:
                template = getattr(provider, "template", None)
                params = template_parameters(template, job.payload) if template else []
                provider_id = await provider.send_template(
                    job.address, params, job.outbox_id
                )
            else:
                provider_id = await provider.send(
                    job.address, job.payload.get("part") or {}, job.outbox_id
                )
        except ProviderError as error:
            await self._failed_attempt(job, provider, error)
            return
        except Exception as error:  # noqa: BLE001 - a bug must not stop the queue
            await self._failed_attempt(
                job, provider, ProviderError(describe_error(error), retryable=True)
            )
            return
        await asyncio.to_thread(self._sent, job.outbox_id, provider_id)

    def _sent(self, outbox_id: int, provider_id: str) -> None:
        with session_scope() as session:
            messaging.outbound_sent(
                session=session, outbox_id=outbox_id, provider_message_id=provider_id
            )

    async def _failed_attempt(
        self, job: Job, provider: Provider, error: ProviderError
    ) -> None:
        if error.window_closed and job.origin != "template":
            decision = window.decide(
                window.WindowState(False, None),
                from_staff=job.origin in ("coordinator", "notice"),
                has_template=provider.has_template,
            )
            await self._outside_window(job, provider, decision)
            return
        if error.retryable and job.attempts < self.tuning.max_attempts:
            wait = backoff(job.attempts, self.tuning.retry_base_seconds)
            if error.retry_after is not None:
                wait = max(wait, error.retry_after)
            if error.outcome_unknown:
                wait = max(wait, self.tuning.ack_grace_seconds)
            retry_at = utcnow() + timedelta(seconds=wait)
            logger.warning(
                "WhatsApp send failed (%s), attempt %d; retry in %.1fs: outbox=%d",
                error.code,
                job.attempts,
                wait,
                job.outbox_id,
            )
            await asyncio.to_thread(self._retry, job, error, retry_at)
            self._schedule_wake(wait)
            return
        await self._give_up(job, error.code)

    def _retry(self, job: Job, error: ProviderError, retry_at: datetime) -> None:
        with session_scope() as session:
            messaging.outbound_retry(
                session=session,
                outbox_id=job.outbox_id,
                error=error.code,
                retry_at=retry_at,
                outcome_unknown=error.outcome_unknown,
            )

    def _schedule_wake(self, seconds: float) -> None:
        try:
            asyncio.get_running_loop().call_later(seconds, self.wake)
        except RuntimeError:  # no loop (tests calling drain directly)
            pass

    async def _give_up(self, job: Job, error: str) -> None:
        logger.error(
            "WhatsApp message NOT delivered after %d attempt(s) (%s): outbox=%d "
            "channel=%s sender=%s; staff are told",
            job.attempts,
            error,
            job.outbox_id,
            job.channel,
            job.sender_id,
        )
        await asyncio.to_thread(self._record_give_up, job, error)

    def _record_give_up(self, job: Job, error: str) -> None:
        with session_scope() as session:
            messaging.outbound_final(
                session=session, outbox_id=job.outbox_id, status="failed", error=error
            )
            conversation = session.get(Conversation, job.conversation_id)
            ticket = open_ticket(
                session=session,
                conversation=conversation,
                reason=DELIVERY_FAILED,
                priority="high",
                summary=None,
            )
            add_note(
                session=session,
                ticket=ticket,
                author=None,
                body=FAILED_NOTE.format(error=error),
            )

    async def _outside_window(
        self, job: Job, provider: Provider, decision: str
    ) -> None:
        if decision == window.TEMPLATE:
            await asyncio.to_thread(self._hold_and_announce, job, provider)
            self.wake()
            return
        logger.warning(
            "WhatsApp message refused: the 24-hour window is closed (%s): "
            "outbox=%d channel=%s sender=%s",
            "from staff, but no template is configured"
            if job.origin in ("coordinator", "notice")
            else "not from staff",
            job.outbox_id,
            job.channel,
            job.sender_id,
        )
        await asyncio.to_thread(self._refuse, job)

    def _refuse(self, job: Job, reason: str = "outside-24h-window") -> None:
        with session_scope() as session:
            messaging.outbound_final(
                session=session, outbox_id=job.outbox_id, status="refused", error=reason
            )
            if job.origin in ("coordinator", "notice") and reason != "window-reopened":
                conversation = session.get(Conversation, job.conversation_id)
                ticket = get_open_ticket(session=session, conversation=conversation)
                if ticket is not None:
                    add_note(
                        session=session, ticket=ticket, author=None, body=REFUSED_NOTE
                    )

    def _hold_and_announce(self, job: Job, provider: Provider) -> None:
        with session_scope() as session:
            messaging.outbound_final(
                session=session,
                outbox_id=job.outbox_id,
                status="held",
                error="outside-24h-window",
            )
            conversation = session.get(Conversation, job.conversation_id)
            last = conversation.last_inbound_at
            if messaging.template_sent_since(
                session=session, conversation=conversation, since=last
            ):
                return
            template = getattr(provider, "template", None)
            messaging.queue_outbound(
                session=session,
                conversation=conversation,
                payloads=[{"template": True, "name": job.payload.get("name")}],
                origin="template",
            )
            ticket = get_open_ticket(session=session, conversation=conversation)
            if ticket is not None:
                add_note(
                    session=session,
                    ticket=ticket,
                    author=None,
                    body=WINDOW_NOTE.format(template=getattr(template, "name", "")),
                )
        logger.info(
            "WhatsApp window closed: message held, template queued: outbox=%d "
            "channel=%s sender=%s",
            job.outbox_id,
            job.channel,
            job.sender_id,
        )


_sender: Optional[OutboxSender] = None


def get_sender(tuning: Optional[SenderTuning] = None) -> OutboxSender:
    """The process's one sender (created on first use)."""
    global _sender
    if _sender is None:
        if tuning is None:
            from bot.channels.whatsapp.config import sender_tuning
            from bot.settings import get_settings

            tuning = sender_tuning(get_settings())
        _sender = OutboxSender(tuning)
    return _sender


def reset_sender() -> None:
    """Forget the process's sender (tests)."""
    global _sender
    _sender = None


def queue_messages(
    *, channel: str, sender_id: str, messages: List[Dict[str, Any]]
) -> int:
    """Queue bot messages for a conversation, in one transaction (worker thread).

    Args:
        channel: the input channel.
        sender_id: the conversation's sender id.
        messages: ``{"parts": [...], "origin": "bot"|…, "name": …}`` per bot
            message, in order.

    Returns:
        How many rows were queued (0 when the conversation is unknown).
    """
    if not any(m.get("parts") for m in messages):
        return 0
    from bot.store.conversations import get_conversation

    with session_scope() as session:
        conversation = get_conversation(
            session=session, channel=channel, sender_id=sender_id
        )
        if conversation is None:
            return 0
        queued = 0
        for message in messages:
            name = message.get("name")
            payloads = [
                {"part": part, **({"name": name} if name else {})}
                for part in message.get("parts") or []
            ]
            queued += len(
                messaging.queue_outbound(
                    session=session,
                    conversation=conversation,
                    payloads=payloads,
                    origin=message.get("origin") or "bot",
                )
            )
        return queued


def queue_message(
    *,
    channel: str,
    sender_id: str,
    parts: List[Dict[str, Any]],
    origin: str,
    name: Optional[str] = None,
) -> int:
    """Queue one bot message's parts for a conversation (worker-thread code)."""
    return queue_messages(
        channel=channel,
        sender_id=sender_id,
        messages=[{"parts": parts, "origin": origin, "name": name}],
    )


__all__ = [
    "Job",
    "OutboxMessage",
    "OutboxSender",
    "get_sender",
    "queue_message",
    "queue_messages",
]
