"""The figures of a set of waits, and the definitions they rest on, in plain Python.

Definitions (CONTRACT section 4). A wait's *length* is ``closed_at - opened_at``,
or ``now - opened_at`` while it is open. It is *breached* when its length exceeds
the target stored on the row (the policy's target when the wait opened). Stats
count the waits that opened in ``[since, until)``: ``count``, ``mean``, ``p50``,
``p90``, ``max`` and ``within_sla`` cover the answered ones, ``breached`` counts
every breached wait, answered or not. A conversation created in the period is
*missed* when its first wait ended unanswered.

Percentiles use the **nearest-rank** method: of the ``n`` answered lengths sorted
ascending, the q-th percentile is the one at rank ``ceil(q * n)`` (1-based), so
it is always a measured wait: p50 of [1, 2, 3, 4] s is 2 s, p90 of [1 .. 10] s
is 9 s, p90 of [1 .. 11] s is 10 s. The mean is rounded to the microsecond.

Exactness: lengths are whole microseconds from the database to the last step
(SQLite and PostgreSQL both keep microseconds), sums are exact integers, and the
seconds shown are made from those integers in one place (:meth:`Figures.view`),
so both backends give identical numbers, and the CSV (one row per wait, lengths
from :func:`duration_us`) adds up to the JSON.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chat_server.model.tables import WaitKind, WaitStatus

KINDS = (WaitKind.first_response.value, WaitKind.next_response.value)
ANSWERED = WaitStatus.answered.value
P50 = (1, 2)
P90 = (9, 10)
MICRO = 1_000_000
ONE_MICROSECOND = timedelta(microseconds=1)


def duration_us(opened_at: datetime, closed_at: datetime | None, now: datetime) -> int:
    """A wait's length in whole microseconds (until ``now`` while it is open)."""
    return ((closed_at or now) - opened_at) // ONE_MICROSECOND


def is_breached(length_us: int | float, target_seconds: float) -> bool:
    """The one comparison, written the same way in SQL (:func:`.sql.breached`)."""
    return length_us > target_seconds * MICRO


def nearest_rank(n: int, q: tuple[int, int]) -> int:
    """``ceil(q * n)`` in integers, at least 1: the 1-based rank of the q-th percentile."""
    numerator, denominator = q
    return max(1, (n * numerator + denominator - 1) // denominator)


def percentile(sorted_values: list[int], q: tuple[int, int]) -> int | None:
    if not sorted_values:
        return None
    return sorted_values[nearest_rank(len(sorted_values), q) - 1]


def seconds(us: int | None) -> float | None:
    return None if us is None else us / MICRO


@dataclass
class Figures:
    """The exact figures of a set of waits; :meth:`view` makes the contract's Summary."""

    count: int = 0
    total_us: int = 0
    max_us: int | None = None
    within: int = 0
    breached: int = 0
    p50_us: int | None = None
    p90_us: int | None = None
    #: answered waits per value bucket, to find the percentiles' ranks
    histogram: dict[int, int] = field(default_factory=dict)

    def merge(self, other: Figures) -> None:
        self.count += other.count
        self.total_us += other.total_us
        if other.max_us is not None:
            self.max_us = other.max_us if self.max_us is None else max(self.max_us, other.max_us)
        self.within += other.within
        self.breached += other.breached
        for bucket, n in other.histogram.items():
            self.histogram[bucket] = self.histogram.get(bucket, 0) + n

    def view(self, percentiles: bool = True) -> dict[str, Any]:
        mean = round(self.total_us / self.count / MICRO, 6) if self.count else None
        summary: dict[str, Any] = {"count": self.count, "mean": mean}
        if percentiles:
            summary["p50"] = seconds(self.p50_us)
            summary["p90"] = seconds(self.p90_us)
        summary["max"] = seconds(self.max_us)
        summary["within_sla"] = self.within
        summary["breached"] = self.breached
        return summary


def figures_of(waits: Iterable[tuple[str, int, float]]) -> Figures:
    """Figures from ``(status, length_us, target_seconds)`` rows, all in Python."""
    figures = Figures()
    answered: list[int] = []
    for status, length, target in waits:
        breached = is_breached(length, target)
        figures.breached += breached
        if status == ANSWERED:
            answered.append(length)
            figures.within += not breached
    answered.sort()
    figures.count = len(answered)
    figures.total_us = sum(answered)
    figures.max_us = answered[-1] if answered else None
    figures.p50_us = percentile(answered, P50)
    figures.p90_us = percentile(answered, P90)
    return figures
