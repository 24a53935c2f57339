"""Value buckets: narrow ranges of lengths, so percentiles need not sort every wait.

Over a million waits the figures come from two scans, both grouped with hash
aggregates rather than sorts (:mod:`.scans`). The first counts, sums and buckets
the answered lengths into these buckets per (kind, agent); the bucket counts tell
which bucket holds each percentile's rank and where in it (:func:`locate`); the
second scan sorts only the rows of those few buckets (:func:`ranges`) to read the
exact values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from chat_server.sla.rollup.cells import bucket_sql
from chat_server.stats.figures import MICRO

# (upper bound, width) in microseconds, each width dividing its segment. Any
# monotonic function of the length would do; these keep each bucket within a few
# percent of its value. Negative lengths (clocks of two hosts a hair apart) share
# bucket -1.
Table = tuple[tuple[int | None, int], ...]

VALUE_BUCKETS: Table = (
    (1 * MICRO, 20_000),
    (10 * MICRO, 100_000),
    (60 * MICRO, 250_000),
    (600 * MICRO, 2 * MICRO),
    (3600 * MICRO, 15 * MICRO),
    (None, 300 * MICRO),
)


def value_bucket(length: Any, table: Table = VALUE_BUCKETS) -> ColumnElement[int]:
    """The SQL bucket number of ``length``, growing with it (integer division on both backends)."""
    return bucket_sql(length, table)


def bucket_bounds(bucket: int, table: Table = VALUE_BUCKETS) -> tuple[int, int]:
    """The lengths ``[low, high)`` that :func:`value_bucket` puts in ``bucket``."""
    if bucket < 0:
        return -(2**62), 0
    base, lower = 0, 0
    for upper, width in table:
        if upper is None or bucket < base + (upper - lower) // width:
            low = lower + (bucket - base) * width
            return low, low + width
        base += (upper - lower) // width
        lower = upper
    raise AssertionError("VALUE_BUCKETS must end with an open bucket")


def ranges(buckets: Iterable[int], table: Table = VALUE_BUCKETS) -> list[tuple[int, int]]:
    """Adjacent buckets merged into length ranges ``[low, high)``."""
    merged: list[tuple[int, int]] = []
    for bucket in sorted(set(buckets)):
        low, high = bucket_bounds(bucket, table)
        if merged and merged[-1][1] == low:
            merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


def locate(histogram: dict[int, int], rank: int) -> tuple[int, int]:
    """The value bucket holding the ``rank``-th smallest length, and the rank inside it."""
    seen = 0
    for bucket in sorted(histogram):
        if seen + histogram[bucket] >= rank:
            return bucket, rank - seen
        seen += histogram[bucket]
    raise AssertionError("rank beyond the histogram")
