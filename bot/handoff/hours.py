"""Coordinators' opening hours: parse the setting, tell open from closed.

``HANDOFF_OPENING_HOURS`` is written the way a person would write it on a
door, in the time zone ``HANDOFF_TIMEZONE``::

    mon-fri 09:00-18:00
    mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00
    always        (a 24/7 team)
    never         (nobody answers chats live; every request gets a call back)

Pure: no I/O, no clock (callers pass the time), so the tests are tables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional, Tuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)
_SHORT = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_TIME = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")
MINUTES_PER_DAY = 24 * 60

#: (weekday 0=Monday, start minute, end minute), end exclusive.
Window = Tuple[int, int, int]


def _minutes(text: str) -> int:
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"not a time of day (HH:MM): {text!r}")
    value = int(match.group(1)) * 60 + int(match.group(2))
    if value > MINUTES_PER_DAY:
        raise ValueError(f"not a time of day (HH:MM): {text!r}")
    return value


def _days(text: str) -> List[int]:
    days: List[int] = []
    for part in text.split(","):
        part = part.strip().lower()
        if "-" in part:
            first, last = (p.strip()[:3] for p in part.split("-", 1))
            if first not in DAYS or last not in DAYS:
                raise ValueError(f"unknown day range: {part!r}")
            start, end = DAYS.index(first), DAYS.index(last)
            span = (
                range(start, end + 1)
                if start <= end
                else [
                    *range(start, 7),
                    *range(0, end + 1),
                ]
            )
            days.extend(span)
        else:
            if part[:3] not in DAYS:
                raise ValueError(f"unknown day: {part!r}")
            days.append(DAYS.index(part[:3]))
    return days


@dataclass(frozen=True)
class OpeningHours:
    """When coordinators answer chats, in one time zone.

    Attributes:
        windows: (weekday, start minute, end minute) in local time.
        zone: the time zone the windows are in.
        always: open around the clock.
    """

    windows: Tuple[Window, ...]
    zone: ZoneInfo
    always: bool = False

    def is_open(self, at: datetime) -> bool:
        """True when ``at`` (an aware datetime) falls inside a window."""
        if self.always:
            return True
        local = at.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        day = local.weekday()
        return any(d == day and s <= minute < e for d, s, e in self.windows)

    def next_opening(self, at: datetime) -> Optional[datetime]:
        """The next time the team opens after ``at`` (aware, in the zone).

        Returns:
            ``at`` itself when open; None when the team never opens.
        """
        if self.is_open(at):
            return at
        if not self.windows:
            return None
        local = at.astimezone(self.zone)
        minute = local.hour * 60 + local.minute
        for offset in range(8):
            day = (local.weekday() + offset) % 7
            starts = sorted(
                s for d, s, _ in self.windows if d == day and (offset or s > minute)
            )
            if starts:
                date = (local + timedelta(days=offset)).date()
                naive = datetime(date.year, date.month, date.day) + timedelta(
                    minutes=starts[0]
                )
                return naive.replace(tzinfo=self.zone)
        return None

    def describe(self) -> str:
        """The hours in words, days with the same hours grouped.

        >>> hours = parse_opening_hours("mon-fri 09:00-18:00; sat 10:00-14:00")
        >>> hours.describe()
        'Mon–Fri 09:00–18:00, Sat 10:00–14:00'
        """
        if self.always:
            return "every day, around the clock"
        if not self.windows:
            return "by call back only"
        by_day: Dict[int, Tuple[Tuple[int, int], ...]] = {}
        for day in range(7):
            spans = tuple(sorted((s, e) for d, s, e in self.windows if d == day))
            if spans:
                by_day[day] = spans
        groups: List[Tuple[int, int, Tuple[Tuple[int, int], ...]]] = []
        for day in sorted(by_day):
            spans = by_day[day]
            if groups and groups[-1][2] == spans and groups[-1][1] == day - 1:
                groups[-1] = (groups[-1][0], day, spans)
            else:
                groups.append((day, day, spans))
        parts = []
        for first, last, spans in groups:
            days = _SHORT[first] if first == last else f"{_SHORT[first]}–{_SHORT[last]}"
            times = ", ".join(f"{_hhmm(s)}–{_hhmm(e)}" for s, e in spans)
            parts.append(f"{days} {times}")
        return ", ".join(parts)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def describe_when(moment: datetime, now: datetime, zone: ZoneInfo) -> str:
    """``today at 09:00``, ``tomorrow at 09:00`` or ``on Monday at 09:00``."""
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = f"{local.hour:02d}:{local.minute:02d}"
    days = (local.date() - today).days
    if days <= 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    return f"on {DAY_NAMES[local.weekday()]} at {clock}"


def load_zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``.

    Raises:
        ValueError: unknown zone.
    """
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone: {name!r}") from error


def parse_opening_hours(spec: str, zone_name: str = "UTC") -> OpeningHours:
    """Read ``HANDOFF_OPENING_HOURS``.

    Args:
        spec: ``always``, ``never`` or ``<days> <from>-<to>[,<from>-<to>]``
            groups separated by ``;``.
        zone_name: IANA zone of the times.

    Returns:
        The opening hours.

    Raises:
        ValueError: a malformed day, time or range (the message says which).

    >>> hours = parse_opening_hours("mon-fri 09:00-18:00", "UTC")
    >>> hours.is_open(datetime(2024, 12, 2, 9, 0, tzinfo=timezone.utc))  # a Monday
    True
    >>> hours.is_open(datetime(2024, 12, 2, 18, 0, tzinfo=timezone.utc))
    False
    """
    zone = load_zone(zone_name)
    text = " ".join(spec.strip().lower().split())
    if text in ("always", "24/7"):
        return OpeningHours(windows=(), zone=zone, always=True)
    if text in ("never", ""):
        return OpeningHours(windows=(), zone=zone)
    windows: List[Window] = []
    for group in text.split(";"):
        group = group.strip()
        if not group:
            continue
        if " " not in group:
            raise ValueError(f"expected '<days> <from>-<to>': {group!r}")
        day_part, time_part = group.split(" ", 1)
        days = _days(day_part)
        for span in time_part.replace(" ", "").split(","):
            if "-" not in span:
                raise ValueError(f"expected '<from>-<to>': {span!r}")
            start_text, end_text = span.split("-", 1)
            start, end = _minutes(start_text), _minutes(end_text)
            if end <= start:
                raise ValueError(f"closing time must follow opening time: {span!r}")
            windows.extend((day, start, end) for day in days)
    return OpeningHours(windows=tuple(sorted(set(windows))), zone=zone)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware UTC datetime (tests and doctests)."""
    return datetime(year, month, day, hour, minute, tzinfo=timezone.utc)
