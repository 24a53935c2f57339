"""Business-time figures computed by PostgreSQL, when every site keeps the same hours.

The general path (:func:`.business.business_figures`) reads every wait of the period
and bisects a :class:`~chat_server.sla.business_hours.BusinessClock` per row in
Python: seconds over a million waits. Here the same clock's open spans travel to
PostgreSQL as three arrays (openings, closings, running totals) and the database does
the bisection itself (``width_bucket`` over the sorted openings), so no row leaves it
and the figures reuse the wall-clock scans of :mod:`.scans`: counts, sums and value
buckets in one hash aggregate, then exact percentiles from the buckets that hold them.
The arithmetic is :meth:`BusinessClock.between`'s, to the microsecond.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, bindparam, case, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement, Grouping

from chat_server.model.tables import Wait
from chat_server.sla.business_hours import BusinessClock
from chat_server.stats.figures import ANSWERED, KINDS, MICRO, P50, P90, Figures, nearest_rank
from chat_server.stats.period import Period, SiteSet
from chat_server.stats.scans import IS_FIRST, grouped_figures, kind_of
from chat_server.stats.sql import period_filter, since_us


class BusinessLengths:
    """Like :func:`.sql.lengths`, with each wait's length in business microseconds."""

    def __init__(self, clock: BusinessClock) -> None:
        self.clock = clock
        array = ARRAY(BigInteger)
        # One bound array each, however often the expression names it; in brackets,
        # since PostgreSQL subscripts "($1::BIGINT[])[i]" but not "$1::BIGINT[][i]".
        self.opens = Grouping(bindparam("business_opens", clock.opens, type_=array))
        self.closes = Grouping(bindparam("business_closes", clock.closes, type_=array))
        self.totals = Grouping(bindparam("business_totals", clock.totals, type_=array))

    def elapsed(self, offset: Any) -> ColumnElement[int]:
        """Business microseconds from the clock's start to ``offset`` (``_elapsed``)."""
        index = func.width_bucket(offset, self.opens)  # = bisect_right, 1-based
        return case(
            (index == 0, literal(0, BigInteger)),
            else_=self.totals[index] + func.least(offset, self.closes[index]) - self.opens[index],
        )

    def __call__(
        self,
        session: AsyncSession,
        period: Period,
        sites: SiteSet,
        now: datetime,
        *columns: Any,
        answered_only: bool = False,
        where: Any = None,
    ) -> Any:
        conditions = period_filter(period, sites)
        if answered_only:
            conditions.append(Wait.status == ANSWERED)
        if where is not None:
            conditions.append(where)
        start = self.clock.start
        closed = func.coalesce(Wait.closed_at, literal(now, Wait.closed_at.type))
        # clock_timestamp() keeps each level apart (see .sql.lengths), so that the
        # offsets and the lengths are computed once per row
        offsets = (
            select(
                *columns,
                (Wait.status == ANSWERED).label("answered"),
                since_us(session, Wait.opened_at, start).label("opened"),
                since_us(session, closed, start).label("ended"),
                (Wait.target_seconds * MICRO).label("target_us"),
                func.clock_timestamp().label("unmerged"),
            )
            .where(*conditions)
            .subquery("offsets")
        )
        length = case(
            (offsets.c.ended <= offsets.c.opened, literal(0, BigInteger)),
            else_=self.elapsed(offsets.c.ended) - self.elapsed(offsets.c.opened),
        )
        kept = select(
            *(offsets.c[column.name] for column in columns),
            offsets.c.answered,
            length.label("length"),
            offsets.c.target_us,
            func.clock_timestamp().label("unmerged"),
        ).subquery("business_lengths")
        return select(
            *(kept.c[column.name] for column in columns),
            kept.c.answered,
            kept.c.length,
            kept.c.target_us,
        ).subquery("waits")


async def business_figures_in_sql(
    session: AsyncSession, period: Period, sites: SiteSet, now: datetime, hours: dict[str, Any]
) -> dict[str, Any]:
    """Per kind, the figures in business time under ``hours`` (every site's)."""
    first, latest = (
        await session.execute(
            select(func.min(Wait.opened_at), func.max(Wait.closed_at)).where(
                *period_filter(period, sites)
            )
        )
    ).one()
    if first is None:
        return {kind: Figures().view() for kind in KINDS}
    # The clock covers every instant read, as the Python path's does, and starts at the
    # first wait rather than at the period's start ("since 2000"): its spans are bound
    # into the statement, and every row looks them up.
    end = max(now, latest) if latest is not None else now
    clock = BusinessClock(hours, first, max(end, first))
    waits_of = BusinessLengths(clock)
    groups = await grouped_figures(
        session, period, sites, now, {"first": IS_FIRST}, with_buckets=True, waits_of=waits_of
    )
    by_kind = {kind: Figures() for kind in KINDS}
    for (first,), figures in groups.items():
        by_kind[kind_of(first)].merge(figures)
    await fill_percentiles_sorted(session, period, sites, now, by_kind, waits_of)
    return {kind: by_kind[kind].view() for kind in KINDS}


async def fill_percentiles_sorted(
    session: AsyncSession,
    period: Period,
    sites: SiteSet,
    now: datetime,
    by_kind: dict[str, Figures],
    waits_of: BusinessLengths,
) -> None:
    """The exact p50 and p90 per kind, by PostgreSQL's ``percentile_disc``.

    The value buckets of :func:`.scans.fill_percentiles` do not pay here: most waits
    lie outside business hours and last zero business seconds, so the bucket holding
    the median holds most rows. ``percentile_disc(f)`` returns the row at
    ``ceil(f * n)``; asking for ``(rank - 0.5) / n`` makes that exactly the nearest
    rank :func:`.figures.percentile` takes, whatever the rounding of ``f``.
    """
    waits = waits_of(session, period, sites, now, IS_FIRST.label("first"), answered_only=True)
    aggregates, wanted = [], []
    for kind, figures in by_kind.items():
        if not figures.count:
            continue
        fractions = [(nearest_rank(figures.count, q) - 0.5) / figures.count for q in (P50, P90)]
        aggregates.append(
            func.percentile_disc(literal(fractions, ARRAY(Float)))
            .within_group(waits.c.length)
            .filter(waits.c.first == (kind == KINDS[0]))
        )
        wanted.append(kind)
    if not aggregates:
        return
    row = (await session.execute(select(*aggregates))).one()
    for kind, (p50, p90) in zip(wanted, row, strict=True):
        by_kind[kind].p50_us, by_kind[kind].p90_us = int(p50), int(p90)
