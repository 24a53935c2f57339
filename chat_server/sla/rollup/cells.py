"""What the rollups are keyed by and sum: days, length buckets, cells.

The buckets are a few percent of their lengths wide (under two hundred up to an
hour), so that a day's sums stay small however many waits it had, and the stats find
a percentile's bucket from the sums and read only that bucket's rows (about 1 % of
the waits). Bucket 0 holds exactly zero (most business lengths: waits
outside open hours), so its percentile needs no read at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement

MICRO = 1_000_000
DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The bucket of waits not answered (their length only counts towards ``breached``).
NOT_ANSWERED = -2

#: (upper bound, width) in microseconds, each width dividing its segment; lengths
#: below zero (two hosts' clocks a hair apart) share bucket -1.
ROLLUP_BUCKETS: tuple[tuple[int | None, int], ...] = (
    (1, 1),  # exactly zero
    (250_000, 249_999),
    (1 * MICRO, 250_000),
    (10 * MICRO, MICRO // 2),
    (60 * MICRO, 1 * MICRO),
    (600 * MICRO, 10 * MICRO),
    (3600 * MICRO, 60 * MICRO),
    (None, 3600 * MICRO),
)


def bucket_number(length: int, table: tuple[tuple[int | None, int], ...] = ROLLUP_BUCKETS) -> int:
    """The bucket of ``length``: what ``chat_server.stats.buckets.value_bucket`` computes in SQL."""
    if length < 0:
        return -1
    base, lower = 0, 0
    for upper, width in table:
        if upper is None or length < upper:
            return base + (length - lower) // width
        base += (upper - lower) // width
        lower = upper
    raise AssertionError("the bucket table must end with an open bucket")


def bucket_sql(length: Any, table: tuple[tuple[int | None, int], ...]) -> ColumnElement[int]:
    """:func:`bucket_number` in SQL (integer division on both backends)."""
    whens: list[tuple[Any, Any]] = [(length < 0, -1)]
    base, lower = 0, 0
    for upper, width in table:
        expression = base + (length - lower) // width
        if upper is None:
            return case(*whens, else_=expression)
        whens.append((length < upper, expression))
        base += (upper - lower) // width
        lower = upper
    raise AssertionError("the bucket table must end with an open bucket")


def day_of(moment: datetime) -> int:
    """Days since 1970-01-01 (UTC) of ``moment``."""
    return (moment - EPOCH) // DAY


def day_start(day: int) -> datetime:
    return EPOCH + day * DAY


@dataclass
class Sums:
    count: int = 0
    total_us: int = 0
    max_us: int = 0
    breached: int = 0

    def add(self, length: int, breached: bool) -> None:
        self.count += 1
        self.total_us += length
        self.max_us = length if self.count == 1 else max(self.max_us, length)
        self.breached += breached


def add_sums(connection: Connection, table: Any, sums: dict[tuple[Any, ...], Sums]) -> None:
    """Add ``sums`` (by primary key, in the table's key order) to ``table``'s rows."""
    if not sums:
        return
    keys = [column.name for column in table.primary_key.columns]
    rows = [
        dict(zip(keys, key, strict=True))
        | {"count": s.count, "total_us": s.total_us, "max_us": s.max_us, "breached": s.breached}
        for key, s in sums.items()
    ]
    postgres = connection.dialect.name == "postgresql"
    statement = (postgresql.insert if postgres else sqlite.insert)(table)
    larger = func.greatest if postgres else func.max  # SQLite's max(a, b) is scalar
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=keys,
            set_={
                "count": table.c.count + statement.excluded.count,
                "total_us": table.c.total_us + statement.excluded.total_us,
                "max_us": larger(table.c.max_us, statement.excluded.max_us),
                "breached": table.c.breached + statement.excluded.breached,
            },
        ),
        rows,
    )
