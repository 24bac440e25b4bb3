"""The handoff's timed work, run by every console process.

* **Urgent alerts**: an open urgent ticket whose webhook has not been sent is
  posted to ``ALERT_WEBHOOK_URL`` (:mod:`bot.handoff.alerts`), retried with
  back-off until it succeeds (at most :data:`MAX_ALERT_ATTEMPTS` times).
* **Unclaimed tickets**: inside opening hours, a ticket nobody has claimed
  after ``HANDOFF_UNCLAIMED_MINUTES`` makes the bot tell the patient so and
  offer a call back (once per ticket). Not while the patient is in the middle
  of a screening form (they are busy with the bot, not waiting in silence):
  then it waits for the form to end.
* **Housekeeping**: lapsed console sessions and old sign-in failures.

Several console processes may run this at once: each piece of work is
claimed with a conditional UPDATE first (``alert_last_attempt_at``,
``callback_offered_at``), so exactly one process does it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import Any, List, Optional, Tuple

from sqlalchemy import or_, select, update

from bot.handoff.alerts import alert_body, send_alert
from bot.handoff.hours import parse_opening_hours
from bot.handoff.relay import HttpClient, RasaRelay, RelayError
from bot.settings import Settings
from bot.store.models import Conversation, Ticket
from bot.store.types import utcnow

logger = logging.getLogger(__name__)

MAX_ALERT_ATTEMPTS = 10
INTERVAL_SECONDS = 2.0
HOUSEKEEPING_EVERY = timedelta(minutes=10)


def alert_backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 5 s, 10 s, 20 s … up to 10 minutes.

    >>> alert_backoff(0), alert_backoff(3)
    (datetime.timedelta(seconds=5), datetime.timedelta(seconds=40))
    """
    return timedelta(seconds=min(600, 5 * 2**attempts))


async def _db(work: Any) -> Any:
    from bot.store.db import session_scope

    def run() -> Any:
        with session_scope() as session:
            return work(session)

    return await asyncio.to_thread(run)


def claim_alert(
    session: Any, ticket_id: int, now: datetime
) -> Optional[Tuple[int, str, str]]:
    """Take the next alert attempt of a ticket, if it is due and nobody else took it.

    Returns:
        ``(ticket id, priority, channel)`` for the caller to send, or None.
    """
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.alert_sent_at is not None:
        return None
    attempts = ticket.alert_attempts or 0
    if attempts >= MAX_ALERT_ATTEMPTS:
        return None
    due_before = now - alert_backoff(max(0, attempts - 1))
    result = session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.alert_sent_at.is_(None),
            Ticket.alert_attempts == attempts,
            or_(
                Ticket.alert_last_attempt_at.is_(None),
                Ticket.alert_last_attempt_at <= due_before,
            ),
        )
        .values(alert_attempts=attempts + 1, alert_last_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    return ticket.id, ticket.priority, ticket.conversation.channel


def due_alerts(session: Any) -> List[int]:
    """Open urgent tickets whose alert has not been sent."""
    return list(
        session.scalars(
            select(Ticket.id).where(
                Ticket.priority == "urgent",
                Ticket.status != "resolved",
                Ticket.alert_sent_at.is_(None),
                Ticket.alert_attempts < MAX_ALERT_ATTEMPTS,
            )
        )
    )


def mark_alert_sent(session: Any, ticket_id: int, now: datetime) -> None:
    """Record that the webhook took the alert."""
    session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values(alert_sent_at=now)
        .execution_options(synchronize_session=False)
    )


def due_unclaimed(session: Any, older_than: datetime) -> List[Tuple[int, str]]:
    """Waiting tickets opened before ``older_than`` never offered a call back."""
    return [
        (row.id, row.sender_id)
        for row in session.execute(
            select(Ticket.id, Conversation.sender_id)
            .join(Conversation, Conversation.id == Ticket.conversation_id)
            .where(
                Ticket.status == "waiting",
                Ticket.callback_offered_at.is_(None),
                Ticket.created_at <= older_than,
            )
        )
    ]


