"""WhatsApp's 24-hour customer-service window.

A business may send anything within 24 hours of the patient's last message;
after that only an approved template. The product records when the patient
last wrote; :func:`window_state` says whether the window is open and when it
closes, and :func:`decide` what to do with an outbound message:

* inside the window: send it;
* outside, written by a coordinator (a reply, a joined/left notice): send the
  configured template instead, keep the message until the patient answers
  (which reopens the window) and tell the coordinator;
* outside, from the bot: refuse (it is not sent and is recorded as such).

Pure functions: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Optional

WINDOW = timedelta(hours=24)

SEND = "send"
TEMPLATE = "template"
REFUSE = "refuse"


@dataclass(frozen=True)
class WindowState:
    """The window of one conversation at one moment.

    Attributes:
        open: True while free-form messages may be sent.
        closes_at: when it closes (or closed); None if the patient never wrote.
    """

    open: bool
    closes_at: Optional[datetime]

    def describe(self, now: Optional[datetime] = None) -> str:
        """A short line for staff, e.g. ``open, closes in 3 h 20 min``."""
        if self.closes_at is None:
            return "closed (the patient has not written)"
        now = now or datetime.now(timezone.utc)
        if not self.open:
            return "closed: replies go out as the approved template"
        left = self.closes_at - now
        hours, rest = divmod(int(left.total_seconds()), 3600)
        return f"open, closes in {hours} h {rest // 60} min"


def window_state(
    last_inbound_at: Optional[datetime], now: Optional[datetime] = None
) -> WindowState:
    """Whether the window is open, given when the patient last wrote.

    >>> t = datetime(2024, 1, 1, tzinfo=timezone.utc)
    >>> window_state(t, t + timedelta(hours=23, minutes=59)).open
    True
    >>> window_state(t, t + timedelta(hours=24)).open
    False
    """
    if last_inbound_at is None:
        return WindowState(False, None)
    if last_inbound_at.tzinfo is None:
        last_inbound_at = last_inbound_at.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    closes = last_inbound_at + WINDOW
    return WindowState(now < closes, closes)


def decide(state: WindowState, *, from_staff: bool, has_template: bool) -> str:
    """What to do with one outbound message: ``send``, ``template`` or ``refuse``.

    >>> closed = WindowState(False, None)
    >>> decide(closed, from_staff=True, has_template=True)
    'template'
    >>> decide(closed, from_staff=False, has_template=True)
    'refuse'
    """
    if state.open:
        return SEND
    if from_staff and has_template:
        return TEMPLATE
    return REFUSE
