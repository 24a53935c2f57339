"""The column type of every time: stored as UTC, read back as aware UTC datetimes on
every backend (SQLite keeps no zone, PostgreSQL uses ``timestamptz``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    # SQLite keeps times as text, and every page view and message writes and reads a
    # dozen: the two steps SQLAlchemy chains for each (its own formatting or parsing,
    # then our zone handling) cost 0.8-2.3 µs a value. On SQLite they are fused into
    # one C call each way, to and from the same text ("2026-12-07 06:39:00.201931").

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        return _sqlite_text

    def result_processor(self, dialect: Dialect, coltype: Any) -> Callable[[Any], Any] | None:
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        return _sqlite_time


def _sqlite_text(value: datetime | None) -> str | None:
    """The text SQLAlchemy's SQLite ``DATETIME`` stores, of the time in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime stored; use aware UTC times")
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


def _sqlite_time(value: str | None) -> datetime | None:
    """The aware UTC time of the text SQLite keeps (``replace(tzinfo=...)`` alone costs
    more than parsing the text with its zone)."""
    if value is None:
        return None
    if len(value) in (19, 26):  # "2026-12-07 06:39:00", with or without microseconds
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:
            pass
    found = datetime.fromisoformat(value)  # not our format: a date alone, a zone of its own
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)