def claim_unclaimed_offer(session: Any, ticket_id: int, now: datetime) -> bool:
    """Mark the call-back offer as made (True for the one process that did)."""
    result = session.execute(
        update(Ticket)
        .where(
            Ticket.id == ticket_id,
            Ticket.status == "waiting",
            Ticket.callback_offered_at.is_(None),
        )
        .values(callback_offered_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release_unclaimed_offer(session: Any, ticket_id: int) -> None:
    """The offer could not be delivered: let a later round try again."""
    session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values(callback_offered_at=None)
        .execution_options(synchronize_session=False)
    )


class HandoffWorker:
    """Runs :meth:`run_once` every few seconds in a console process."""

    def __init__(
        self,
        settings: Settings,
        relay: RasaRelay,
        webhook_client: HttpClient,
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.settings = settings
        self.relay = relay
        self.webhook_client = webhook_client
        self.interval = interval
        self.hours = parse_opening_hours(
            settings.handoff_opening_hours, settings.handoff_timezone
        )
        self._task: Optional["asyncio.Task[None]"] = None
        self._last_housekeeping: Optional[datetime] = None

    def start(self) -> None:
        """Start on the running loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - keep the worker alive
                logger.exception("handoff worker round failed")
            await asyncio.sleep(self.interval)

    async def run_once(self, now: Optional[datetime] = None) -> None:
        """One round: alerts, unclaimed offers, housekeeping."""
        now = now or utcnow()
        await self.send_alerts(now)
        await self.offer_call_backs(now)
        if (
            self._last_housekeeping is None
            or now - self._last_housekeeping > HOUSEKEEPING_EVERY
        ):
            self._last_housekeeping = now
            await self.housekeeping(now)

    async def send_alerts(self, now: datetime) -> int:
        """Send the due urgent alerts; returns how many the webhook accepted."""
        url = self.settings.alert_webhook_url
        if not url:
            return 0
        sent = 0
        for ticket_id in await _db(due_alerts):
            claimed = await _db(lambda s, t=ticket_id: claim_alert(s, t, now))
            if claimed is None:
                continue
            tid, priority, channel = claimed
            body = alert_body(
                console_url=self.settings.console_public_url,
                ticket_id=tid,
                priority=priority,
                channel=channel,
            )
            if await send_alert(
                self.webhook_client,
                url,
                body,
                self.settings.alert_webhook_secret or None,
            ):
                await _db(lambda s, t=tid: mark_alert_sent(s, t, utcnow()))
                sent += 1
        return sent

    async def offer_call_backs(self, now: datetime) -> int:
        """Tell patients nobody has claimed their ticket yet; returns how many."""
        if not self.hours.is_open(now):
            return 0
        older_than = now - timedelta(minutes=self.settings.handoff_unclaimed_minutes)
        offered = 0
        for ticket_id, sender_id in await _db(lambda s: due_unclaimed(s, older_than)):
            try:
                if await self.relay.active_loop(sender_id):
                    continue  # in a form with the bot: not waiting in silence
            except RelayError as error:
                logger.warning("unclaimed offer postponed: %s", error)
                continue
            if not await _db(lambda s, t=ticket_id: claim_unclaimed_offer(s, t, now)):
                continue
            try:
                await self.relay.unclaimed(sender_id)
                offered += 1
            except RelayError as error:
                logger.warning("unclaimed offer not delivered: %s", error)
                await _db(lambda s, t=ticket_id: release_unclaimed_offer(s, t))
        return offered

    async def housekeeping(self, now: datetime) -> None:
        """Forget lapsed sessions and old sign-in failures."""
        from bot.store.staff_sessions import purge_failures, purge_sessions

        idle = timedelta(minutes=self.settings.console_idle_minutes)
        window = timedelta(minutes=self.settings.console_signin_window_minutes)

        def work(session: Any) -> None:
            purge_sessions(session=session, idle=idle, now=now)
            purge_failures(session=session, older_than=window * 4, now=now)

        await _db(work)
