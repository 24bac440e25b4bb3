"""Live updates for open consoles: server-sent events fed by the database.

Each console process runs one :class:`LiveFeed` that polls the database
every ``CONSOLE_POLL_MS`` (250 ms by default): the open tickets (for the
queue) and, for the tickets someone is looking at, new conversation events
and notes. What it finds goes to that process's open streams. Because the
source is the database (never a process's memory), a patient's message
reaches every console process, and a claim made in one appears in all
others. The cost is one small query per interval per process, whatever the
number of open tabs.

Streams (``text/event-stream``):

* ``GET /console/events``: ``queue`` events (the whole open queue, no patient
  text or health values), sent at once and whenever it changes; ``signout``
  when the session ends.
* ``GET /console/tickets/{id}/events?after=<event id>``: ``message`` events
  (transcript items, see :mod:`bot.handoff.transcript`) with the event's id
  as SSE id (a reconnecting browser sends ``Last-Event-ID`` and gets what it
  missed), ``ticket`` (status, holder, priority changed; ``gone`` after an
  erasure), ``note``. Opening one is recorded in the audit log.

PostgreSQL can commit a lower event id after a higher one; each poll reads
back :data:`LOOKBACK` ids and streams de-duplicate, so no message is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Dict, List, Optional, Set, Tuple

from aiohttp import web
from sqlalchemy import select

from bot.console import data
from bot.console.auth import current, in_db
from bot.console.routes import FEED_KEY, SETTINGS_KEY
from bot.console.security import security_headers
from bot.handoff import transcript
from bot.store.audit import record_audit, staff_actor
from bot.store.models import Ticket
from bot.store.rasa_events import newest_event_id, read_events
from bot.store.staff_sessions import load_session

logger = logging.getLogger(__name__)

#: Event ids re-read on every poll (see the module docstring).
LOOKBACK = 200
HEARTBEAT_SECONDS = 15.0
SESSION_CHECK_SECONDS = 30.0
MAX_QUEUED = 1000


@dataclass
class _TicketWatch:
    clients: Set["asyncio.Queue[Tuple[str, Any]]"] = field(default_factory=set)
    state: Optional[Tuple[Any, ...]] = None
    note_cursor: int = 0
    sender_id: Optional[str] = None


class LiveFeed:
    """Polls the database and fans the changes out to this process's streams."""

    def __init__(self, poll_seconds: float) -> None:
        self.poll_seconds = poll_seconds
        self.queue_clients: Set["asyncio.Queue[Tuple[str, Any]]"] = set()
        self.tickets: Dict[int, _TicketWatch] = {}
        self.queue_rows: List[Dict[str, Any]] = []
        self._queue_signature: Optional[str] = None
        self._event_cursor: Optional[int] = None
        self._task: Optional["asyncio.Task[None]"] = None
        self._wake = asyncio.Event()

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Start polling (on the running loop)."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop polling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Poll now (after a change made by this process)."""
        self._wake.set()

    async def _run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a bad poll must not end the feed
                logger.exception("live feed poll failed")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            self._wake.clear()

    # -- subscriptions ----------------------------------------------------------

    def subscribe_queue(self) -> "asyncio.Queue[Tuple[str, Any]]":
        """A new queue stream's inbox."""
        inbox: "asyncio.Queue[Tuple[str, Any]]" = asyncio.Queue(MAX_QUEUED)
        self.queue_clients.add(inbox)
        return inbox

    def unsubscribe_queue(self, inbox: "asyncio.Queue[Tuple[str, Any]]") -> None:
        """Forget a closed queue stream."""
        self.queue_clients.discard(inbox)

    def subscribe_ticket(self, ticket_id: int) -> "asyncio.Queue[Tuple[str, Any]]":
        """A new ticket stream's inbox."""
        inbox: "asyncio.Queue[Tuple[str, Any]]" = asyncio.Queue(MAX_QUEUED)
        self.tickets.setdefault(ticket_id, _TicketWatch()).clients.add(inbox)
        return inbox

    def unsubscribe_ticket(
        self, ticket_id: int, inbox: "asyncio.Queue[Tuple[str, Any]]"
    ) -> None:
        """Forget a closed ticket stream."""
        watch = self.tickets.get(ticket_id)
        if watch is not None:
            watch.clients.discard(inbox)
            if not watch.clients:
                del self.tickets[ticket_id]

    @staticmethod
    def _put(inbox: "asyncio.Queue[Tuple[str, Any]]", item: Tuple[str, Any]) -> None:
        with contextlib.suppress(asyncio.QueueFull):
            inbox.put_nowait(item)

    # -- polling -----------------------------------------------------------------

    async def poll_once(self) -> None:
        """Read what changed and hand it to the streams.

        Nobody watching: nothing is read (an idle console costs nothing), and
        the event cursor starts afresh with the next stream, which catches up
        by itself.
        """
        if not self.queue_clients and not self.tickets:
            self._event_cursor = None
            self._queue_signature = None
            return

        watched = {
            ticket_id: watch.note_cursor for ticket_id, watch in self.tickets.items()
        }
        cursor = self._event_cursor
        found = await in_db(lambda session: _read(session, watched, cursor))
        rows, states, events, notes, newest = found
        self._event_cursor = newest
        signature = json.dumps(rows, sort_keys=True)
        if signature != self._queue_signature:
            self._queue_signature = signature
            self.queue_rows = rows
            for inbox in list(self.queue_clients):
                self._put(inbox, ("queue", rows))
        for ticket_id, watch in list(self.tickets.items()):
            state = states.get(ticket_id)
            key = tuple(sorted(state.items())) if state else ("gone",)
            if watch.state is not None and key != watch.state:
                for inbox in list(watch.clients):
                    self._put(inbox, ("ticket", state or {"gone": True}))
            watch.state = key
            watch.sender_id = state.get("sender_id") if state else None
            for item in events.get(ticket_id, []):
                for inbox in list(watch.clients):
                    self._put(inbox, ("message", item))
            for note in notes.get(ticket_id, []):
                watch.note_cursor = max(watch.note_cursor, note["id"])
                for inbox in list(watch.clients):
                    self._put(inbox, ("note", note))


