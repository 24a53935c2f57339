"""The two scans behind the figures: grouped counts and sums, then exact percentiles.

:func:`grouped_figures` counts, sums and buckets the period's waits per group in
one hash aggregate; :func:`fill_percentiles` then reads the exact p50 and p90 by
sorting only the rows of the value buckets that hold them (:mod:`.buckets`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, func, literal, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.tables import Wait, WaitKind
from chat_server.stats.buckets import (
    VALUE_BUCKETS,
    Table,
    bucket_bounds,
    locate,
    ranges,
    value_bucket,
)
from chat_server.stats.figures import KINDS, P50, P90, Figures, nearest_rank
from chat_server.stats.period import Period, SiteSet
from chat_server.stats.sql import Lengths, breached, is_postgres, lengths, lengths_within

Key = tuple[Any, ...]

#: Grouping by this flag rather than by the kind's text makes the big hash
#: aggregate about a third cheaper on PostgreSQL.
IS_FIRST = Wait.kind == WaitKind.first_response.value


def kind_of(first: Any) -> str:
    """The kind of a group keyed by :data:`IS_FIRST`."""
    return KINDS[0] if first else KINDS[1]


async def grouped_figures(
    session: AsyncSession,
    period: Period,
    sites: SiteSet,
    now: datetime,
    keys: dict[str, Any],
    with_buckets: bool,
    waits_of: Lengths = lengths,
    where: Any = None,
    table: Table = VALUE_BUCKETS,
) -> dict[Key, Figures]:
    """Figures per group of ``keys`` (name -> expression over Wait), over the lengths
    ``waits_of`` gives (wall-clock by default; business time: :mod:`.business_sql`).

    Rows are grouped by the keys and the value bucket, which is NULL for waits
    not answered: a group with a bucket holds answered waits only, so its
    ``count(*)`` and ``sum`` need no filter.
    """
    waits = waits_of(
        session, period, sites, now, *(c.label(n) for n, c in keys.items()), where=where
    )
    bucket = value_bucket(waits.c.length, table) if with_buckets else literal(0, Integer)
    inner = select(
        *(waits.c[name] for name in keys),
        waits.c.length,
        breached(waits.c.length, waits.c.target_us).label("breached"),
        case((waits.c.answered, bucket), else_=None).label("vb"),
    ).subquery("bucketed")
    group = [*(inner.c[name] for name in keys), inner.c.vb]
    query = select(
        *group,
        func.count(),
        func.sum(inner.c.length),
        func.max(inner.c.length),
        func.count().filter(inner.c.breached),
    ).group_by(*group)
    result: dict[Key, Figures] = {}
    for row in (await session.execute(query)).all():
        key = tuple(row[: len(keys)])
        vb, count, total, longest, breaches = row[len(keys) :]
        figures = result.setdefault(key, Figures())
        if vb is None:
            figures.breached += breaches
            continue
        figures.merge(
            Figures(
                count=count,
                total_us=int(total),
                max_us=int(longest),
                within=count - breaches,
                breached=breaches,
                histogram={int(vb): count},
            )
        )
    return result


async def fill_percentiles(
    session: AsyncSession,
    period: Period,
    sites: SiteSet,
    now: datetime,
    by_kind: dict[str, Figures],
    by_agent: dict[tuple[str, str], Figures],
    waits_of: Lengths = lengths,
    table: Table = VALUE_BUCKETS,
) -> None:
    """Read the exact p50 and p90 of every kind and (kind, agent) from their value buckets.

    A bucket one microsecond wide holds one value, which needs no read.
    """
    wanted_kind: dict[tuple[str, int, int], list[tuple[str, str]]] = defaultdict(list)
    wanted_agent: dict[tuple[str, str, int, int], list[tuple[tuple[str, str], str]]] = defaultdict(
        list
    )
    buckets: dict[str, set[int]] = defaultdict(set)

    def single_value(figures: Figures, name: str, bucket: int) -> bool:
        low, high = bucket_bounds(bucket, table)
        if high - low == 1:
            setattr(figures, name, low)
        return high - low == 1

    for kind, figures in by_kind.items():
        for name, q in (("p50_us", P50), ("p90_us", P90)):
            if figures.count:
                bucket, offset = locate(figures.histogram, nearest_rank(figures.count, q))
                if not single_value(figures, name, bucket):
                    wanted_kind[(kind, bucket, offset)].append((kind, name))
                    buckets[kind].add(bucket)
    for (kind, agent), figures in by_agent.items():
        for name, q in (("p50_us", P50), ("p90_us", P90)):
            if figures.count:
                bucket, offset = locate(figures.histogram, nearest_rank(figures.count, q))
                if not single_value(figures, name, bucket):
                    wanted_agent[(kind, agent, bucket, offset)].append(((kind, agent), name))
                    buckets[kind].add(bucket)
    if not buckets:
        return
    # Only the rows of the wanted buckets, so that lengths and bucket numbers are
    # computed for those few rows.
    # PostgreSQL picks the rows by comparing wall-clock times before computing lengths;
    # other lengths (business time) are picked by their value, as on SQLite.
    by_times = is_postgres(session) and waits_of is lengths
    ranges_by_kind = {kind: ranges(values, table) for kind, values in buckets.items()}
    waits = waits_of(
        session,
        period,
        sites,
        now,
        Wait.kind.label("kind"),
        Wait.answered_by.label("agent"),
        answered_only=True,
        where=lengths_within(ranges_by_kind) if by_times else None,
    )
    if by_times:
        picked = select(
            waits.c.kind,
            waits.c.agent,
            waits.c.length,
            value_bucket(waits.c.length, table).label("vb"),
        )
    else:
        # One arm per kind and range, so that each reads one range of an index (a single
        # condition with ORs of ranges makes PostgreSQL scan the table instead).
        arms = union_all(
            *(
                select(waits.c.kind, waits.c.agent, waits.c.length).where(
                    waits.c.kind == kind, waits.c.length >= low, waits.c.length < high
                )
                for kind, spans in ranges_by_kind.items()
                for low, high in spans
            )
        ).subquery("picked")
        picked = select(
            arms.c.kind, arms.c.agent, arms.c.length, value_bucket(arms.c.length, table).label("vb")
        )
    bucketed = picked.subquery()
    chosen = select(
        bucketed.c.kind,
        bucketed.c.agent,
        bucketed.c.vb,
        bucketed.c.length,
        func.row_number()
        .over(partition_by=[bucketed.c.kind, bucketed.c.vb], order_by=bucketed.c.length)
        .label("rank_kind"),
        func.row_number()
        .over(
            partition_by=[bucketed.c.kind, bucketed.c.agent, bucketed.c.vb],
            order_by=bucketed.c.length,
        )
        .label("rank_agent"),
    ).subquery()
    kind_ranks = sorted({offset for (_, _, offset) in wanted_kind})
    agent_ranks = sorted({offset for (_, _, _, offset) in wanted_agent})
    query = select(
        chosen.c.kind,
        chosen.c.agent,
        chosen.c.vb,
        chosen.c.length,
        chosen.c.rank_kind,
        chosen.c.rank_agent,
    ).where(or_(chosen.c.rank_kind.in_(kind_ranks), chosen.c.rank_agent.in_(agent_ranks)))
    for kind, agent, vb, length, rank_kind, rank_agent in (await session.execute(query)).all():
        for kind_key, name in wanted_kind.get((kind, int(vb), rank_kind), []):
            setattr(by_kind[kind_key], name, int(length))
        for agent_key, name in wanted_agent.get((kind, agent, int(vb), rank_agent), []):
            setattr(by_agent[agent_key], name, int(length))
