"""Business time: how long a wait lasts when the SLA clock only runs in open hours.

Every expected length is worked out by hand from the calendar in the comment beside it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chat_server.sla.business_hours import (
    BusinessClock,
    add_business_seconds,
    business_microseconds,
    validate_business_hours,
)
from chat_server.stats.figures import figures_of

MINUTE = 60 * 1_000_000
HOUR = 60 * MINUTE

# Weekdays 09:00-12:30 and 13:30-18:00 in UTC; 2026-06-01 is a Monday.
OFFICE = validate_business_hours(
    {
        "timezone": "UTC",
        "intervals": {
            day: [["09:00", "12:30"], ["13:30", "18:00"]]
            for day in ("mon", "tue", "wed", "thu", "fri")
        },
        "holidays": ["2026-06-03"],
    }
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def hours_in(zone: str, **intervals: list[list[str]]) -> dict[str, Any]:
    return validate_business_hours({"timezone": zone, "intervals": intervals})


def test_a_wait_inside_one_interval_lasts_its_wall_clock_length() -> None:
    assert business_microseconds(OFFICE, utc(2026, 6, 1, 10, 0), utc(2026, 6, 1, 10, 7)) == (
        7 * MINUTE
    )


def test_the_lunch_break_between_two_intervals_does_not_count() -> None:
    # 12:00-12:30 and 13:30-14:00
    assert business_microseconds(OFFICE, utc(2026, 6, 1, 12, 0), utc(2026, 6, 1, 14, 0)) == HOUR


def test_a_wait_over_night_counts_the_evening_and_the_next_morning() -> None:
    # Monday 17:30-18:00 and Tuesday 09:00-09:15
    assert business_microseconds(OFFICE, utc(2026, 6, 1, 17, 30), utc(2026, 6, 2, 9, 15)) == (
        45 * MINUTE
    )


def test_a_wait_over_the_weekend_counts_friday_evening_and_monday_morning() -> None:
    # Friday 2026-06-05 17:50-18:00 and Monday 2026-06-08 09:00-09:10
    assert business_microseconds(OFFICE, utc(2026, 6, 5, 17, 50), utc(2026, 6, 8, 9, 10)) == (
        20 * MINUTE
    )


def test_a_holiday_in_the_middle_of_a_wait_does_not_count() -> None:
    # Tuesday 17:00-18:00, Wednesday closed (holiday), Thursday 09:00-10:00
    assert business_microseconds(OFFICE, utc(2026, 6, 2, 17, 0), utc(2026, 6, 4, 10, 0)) == (
        2 * HOUR
    )


def test_a_wait_entirely_on_a_holiday_lasts_nothing() -> None:
    assert business_microseconds(OFFICE, utc(2026, 6, 3, 10, 0), utc(2026, 6, 3, 17, 0)) == 0


def test_a_wait_that_ends_before_it_starts_lasts_nothing() -> None:
    assert business_microseconds(OFFICE, utc(2026, 6, 1, 11, 0), utc(2026, 6, 1, 10, 0)) == 0


def test_local_hours_in_another_zone_are_moved_to_utc() -> None:
    # Tokyo is UTC+9 without summer time: Monday 09:00-18:00 there is 00:00-09:00 UTC,
    # so Sunday 23:00 UTC (08:00 in Tokyo) to Monday 01:00 UTC counts one hour.
    tokyo = hours_in("Asia/Tokyo", mon=[["09:00", "18:00"]])
    assert business_microseconds(tokyo, utc(2026, 5, 31, 23, 0), utc(2026, 6, 1, 1, 0)) == HOUR


def test_local_hours_west_of_utc_can_fall_on_the_next_utc_day() -> None:
    # Los Angeles is UTC-7 in June: Monday 20:00-23:00 there is Tuesday 03:00-06:00 UTC.
    los_angeles = hours_in("America/Los_Angeles", mon=[["20:00", "23:00"]])
    assert business_microseconds(los_angeles, utc(2026, 6, 1, 0, 0), utc(2026, 6, 2, 0, 0)) == 0
    assert business_microseconds(los_angeles, utc(2026, 6, 2, 0, 0), utc(2026, 6, 3, 0, 0)) == (
        3 * HOUR
    )


def test_opening_hours_shorten_on_the_night_clocks_go_forward() -> None:
    # New York, Sunday 01:00-04:00. On 2026-03-08 02:00 EST jumps to 03:00 EDT:
    # 01:00 EST is 06:00 UTC and 04:00 EDT 08:00 UTC, two hours. A week before, three.
    new_york = hours_in("America/New_York", sun=[["01:00", "04:00"]])
    assert business_microseconds(new_york, utc(2026, 3, 1), utc(2026, 3, 2)) == 3 * HOUR
    assert business_microseconds(new_york, utc(2026, 3, 8), utc(2026, 3, 9)) == 2 * HOUR


def test_opening_hours_lengthen_on_the_night_clocks_go_back() -> None:
    # New York, Sunday 00:00-03:00. On 2026-11-01 02:00 EDT falls back to 01:00 EST:
    # 00:00 EDT is 04:00 UTC and 03:00 EST 08:00 UTC, four hours.
    new_york = hours_in("America/New_York", sun=[["00:00", "03:00"]])
    assert business_microseconds(new_york, utc(2026, 11, 1), utc(2026, 11, 2)) == 4 * HOUR


def test_an_interval_ending_at_midnight_runs_on_into_the_next_days_first_interval() -> None:
    # Monday 22:00-24:00 and Tuesday 00:00-02:00: 23:00 to 01:00 is two unbroken hours.
    night = hours_in("UTC", mon=[["22:00", "24:00"]], tue=[["00:00", "02:00"]])
    assert business_microseconds(night, utc(2026, 6, 1, 23, 0), utc(2026, 6, 2, 1, 0)) == (2 * HOUR)


def test_a_target_runs_out_the_next_morning_when_the_wait_opens_just_before_closing() -> None:
    # 10 s left on Monday (17:59:50-18:00), 20 s more from Tuesday 09:00.
    assert add_business_seconds(OFFICE, utc(2026, 6, 1, 17, 59, 50), 30) == utc(
        2026, 6, 2, 9, 0, 20
    )


def test_the_business_clock_measures_microsecond_offsets_from_its_start() -> None:
    start = utc(2026, 6, 1, 0, 0)
    clock = BusinessClock(OFFICE, start, utc(2026, 6, 6, 0, 0))
    nine = 9 * HOUR
    assert clock.between(nine - 5, nine + 7) == 7  # only the 7 µs after opening
    assert clock.between(12 * HOUR, 14 * HOUR) == HOUR  # the lunch break is left out
    assert clock.between(nine + 10, nine) == 0


def test_the_business_clock_measures_beyond_its_range_too() -> None:
    start = utc(2026, 6, 1, 0, 0)
    clock = BusinessClock(OFFICE, start, utc(2026, 6, 2, 0, 0))
    # Monday 17:00 to Tuesday 10:00, which ends past the clock's range: 1 h + 1 h.
    assert clock.between(17 * HOUR, 34 * HOUR) == 2 * HOUR


def test_business_figures_judge_each_wait_by_its_business_length() -> None:
    """What the stats' ``business`` figures do: lengths in business time, then the figures."""
    start = utc(2026, 6, 1, 0, 0)
    clock = BusinessClock(OFFICE, start, utc(2026, 6, 8, 0, 0))

    def at(moment: datetime) -> int:
        return (moment - start) // timedelta(microseconds=1)

    waits = [
        # Sunday night to Monday 09:00:20: 20 business seconds, though 10 h on the wall.
        ("answered", utc(2026, 5, 31, 23, 0), utc(2026, 6, 1, 9, 0, 20)),
        # Monday 17:59:30 to Tuesday 09:00:45: 30 s + 45 s = 75 s, over the 60 s target.
        ("answered", utc(2026, 6, 1, 17, 59, 30), utc(2026, 6, 2, 9, 0, 45)),
        # Wednesday (a holiday), never answered: zero business seconds, not breached.
        ("unanswered", utc(2026, 6, 3, 10, 0), utc(2026, 6, 3, 16, 0)),
    ]
    rows = [(status, clock.between(at(a), at(b)), 60.0) for status, a, b in waits]
    assert [length for _, length, _ in rows] == [20_000_000, 75_000_000, 0]
    assert figures_of(rows).view() == {
        "count": 2,
        "mean": 47.5,
        "p50": 20.0,
        "p90": 75.0,
        "max": 75.0,
        "within_sla": 1,
        "breached": 1,
    }


@pytest.mark.parametrize(
    ("opened", "closed", "minutes"),
    [
        (utc(2026, 6, 1, 8, 0), utc(2026, 6, 1, 9, 30), 30),  # before opening
        (utc(2026, 6, 1, 12, 45), utc(2026, 6, 1, 13, 45), 15),  # during lunch
        (utc(2026, 6, 1, 18, 30), utc(2026, 6, 1, 23, 0), 0),  # after closing
        (utc(2026, 6, 6, 10, 0), utc(2026, 6, 7, 10, 0), 0),  # Saturday to Sunday
    ],
)
def test_a_wait_opened_while_closed_counts_from_the_next_opening(
    opened: datetime, closed: datetime, minutes: int
) -> None:
    assert business_microseconds(OFFICE, opened, closed) == minutes * MINUTE