def ticket_state(ticket: Any, names: Dict[int, str]) -> Dict[str, Any]:
    """What a ticket stream reports when it changes (no patient text)."""
    return {
        "id": ticket.id,
        "status": ticket.status,
        "priority": ticket.priority,
        "assignee_id": ticket.assignee_id,
        "assignee": names.get(ticket.assignee_id) if ticket.assignee_id else None,
        "resolution": ticket.resolution,
        "sender_id": ticket.conversation.sender_id,
    }


def _read(
    session: Any, watched: Dict[int, int], cursor: Optional[int]
) -> Tuple[Any, ...]:
    """One poll's reads, in one transaction (runs in a worker thread)."""
    rows = data.queue(session)
    newest = newest_event_id(session)
    states: Dict[int, Dict[str, Any]] = {}
    senders: Dict[str, int] = {}
    notes: Dict[int, List[Dict[str, Any]]] = {}
    if watched:
        tickets = list(session.scalars(select_tickets(Ticket, list(watched))))
        names = data.staff_names(
            session, sorted({t.assignee_id for t in tickets if t.assignee_id})
        )
        for ticket in tickets:
            states[ticket.id] = ticket_state(ticket, names)
            senders[ticket.conversation.sender_id] = ticket.id
            notes[ticket.id] = data.notes_after(session, ticket.id, watched[ticket.id])
    events: Dict[int, List[Dict[str, Any]]] = {}
    if senders and cursor is not None:
        since = max(0, cursor - LOOKBACK)
        for row_id, sender_id, event in read_events(
            session, list(senders), after_id=since
        ):
            entry = transcript.item(row_id, event)
            if entry is not None:
                events.setdefault(senders[sender_id], []).append(entry)
    return rows, states, events, notes, newest


def select_tickets(model: Any, ids: List[int]) -> Any:
    """``SELECT`` of these tickets."""
    return select(model).where(model.id.in_(ids))


# -- the streams ----------------------------------------------------------------


