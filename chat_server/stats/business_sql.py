"""Business-time figures computed by PostgreSQL, when every site keeps the same hours.

The general path (:func:`.business.business_figures`) reads every wait of the period
and bisects a :class:`~chat_server.sla.business_hours.BusinessClock` per row in
Python: seconds over a million waits. Here the same clock's open spans travel to
PostgreSQL as three arrays (openings, closings, running totals) and the database does
the bisection itself (``width_bucket`` over the sorted openings), so no row leaves it
and the figures reuse the wall-clock scans of :mod:`.scans`: counts, sums and value
buckets in one hash aggregate, then exact percentiles from the buckets that hold them.
The arithmetic is :meth:`BusinessClock.between`'s, to the microsecond.

Only the waits the rollups do not hold are computed so (:mod:`.rollups`): whole
days come from the sums the fold job measured under the same hours.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.tables import Wait
from chat_server.sla.business_hours import BusinessClock
from chat_server.sla.rollup.cells import ROLLUP_BUCKETS
from chat_server.sla.rollup.clock_sql import ClockInSql
from chat_server.sla.rollup.revisions import revision_of
from chat_server.stats.figures import ANSWERED, KINDS, MICRO, Figures
from chat_server.stats.period import Period, SiteSet
from chat_server.stats.rollups import (
    StoredOrLive,
    folded_business,
    live_condition,
    merge_groups,
    rolled_business_groups,
    whole_days,
)
from chat_server.stats.scans import IS_FIRST, fill_percentiles, grouped_figures, kind_of
from chat_server.stats.sql import period_filter, since_us, waits_filter


class BusinessLengths(ClockInSql):
    """Like :func:`.sql.lengths`, with each wait's length in business microseconds."""

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
        conditions = waits_filter(period, sites, answered_only, where)
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
        length = self.between(offsets.c.opened, offsets.c.ended)
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
    """Per kind, the figures in business time under ``hours`` (every site's): the
    whole days' sums measured under these hours, and the other waits computed here."""
    revision = revision_of(hours)
    days = whole_days(period)
    folded = folded_business(revision)
    live_where = live_condition(days, folded.unfolded)
    first, latest = (
        await session.execute(
            select(func.min(Wait.opened_at), func.max(Wait.closed_at)).where(
                *period_filter(period, sites), folded.unfolded
            )
        )
    ).one()
    # The clock covers every instant computed here (the waits with no business length
    # stored under these hours), as the Python path's does, and starts at the first
    # such wait rather than at the period's start ("since 2000"): its spans are bound
    # into the statement, and every row looks them up.
    start = first if first is not None else now
    end = max(now, latest) if latest is not None else now
    computed = BusinessLengths(BusinessClock(hours, start, max(end, start)))
    stored_or_live = StoredOrLive(Wait.business_us, folded, computed)
    live = await grouped_figures(
        session,
        period,
        sites,
        now,
        {"first": IS_FIRST},
        with_buckets=True,
        waits_of=stored_or_live,
        where=live_where,
        table=ROLLUP_BUCKETS,
    )
    groups = merge_groups(await rolled_business_groups(session, sites, days, revision), live)
    by_kind = {kind: Figures() for kind in KINDS}
    for (is_first,), figures in groups.items():
        by_kind[kind_of(is_first)].merge(figures)
    await fill_percentiles(session, period, sites, now, by_kind, {}, stored_or_live, ROLLUP_BUCKETS)
    return {kind: by_kind[kind].view() for kind in KINDS}
