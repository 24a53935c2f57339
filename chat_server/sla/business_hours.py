"""Business hours: when the SLA clock runs.

A policy may carry business hours (``SlaPolicy.business_hours``)::

    {"timezone": "Europe/Istanbul",
     "intervals": {"mon": [["09:00", "12:30"], ["13:30", "18:00"]], "sat": [["10:00", "14:00"]]},
     "holidays": ["2026-10-29"]}

Intervals are local wall-clock times, ``HH:MM`` or ``HH:MM:SS`` (seconds let a
test open the shop a few seconds from now), ``24:00`` ends at midnight; several
per weekday, in any order, not overlapping. A weekday that is missing is
closed, and a holiday closes its whole local date. Local times are turned into
instants with :mod:`zoneinfo`, day by day, so daylight-saving changes move the
opening instant the way a shop's clock does.

With business hours set, a wait's *business length* is the part of it that
falls inside open hours; a wait that starts before opening counts from the
opening, and a wait entirely outside business hours lasts zero business
seconds, so it never counts against the SLA.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from chat_server.model.errors import DomainError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SECONDS = 86_400
#: How far ahead to look for the next opening before deciding the shop never opens.
HORIZON_DAYS = 3 * 366
_CLOCK = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2}))?$")
_ONE_MICROSECOND = timedelta(microseconds=1)
#: The longest IANA zone name is 32 characters; anything much longer is not one.
MAX_ZONE_NAME = 64
#: Area/Location names: no dots, so no ``..`` and no file of the zone folder that is no zone.
_ZONE_NAME = re.compile(r"^[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*$")


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def zone_named(name: Any) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone.

    Checked before :class:`ZoneInfo` opens a file: a name is looked up as a path
    under the zone folder, where a long name fails with ``OSError`` and a folder
    name (``Europe``) with ``IsADirectoryError``, neither of which means "unknown".
    """
    if not isinstance(name, str) or not 0 < len(name) <= MAX_ZONE_NAME:
        return None
    known = _known_zones()
    if _ZONE_NAME.match(name) is None or (known and name not in known and name != "UTC"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


@dataclass(frozen=True)
class Schedule:
    """Parsed business hours: per weekday (Monday first), open seconds since local midnight."""

    zone: ZoneInfo
    days: tuple[tuple[tuple[int, int], ...], ...]
    holidays: frozenset[date]

    def open_intervals(self, day: date) -> tuple[tuple[int, int], ...]:
        if day in self.holidays:
            return ()
        return self.days[day.weekday()]


def _invalid(message: str) -> DomainError:
    return DomainError("invalid_parameter", f"business_hours: {message}")


def _clock_seconds(value: Any, where: str) -> int:
    match = _CLOCK.match(value) if isinstance(value, str) else None
    if match is None:
        raise _invalid(f'{where} must be a time like "09:00" or "09:00:30", not {value!r}')
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if minutes > 59 or seconds > 59 or hours > 24 or (hours == 24 and (minutes or seconds)):
        raise _invalid(f"{where} is not a time of day: {value!r}")
    return hours * 3600 + minutes * 60 + seconds


def _clock_text(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}" if secs else f"{hours:02d}:{minutes:02d}"


def _parse(value: Any) -> Schedule:
    if not isinstance(value, dict):
        raise _invalid("must be an object with timezone, intervals and holidays")
    unknown = set(value) - {"timezone", "intervals", "holidays"}
    if unknown:
        raise _invalid(f"unknown field {sorted(unknown)[0]!r}")
    zone_name = value.get("timezone")
    if not isinstance(zone_name, str) or not zone_name:
        raise _invalid('timezone must be an IANA zone name such as "Europe/Istanbul"')
    zone = zone_named(zone_name)
    if zone is None:
        raise _invalid(f"unknown timezone {zone_name[:MAX_ZONE_NAME]!r}")
    intervals = value.get("intervals")
    if not isinstance(intervals, dict):
        raise _invalid("intervals must map weekdays (mon..sun) to lists of [start, end]")
    days: list[tuple[tuple[int, int], ...]] = []
    for weekday in WEEKDAYS:
        spans = intervals.get(weekday, [])
        if not isinstance(spans, list):
            raise _invalid(f"intervals.{weekday} must be a list of [start, end] pairs")
        parsed = []
        for index, span in enumerate(spans):
            where = f"intervals.{weekday}[{index}]"
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise _invalid(f"{where} must be a pair [start, end]")
            start = _clock_seconds(span[0], f"{where} start")
            end = _clock_seconds(span[1], f"{where} end")
            if end <= start:
                raise _invalid(f"{where} must end after it starts")
            parsed.append((start, end))
        parsed.sort()
        for (_, previous_end), (start, _) in pairwise(parsed):
            if start < previous_end:
                raise _invalid(f"intervals.{weekday} has overlapping intervals")
        days.append(tuple(parsed))
    extra_days = set(intervals) - set(WEEKDAYS)
    if extra_days:
        raise _invalid(f"unknown weekday {sorted(extra_days)[0]!r}; use mon, tue, ... sun")
    if not any(days):
        raise _invalid("the shop must be open at least once a week")
    holidays_raw = value.get("holidays", [])
    if not isinstance(holidays_raw, list):
        raise _invalid('holidays must be a list of dates like "2026-10-29"')
    holidays: set[date] = set()
    for raw in holidays_raw:
        try:
            if not isinstance(raw, str) or len(raw) != 10:
                raise ValueError(raw)
            holidays.add(date.fromisoformat(raw))
        except ValueError:
            raise _invalid(f'holiday {raw!r} is not a date like "2026-10-29"') from None
    return Schedule(zone, tuple(days), frozenset(holidays))


@lru_cache(maxsize=64)
def _parse_cached(canonical: str) -> Schedule:
    return _parse(json.loads(canonical))


def schedule(value: dict[str, Any]) -> Schedule:
    """The parsed schedule of stored business hours (cached, they rarely change)."""
    return _parse_cached(json.dumps(value, sort_keys=True))


def validate_business_hours(value: Any) -> dict[str, Any]:
    """Check business hours from an API body; return them in canonical form.

    Raises :class:`DomainError` ``invalid_parameter`` naming the field at fault.
    """
    parsed = _parse(value)
    return {
        "timezone": parsed.zone.key,
        "intervals": {
            weekday: [[_clock_text(start), _clock_text(end)] for start, end in spans]
            for weekday, spans in zip(WEEKDAYS, parsed.days, strict=True)
            if spans
        },
        "holidays": sorted(day.isoformat() for day in parsed.holidays),
    }


def _local_instant(day: date, seconds: int, zone: ZoneInfo) -> datetime:
    """The UTC instant ``seconds`` past local midnight of ``day`` (24:00: the next midnight)."""
    extra_days, seconds = divmod(seconds, DAY_SECONDS)
    wall = datetime.combine(day + timedelta(days=extra_days), time(0), tzinfo=zone)
    return (wall + timedelta(seconds=seconds)).astimezone(UTC)


def open_spans(
    hours: dict[str, Any] | Schedule, start: datetime, end: datetime | None = None
) -> Iterator[tuple[datetime, datetime]]:
    """The open spans (UTC) that meet ``[start, end)``, clipped to it, in order.

    With ``end`` None the spans go on up to :data:`HORIZON_DAYS` past ``start``.
    """
    plan = hours if isinstance(hours, Schedule) else schedule(hours)
    day = start.astimezone(plan.zone).date() - timedelta(days=1)
    last = (end or start + timedelta(days=HORIZON_DAYS)).astimezone(plan.zone).date()
    while day <= last:
        for open_seconds, close_seconds in plan.open_intervals(day):
            opens = _local_instant(day, open_seconds, plan.zone)
            closes = _local_instant(day, close_seconds, plan.zone)
            lower = max(opens, start)
            upper = closes if end is None else min(closes, end)
            if lower < upper:
                yield lower, upper
        day += timedelta(days=1)


def business_microseconds(hours: dict[str, Any] | Schedule, start: datetime, end: datetime) -> int:
    """The length of ``[start, end)`` inside business hours, in whole microseconds."""
    if end <= start:
        return 0
    spans = open_spans(hours, start, end)
    return sum((upper - lower) // _ONE_MICROSECOND for lower, upper in spans)


class BusinessClock:
    """Business time between many pairs of instants within ``[start, end]``, quickly.

    The open spans of the range are laid out once, as microseconds after
    ``start``, with their running total, so the business time up to an instant
    is one bisection and the business length of ``[a, b)`` a difference: exactly
    what :func:`business_microseconds` sums. Instants are given as microseconds
    after ``start`` (what the stats queries read); those outside the range fall
    back to :func:`business_microseconds`.
    """

    def __init__(self, hours: dict[str, Any] | Schedule, start: datetime, end: datetime) -> None:
        self.hours = hours
        self.start = start
        self.length = (end - start) // _ONE_MICROSECOND
        self.opens: list[int] = []
        self.closes: list[int] = []
        self.totals = [0]
        for lower, upper in open_spans(hours, start, end):
            self.opens.append((lower - start) // _ONE_MICROSECOND)
            self.closes.append((upper - start) // _ONE_MICROSECOND)
            self.totals.append(self.totals[-1] + self.closes[-1] - self.opens[-1])

    def _elapsed(self, offset: int) -> int:
        index = bisect_right(self.opens, offset) - 1
        if index < 0:
            return 0
        return self.totals[index] + min(offset, self.closes[index]) - self.opens[index]

    def between(self, a: int, b: int) -> int:
        """Business microseconds from ``a`` to ``b`` (microseconds after ``start``)."""
        if b <= a:
            return 0
        if a < 0 or b > self.length:
            at = self.start + timedelta(microseconds=a)
            return business_microseconds(self.hours, at, self.start + timedelta(microseconds=b))
        return self._elapsed(b) - self._elapsed(a)

    def microseconds(self, a: datetime, b: datetime) -> int:
        """Business microseconds from ``a`` to ``b``."""
        return self.between(
            (a - self.start) // _ONE_MICROSECOND, (b - self.start) // _ONE_MICROSECOND
        )


def business_seconds(hours: dict[str, Any] | Schedule, start: datetime, end: datetime) -> float:
    """The length of ``[start, end)`` inside business hours, in seconds."""
    return business_microseconds(hours, start, end) / 1_000_000


def add_business_seconds(
    hours: dict[str, Any] | Schedule, start: datetime, seconds: float
) -> datetime:
    """The first instant by which ``seconds`` of business time have passed since ``start``.

    A start outside business hours counts from the next opening: a 30 s target
    for a message sent at 08:59 on a shop opening at 09:00 falls due at 09:00:30.
    """
    remaining = timedelta(seconds=seconds)
    if remaining <= timedelta(0):
        return start
    for lower, upper in open_spans(hours, start):
        if upper - lower >= remaining:
            return lower + remaining
        remaining -= upper - lower
    raise _invalid(f"business hours do not open within {HORIZON_DAYS} days")