async def _open_stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-store",
            "X-Accel-Buffering": "no",
            **security_headers(_rasa_url(request), request.path),
        }
    )
    await response.prepare(request)
    await response.write(b"retry: 2000\n\n")
    return response


def _rasa_url(request: web.Request) -> str:
    return request.app[SETTINGS_KEY].public_base_url


async def _send(
    response: web.StreamResponse, event: str, data: Any, event_id: Optional[int] = None
) -> None:
    lines = [f"event: {event}"]
    if event_id is not None:
        lines.append(f"id: {event_id}")
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    lines.append(f"data: {payload}")
    await response.write(("\n".join(lines) + "\n\n").encode("utf-8"))


async def _session_alive(request: web.Request) -> bool:
    settings = request.app[SETTINGS_KEY]
    token = current(request).session_token
    idle = timedelta(minutes=settings.console_idle_minutes)
    check = await in_db(
        lambda session: load_session(
            session=session, token=token, idle=idle, touch=False
        ).row
        is not None
    )
    return bool(check)


async def _pump(
    request: web.Request,
    response: web.StreamResponse,
    inbox: "asyncio.Queue[Tuple[str, Any]]",
    sent: Set[int],
) -> None:
    loop = asyncio.get_running_loop()
    next_check = loop.time() + SESSION_CHECK_SECONDS
    while True:
        timeout = max(0.1, min(HEARTBEAT_SECONDS, next_check - loop.time()))
        try:
            event, data = await asyncio.wait_for(inbox.get(), timeout=timeout)
        except asyncio.TimeoutError:
            if loop.time() >= next_check:
                if not await _session_alive(request):
                    await _send(response, "signout", {})
                    return
                next_check = loop.time() + SESSION_CHECK_SECONDS
            await response.write(b": keep-alive\n\n")
            continue
        if event == "message":
            if data["id"] in sent:
                continue
            sent.add(data["id"])
            await _send(response, event, data, event_id=data["id"])
        else:
            await _send(response, event, data)
        if event == "ticket" and data.get("gone"):
            return


async def queue_stream(request: web.Request) -> web.StreamResponse:
    """``GET /console/events``: the queue, live."""
    feed: LiveFeed = request.app[FEED_KEY]
    inbox = feed.subscribe_queue()
    response = await _open_stream(request)
    try:
        # The queue as it is now (the feed may have been idle), then changes.
        await _send(response, "queue", await in_db(data.queue))
        await _pump(request, response, inbox, set())
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        feed.unsubscribe_queue(inbox)
    return response


async def ticket_stream(request: web.Request) -> web.StreamResponse:
    """``GET /console/tickets/{id}/events``: one conversation, live (audited)."""
    feed: LiveFeed = request.app[FEED_KEY]
    ticket_id = int(request.match_info["ticket_id"])
    user = current(request)
    after_text = request.headers.get("Last-Event-ID") or request.query.get("after", "0")
    after = int(after_text) if after_text.isdigit() else 0

    def catch_up(session: Any) -> Optional[List[Dict[str, Any]]]:
        ticket = session.get(Ticket, ticket_id)
        if ticket is None:
            return None
        conversation = ticket.conversation
        record_audit(
            session=session,
            actor=staff_actor(user.id),
            staff_id=user.id,
            action="view_ticket_live",
            conversation_id=conversation.id,
            detail=f"ticket={ticket.id}",
        )
        rows = read_events(session, [conversation.sender_id], after_id=after)
        return transcript.items((row_id, event) for row_id, _s, event in rows)

    # Subscribe first, then catch up: nothing falls between the two.
    inbox = feed.subscribe_ticket(ticket_id)
    try:
        missed = await in_db(catch_up)
        if missed is None:
            raise web.HTTPNotFound(text="no such ticket")
        feed.wake()
        response = await _open_stream(request)
        sent: Set[int] = set()
        try:
            for item in missed:
                sent.add(item["id"])
                await _send(response, "message", item, event_id=item["id"])
            await _pump(request, response, inbox, sent)
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        return response
    finally:
        feed.unsubscribe_ticket(ticket_id, inbox)
