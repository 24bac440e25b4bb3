"""Opening hours: both sides of every boundary, in the configured time zone."""

from datetime import datetime, timezone

import pytest

from bot.handoff.hours import describe_when, parse_opening_hours, utc

# 2024-12-02 is a Monday. India is UTC+05:30 (no daylight saving).
KOLKATA = parse_opening_hours("mon-fri 09:00-18:00", "Asia/Kolkata")


@pytest.mark.parametrize(
    "moment, is_open",
    [
        (utc(2024, 12, 2, 3, 29), False),  # Mon 08:59 IST
        (utc(2024, 12, 2, 3, 30), True),  # Mon 09:00 IST opens
        (utc(2024, 12, 2, 12, 29), True),  # Mon 17:59 IST
        (utc(2024, 12, 2, 12, 30), False),  # Mon 18:00 IST closed
        (utc(2024, 12, 6, 12, 0), True),  # Fri 17:30 IST
        (utc(2024, 12, 7, 6, 0), False),  # Sat 11:30 IST
        (utc(2024, 12, 8, 6, 0), False),  # Sun
    ],
)
def test_open_and_closed_in_the_team_time_zone(moment, is_open):
    assert KOLKATA.is_open(moment) is is_open


def test_several_windows_and_days():
    hours = parse_opening_hours("mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00")
    assert hours.is_open(utc(2024, 12, 2, 12, 59))
    assert not hours.is_open(utc(2024, 12, 2, 13, 30))  # lunch
    assert hours.is_open(utc(2024, 12, 7, 10, 0))  # Saturday
    assert not hours.is_open(utc(2024, 12, 7, 14, 0))
    assert hours.describe() == "Mon–Fri 09:00–13:00, 14:00–18:00, Sat 10:00–14:00"


def test_always_and_never():
    always = parse_opening_hours("always", "UTC")
    never = parse_opening_hours("never", "UTC")
    moment = utc(2024, 12, 8, 3, 0)
    assert always.is_open(moment) and always.next_opening(moment) == moment
    assert not never.is_open(moment) and never.next_opening(moment) is None


def test_next_opening_is_said_in_words():
    friday_evening = utc(2024, 12, 6, 14, 0)  # Fri 19:30 IST
    opening = KOLKATA.next_opening(friday_evening)
    assert opening == datetime(2024, 12, 9, 9, 0, tzinfo=KOLKATA.zone)
    assert describe_when(opening, friday_evening, KOLKATA.zone) == "on Monday at 09:00"
    early_monday = utc(2024, 12, 2, 1, 0)  # Mon 06:30 IST
    opening = KOLKATA.next_opening(early_monday)
    assert describe_when(opening, early_monday, KOLKATA.zone) == "today at 09:00"
    thursday_night = utc(2024, 12, 5, 16, 0)  # Thu 21:30 IST
    opening = KOLKATA.next_opening(thursday_night)
    assert describe_when(opening, thursday_night, KOLKATA.zone) == "tomorrow at 09:00"


@pytest.mark.parametrize(
    "spec",
    [
        "mon-fri",
        "mon-fri 9-18",
        "funday 09:00-10:00",
        "mon 18:00-09:00",
        "mon 25:00-26:00",
    ],
)
def test_malformed_hours_are_refused_with_the_reason(spec):
    with pytest.raises(ValueError):
        parse_opening_hours(spec, "UTC")


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        parse_opening_hours("always", "Mars/Olympus")


def test_settings_refuse_unreadable_hours_at_start_up():
    from bot.settings import SettingsError, from_env

    with pytest.raises(SettingsError, match="HANDOFF_OPENING_HOURS"):
        from_env({"HANDOFF_OPENING_HOURS": "weekdays"}).check()
    assert from_env({"HANDOFF_OPENING_HOURS": "always"}).check()


def test_aware_times_only():
    assert KOLKATA.is_open(datetime(2024, 12, 2, 4, 0, tzinfo=timezone.utc))
