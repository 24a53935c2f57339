"""Business hours: validation, the business length of an interval, and due times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chat_server.model.errors import DomainError
from chat_server.sla.business_hours import (
    BusinessClock,
    add_business_seconds,
    business_microseconds,
    business_seconds,
    validate_business_hours,
)

# Istanbul is UTC+3 all year. 2026-11-30 is a Monday.
ISTANBUL = validate_business_hours(
    {
        "timezone": "Europe/Istanbul",
        "intervals": {
            "mon": [["13:30", "18:00"], ["09:00", "12:30"]],
            "tue": [["09:00", "18:00"]],
            "sat": [["10:00", "14:00"]],
        },
        "holidays": ["2026-12-01"],
    }
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def test_validation_sorts_intervals_and_drops_closed_days() -> None:
    assert ISTANBUL == {
        "timezone": "Europe/Istanbul",
        "intervals": {
            "mon": [["09:00", "12:30"], ["13:30", "18:00"]],
            "tue": [["09:00", "18:00"]],
            "sat": [["10:00", "14:00"]],
        },
        "holidays": ["2026-12-01"],
    }


def test_validation_keeps_seconds_and_accepts_midnight_as_an_end() -> None:
    hours = validate_business_hours(
        {"timezone": "UTC", "intervals": {"fri": [["08:00:30", "24:00"]]}}
    )
    assert hours["intervals"] == {"fri": [["08:00:30", "24:00"]]}
    assert hours["holidays"] == []


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("9 to 5", "object"),
        ({"intervals": {"mon": [["09:00", "17:00"]]}}, "timezone"),
        ({"timezone": "Nowhere/City", "intervals": {"mon": [["09:00", "17:00"]]}}, "Nowhere"),
        ({"timezone": "UTC", "intervals": {"mon": [["17:00", "09:00"]]}}, "intervals.mon[0]"),
        ({"timezone": "UTC", "intervals": {"mon": [["09:00", "24:30"]]}}, "intervals.mon[0] end"),
        ({"timezone": "UTC", "intervals": {"mon": [["09:60", "17:00"]]}}, "intervals.mon[0] start"),
        ({"timezone": "UTC", "intervals": {"mon": [["09:00"]]}}, "pair"),
        ({"timezone": "UTC", "intervals": {"mon": [["9", "17"]]}}, "09:00"),
        (
            {"timezone": "UTC", "intervals": {"mon": [["09:00", "13:00"], ["12:00", "17:00"]]}},
            "overlapping",
        ),
        ({"timezone": "UTC", "intervals": {"monday": [["09:00", "17:00"]]}}, "monday"),
        ({"timezone": "UTC", "intervals": {"mon": []}}, "at least once"),
        (
            {"timezone": "UTC", "intervals": {"mon": [["09:00", "17:00"]]}, "holidays": ["12/1"]},
            "12/1",
        ),
        ({"timezone": "UTC", "intervals": {"mon": [["09:00", "17:00"]]}, "open": True}, "open"),
    ],
)
def test_validation_refuses_bad_hours_naming_the_field_at_fault(value: object, names: str) -> None:
    with pytest.raises(DomainError) as caught:
        validate_business_hours(value)
    assert caught.value.code == "invalid_parameter"
    assert names in caught.value.message


def test_a_wait_opened_before_opening_time_counts_from_the_opening() -> None:
    before_opening = utc(2026, 11, 30, 5, 0)  # 08:00 in Istanbul
    assert add_business_seconds(ISTANBUL, before_opening, 30) == utc(2026, 11, 30, 6, 0, 30)
    assert business_seconds(ISTANBUL, before_opening, utc(2026, 11, 30, 6, 0, 30)) == 30


def test_the_clock_stops_over_the_lunch_break() -> None:
    ten_to_half_past_twelve = utc(2026, 11, 30, 9, 29, 50)
    assert add_business_seconds(ISTANBUL, ten_to_half_past_twelve, 30) == utc(
        2026, 11, 30, 10, 30, 20
    )
    assert business_seconds(ISTANBUL, ten_to_half_past_twelve, utc(2026, 11, 30, 10, 30, 20)) == 30


def test_a_holiday_is_skipped_and_the_clock_runs_on_the_next_open_day() -> None:
    monday_evening = utc(2026, 11, 30, 14, 59, 50)  # 17:59:50, Tuesday is a holiday
    # Wednesday is closed too, so the next opening is Saturday 10:00.
    assert add_business_seconds(ISTANBUL, monday_evening, 30) == utc(2026, 12, 5, 7, 0, 20)


def test_a_wait_entirely_outside_business_hours_lasts_zero_business_seconds() -> None:
    sunday = utc(2026, 11, 29, 10, 0)
    assert business_microseconds(ISTANBUL, sunday, sunday + timedelta(hours=5)) == 0


def test_business_length_is_exact_to_the_microsecond_across_several_days() -> None:
    start = utc(2026, 11, 30, 6, 0, 0, 250)  # Monday 09:00:00.000250
    end = utc(2026, 12, 5, 8, 0, 0, 1)  # Saturday 11:00:00.000001
    monday = (3.5 + 4.5) * 3600 * 1_000_000 - 250
    saturday = 3600 * 1_000_000 + 1
    assert business_microseconds(ISTANBUL, start, end) == monday + saturday


def test_daylight_saving_moves_the_opening_instant_with_the_local_clock() -> None:
    berlin = validate_business_hours(
        {"timezone": "Europe/Berlin", "intervals": {"sun": [["09:00", "17:00"]]}}
    )
    # Summer time ends on 2026-10-25 (a Sunday): 09:00 local is 08:00 UTC that day,
    # and 07:00 UTC the Sunday before.
    assert add_business_seconds(berlin, utc(2026, 10, 18, 0, 0), 1) == utc(2026, 10, 18, 7, 0, 1)
    assert add_business_seconds(berlin, utc(2026, 10, 25, 0, 0), 1) == utc(2026, 10, 25, 8, 0, 1)


def test_zero_seconds_are_due_at_once() -> None:
    start = utc(2026, 11, 29, 10, 0)
    assert add_business_seconds(ISTANBUL, start, 0) == start


def test_the_business_clock_agrees_with_the_business_length_to_the_microsecond() -> None:
    start, end = utc(2026, 11, 28, 0, 0), utc(2026, 12, 8, 0, 0)
    clock = BusinessClock(ISTANBUL, start, end)
    step = timedelta(minutes=47, seconds=13, microseconds=123_457)
    instants = [start + step * n for n in range(300)]
    for a in instants[::7]:
        for b in instants[::11]:
            assert clock.microseconds(a, b) == business_microseconds(ISTANBUL, a, b), (a, b)
    outside = utc(2026, 12, 20, 12, 0)
    assert clock.microseconds(start, outside) == business_microseconds(ISTANBUL, start, outside)
