"""Response-time figures: every number the stats API, the CSV and the dashboard show.

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

Speed: over a million waits the figures come from two scans, both grouped with
hash aggregates rather than sorts. The first counts, sums and buckets the
answered lengths into narrow *value buckets* per (kind, agent); the bucket
counts tell which bucket holds each percentile's rank and where in it; the
second scan sorts only the rows of those few buckets to read the exact values.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    and_,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from chat_server.model.tables import (
    Agent,
    Conversation,
    ConversationStatus,
    SlaPolicy,
    Visitor,
    Wait,
    WaitKind,
    WaitStatus,
    utcnow,
)
from chat_server.sla import core as sla
from chat_server.storage.database import Database
from chat_server.wire.views import iso

KINDS = (WaitKind.first_response.value, WaitKind.next_response.value)
ANSWERED = WaitStatus.answered.value
UNANSWERED = WaitStatus.unanswered.value
OPEN = WaitStatus.open.value
P50 = (1, 2)
P90 = (9, 10)
MICRO = 1_000_000
_ONE_MICROSECOND = timedelta(microseconds=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_PERIOD = timedelta(hours=24)

# Value buckets (microseconds): (upper bound, width), each width dividing its
# segment. Any monotonic function of the length would do; these keep each bucket
# within a few percent of its value. Negative lengths (clocks of two hosts a hair
# apart) share bucket -1.
VALUE_BUCKETS = (
    (1 * MICRO, 20_000),
    (10 * MICRO, 100_000),
    (60 * MICRO, 250_000),
    (600 * MICRO, 2 * MICRO),
    (3600 * MICRO, 15 * MICRO),
    (None, 300 * MICRO),
)


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime

    @classmethod
    def ending(cls, until: datetime, length: timedelta = DEFAULT_PERIOD) -> Period:
        return cls(until - length, until)


# -- pure definitions ------------------------------------------------------


def duration_us(opened_at: datetime, closed_at: datetime | None, now: datetime) -> int:
    """A wait's length in whole microseconds (until ``now`` while it is open)."""
    return ((closed_at or now) - opened_at) // _ONE_MICROSECOND


def is_breached(length_us: int | float, target_seconds: float) -> bool:
    """The one comparison, written the same way in SQL (:func:`_breached`)."""
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


# -- SQL expressions -------------------------------------------------------


def _is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


def _sqlite_epoch_us(column: Any) -> ColumnElement[int]:
    """Microseconds since 1970 of a time stored by SQLite, exactly.

    SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" (SQLAlchemy's storage format). The
    whole seconds are read without the fraction, which strftime would round to
    milliseconds (and so, from .9995 on, into the next second).
    """
    return cast(func.strftime("%s", func.substr(column, 1, 19)), Integer) * MICRO + cast(
        func.substr(column, 21, 6), Integer
    )


def _since_us(session: AsyncSession, column: Any, origin: Any) -> ColumnElement[int]:
    """Whole microseconds from ``origin`` (a time, or a column) to ``column``, exactly.

    On PostgreSQL the difference is an interval whose epoch, a double, is exact
    to far below a microsecond for any span shorter than a century, so rounding
    restores the stored integer microseconds.
    """
    if _is_postgres(session):
        if isinstance(origin, datetime):
            origin = literal(origin, Wait.opened_at.type)
        return cast(func.round(func.date_part("epoch", column - origin) * MICRO), BigInteger)
    if isinstance(origin, datetime):
        return _sqlite_epoch_us(column) - (origin - EPOCH) // _ONE_MICROSECOND
    return _sqlite_epoch_us(column) - _sqlite_epoch_us(origin)


def _length_us(session: AsyncSession, now: datetime) -> ColumnElement[int]:
    """A wait's length in microseconds: ``closed_at - opened_at``, or ``now - opened_at``."""
    closed = func.coalesce(Wait.closed_at, literal(now, Wait.closed_at.type))
    if _is_postgres(session):
        return _since_us(session, closed, Wait.opened_at)
    now_us = (now - EPOCH) // _ONE_MICROSECOND
    return func.coalesce(_sqlite_epoch_us(Wait.closed_at), now_us) - _sqlite_epoch_us(
        Wait.opened_at
    )


def _value_bucket(length: Any) -> ColumnElement[int]:
    """A narrow bucket number that grows with the length (integer division on both backends)."""
    whens: list[tuple[Any, Any]] = [(length < 0, -1)]
    base, lower = 0, 0
    for upper, width in VALUE_BUCKETS:
        expression = base + (length - lower) // width
        if upper is None:
            return case(*whens, else_=expression)
        whens.append((length < upper, expression))
        base += (upper - lower) // width
        lower = upper
    raise AssertionError("VALUE_BUCKETS must end with an open bucket")


def _bucket_bounds(bucket: int) -> tuple[int, int]:
    """The lengths ``[low, high)`` that :func:`_value_bucket` puts in ``bucket``."""
    if bucket < 0:
        return -(2**62), 0
    base, lower = 0, 0
    for upper, width in VALUE_BUCKETS:
        if upper is None or bucket < base + (upper - lower) // width:
            low = lower + (bucket - base) * width
            return low, low + width
        base += (upper - lower) // width
        lower = upper
    raise AssertionError("VALUE_BUCKETS must end with an open bucket")


def _ranges(buckets: Iterable[int]) -> list[tuple[int, int]]:
    """Adjacent buckets merged into length ranges ``[low, high)``."""
    merged: list[tuple[int, int]] = []
    for bucket in sorted(set(buckets)):
        low, high = _bucket_bounds(bucket)
        if merged and merged[-1][1] == low:
            merged[-1] = (merged[-1][0], high)
        else:
            merged.append((low, high))
    return merged


def _breached(length: Any, target_us: Any) -> ColumnElement[bool]:
    return length > target_us


def _period_filter(period: Period, site_id: str | None) -> list[Any]:
    conditions: list[Any] = [Wait.opened_at >= period.since, Wait.opened_at < period.until]
    if site_id:
        conditions.append(Wait.site_id == site_id)
    return conditions


def _lengths(
    session: AsyncSession,
    period: Period,
    site_id: str | None,
    now: datetime,
    *columns: Any,
    answered_only: bool = False,
    where: Any = None,
) -> Any:
    """A subquery of the period's waits: ``columns``, ``answered``, ``length``, ``target_us``.

    Each length must be computed once per row, not once per use in the
    aggregates above, so the subquery must not be merged into them. SQLite keeps
    a subquery with ``OFFSET`` apart; PostgreSQL keeps apart a subquery that
    selects a volatile function, and ``clock_timestamp()`` is also parallel-safe,
    so the scan below still runs in parallel workers.
    """
    conditions = _period_filter(period, site_id)
    if answered_only:
        conditions.append(Wait.status == ANSWERED)
    if where is not None:
        conditions.append(where)
    length = _length_us(session, now)
    inner = select(
        *columns,
        (Wait.status == ANSWERED).label("answered"),
        length.label("length"),
        (Wait.target_seconds * MICRO).label("target_us"),
    ).where(*conditions)
    if not _is_postgres(session):
        return inner.offset(0).subquery("waits")
    kept = inner.add_columns(func.clock_timestamp().label("unmerged")).subquery("lengths")
    return select(
        *(kept.c[column.name] for column in columns),
        kept.c.answered,
        kept.c.length,
        kept.c.target_us,
    ).subquery("waits")


def _tuning(session: AsyncSession) -> list[Any]:
    if not _is_postgres(session):
        return []
    # A stats query is one big scan: JIT compilation costs more than it saves,
    # and the value-bucket sort wants its rows in memory.
    return [text("SET LOCAL jit = off"), text("SET LOCAL work_mem = '64MB'")]


# -- queries -----------------------------------------------------------------


Key = tuple[Any, ...]

#: Grouping by this flag rather than by the kind's text makes the big hash
#: aggregate about a third cheaper on PostgreSQL.
_is_first = Wait.kind == WaitKind.first_response.value


def _kind(first: Any) -> str:
    return KINDS[0] if first else KINDS[1]


async def _grouped_figures(
    session: AsyncSession,
    period: Period,
    site_id: str | None,
    now: datetime,
    keys: dict[str, Any],
    with_buckets: bool,
) -> dict[Key, Figures]:
    """Figures per group of ``keys`` (name -> expression over Wait).

    Rows are grouped by the keys and the value bucket, which is NULL for waits
    not answered: a group with a bucket holds answered waits only, so its
    ``count(*)`` and ``sum`` need no filter.
    """
    waits = _lengths(session, period, site_id, now, *(c.label(n) for n, c in keys.items()))
    bucket = _value_bucket(waits.c.length) if with_buckets else literal(0, Integer)
    inner = select(
        *(waits.c[name] for name in keys),
        waits.c.length,
        _breached(waits.c.length, waits.c.target_us).label("breached"),
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
        vb, count, total, longest, breached = row[len(keys) :]
        figures = result.setdefault(key, Figures())
        if vb is None:
            figures.breached += breached
            continue
        figures.merge(
            Figures(
                count=count,
                total_us=int(total),
                max_us=int(longest),
                within=count - breached,
                breached=breached,
                histogram={int(vb): count},
            )
        )
    return result


def _locate(histogram: dict[int, int], rank: int) -> tuple[int, int]:
    """The value bucket holding the ``rank``-th smallest length, and the rank inside it."""
    seen = 0
    for bucket in sorted(histogram):
        if seen + histogram[bucket] >= rank:
            return bucket, rank - seen
        seen += histogram[bucket]
    raise AssertionError("rank beyond the histogram")


async def _fill_percentiles(
    session: AsyncSession,
    period: Period,
    site_id: str | None,
    now: datetime,
    by_kind: dict[str, Figures],
    by_agent: dict[tuple[str, str], Figures],
) -> None:
    """Read the exact p50 and p90 of every kind and (kind, agent) from their value buckets."""
    wanted_kind: dict[tuple[str, int, int], list[tuple[str, str]]] = defaultdict(list)
    wanted_agent: dict[tuple[str, str, int, int], list[tuple[tuple[str, str], str]]] = defaultdict(
        list
    )
    buckets: dict[str, set[int]] = defaultdict(set)
    for kind, figures in by_kind.items():
        for name, q in (("p50_us", P50), ("p90_us", P90)):
            if figures.count:
                bucket, offset = _locate(figures.histogram, nearest_rank(figures.count, q))
                wanted_kind[(kind, bucket, offset)].append((kind, name))
                buckets[kind].add(bucket)
    for (kind, agent), figures in by_agent.items():
        for name, q in (("p50_us", P50), ("p90_us", P90)):
            if figures.count:
                bucket, offset = _locate(figures.histogram, nearest_rank(figures.count, q))
                wanted_agent[(kind, agent, bucket, offset)].append(((kind, agent), name))
                buckets[kind].add(bucket)
    if not buckets:
        return
    # Only the rows of the wanted buckets, so that lengths and bucket numbers are
    # computed for those few rows. PostgreSQL tells them by comparing times with
    # exact intervals, before computing any length; SQLite by their lengths.
    postgres = _is_postgres(session)

    def in_ranges(kind_column: Any, length: Any) -> Any:
        def within(low: int, high: int) -> Any:
            if postgres:
                return and_(
                    Wait.closed_at >= Wait.opened_at + literal(timedelta(microseconds=low)),
                    Wait.closed_at < Wait.opened_at + literal(timedelta(microseconds=high)),
                )
            return and_(length >= low, length < high)

        return or_(
            false(),
            *(
                and_(kind_column == kind, or_(*(within(lo, hi) for lo, hi in _ranges(values))))
                for kind, values in buckets.items()
            ),
        )

    waits = _lengths(
        session,
        period,
        site_id,
        now,
        Wait.kind.label("kind"),
        Wait.answered_by.label("agent"),
        answered_only=True,
        where=in_ranges(Wait.kind, None) if postgres else None,
    )
    picked = select(
        waits.c.kind, waits.c.agent, waits.c.length, _value_bucket(waits.c.length).label("vb")
    )
    if not postgres:
        picked = picked.where(in_ranges(waits.c.kind, waits.c.length))
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


async def _conversation_counts(
    session: AsyncSession, period: Period, site_id: str | None
) -> tuple[int, int]:
    """Conversations created in the period, and how many of them were missed."""
    in_period = [Conversation.created_at >= period.since, Conversation.created_at < period.until]
    if site_id:
        in_period.append(Conversation.site_id == site_id)
    created = (await session.execute(select(func.count()).where(*in_period))).scalar_one()
    missed = (
        await session.execute(
            select(func.count())
            .select_from(Wait)
            .join(Conversation, Conversation.id == Wait.conversation_id)
            .where(
                Wait.kind == WaitKind.first_response.value,
                Wait.status == UNANSWERED,
                # A first wait opens when or after its conversation is created.
                Wait.opened_at >= period.since,
                *in_period,
            )
        )
    ).scalar_one()
    return created, missed


async def _agent_names(session: AsyncSession, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(wanted)))
    return {agent_id: name for agent_id, name in rows.all()}


async def _business_hours_by_scope(session: AsyncSession) -> dict[str, dict[str, Any] | None]:
    """Each stored policy's business hours (None: around the clock), by scope."""
    rows = await session.execute(select(SlaPolicy.scope, SlaPolicy.business_hours))
    return {scope: hours or None for scope, hours in rows.all()}


async def _business_figures(
    session: AsyncSession, period: Period, site_id: str | None, now: datetime
) -> dict[str, Any] | None:
    """Per kind, the figures in business time; None when no policy has business hours.

    Computed row by row in Python (each site may keep its own calendar), so over
    very long periods they cost more than the wall-clock figures.
    """
    from chat_server.sla.business_hours import BusinessClock

    hours_by_scope = await _business_hours_by_scope(session)
    if not any(hours_by_scope.values()):
        return None
    origin = period.since
    rows = (
        await session.execute(
            select(
                Wait.site_id,
                Wait.kind,
                Wait.status,
                _since_us(session, Wait.opened_at, origin),
                _since_us(session, Wait.closed_at, origin),
                Wait.target_seconds,
            ).where(*_period_filter(period, site_id))
        )
    ).all()
    now_us = (now - origin) // _ONE_MICROSECOND
    latest = max([now_us, *(closed for *_, closed, _ in rows if closed is not None)])
    clocks: dict[str, BusinessClock] = {}
    per_kind: dict[str, list[tuple[str, int, float]]] = {kind: [] for kind in KINDS}
    for site, kind, status, opened, closed, target in rows:
        # A site's own policy replaces the installation's, as in sla.policy_for.
        scope = site if site in hours_by_scope else sla.DEFAULT_SCOPE
        hours = hours_by_scope.get(scope)
        end = now_us if closed is None else int(closed)
        if hours is None:
            length = end - int(opened)
        else:
            clock = clocks.get(scope)
            if clock is None:
                clock = clocks[scope] = BusinessClock(
                    hours, origin, origin + timedelta(microseconds=latest)
                )
            length = clock.between(int(opened), end)
        per_kind.setdefault(kind, []).append((status, length, target))
    return {kind: figures_of(per_kind[kind]).view() for kind in KINDS}


async def response_times(
    db: Database,
    period: Period,
    site_id: str | None = None,
    now: datetime | None = None,
    business: bool = True,
) -> dict[str, Any]:
    """The contract's Stats for the waits opened in ``period`` (and ``business`` figures)."""
    now = now or utcnow()

    async def waits_part() -> tuple[dict[str, Figures], dict[tuple[str, str], Figures]]:
        async with db.reading() as session:
            for statement in _tuning(session):
                await session.execute(statement)
            groups = await _grouped_figures(
                session,
                period,
                site_id,
                now,
                {"first": _is_first, "agent": Wait.answered_by},
                with_buckets=True,
            )
            by_kind = {kind: Figures() for kind in KINDS}
            by_agent: dict[tuple[str, str], Figures] = {}
            for (first, agent), figures in groups.items():
                kind = _kind(first)
                by_kind[kind].merge(figures)
                if agent is not None and figures.count:
                    by_agent.setdefault((kind, agent), Figures()).merge(figures)
            await _fill_percentiles(session, period, site_id, now, by_kind, by_agent)
            return by_kind, by_agent

    async def conversations_part() -> tuple[int, int, sla.Policy, dict[str, Any] | None]:
        async with db.reading() as session:
            created, missed = await _conversation_counts(session, period, site_id)
            policy = await sla.policy_for(session, site_id)
            extra = await _business_figures(session, period, site_id, now) if business else None
            return created, missed, policy, extra

    # Two connections: PostgreSQL scans the waits and the conversations side by side.
    (by_kind, by_agent), (created, missed, policy, business_view) = await asyncio.gather(
        waits_part(), conversations_part()
    )
    async with db.reading() as session:
        names = await _agent_names(session, (agent for _, agent in by_agent))
    return stats_view(period, policy, by_kind, by_agent, names, created, missed, business_view)


def stats_view(
    period: Period,
    policy: sla.Policy,
    by_kind: dict[str, Figures],
    by_agent: dict[tuple[str, str], Figures],
    names: dict[str, str],
    conversations: int,
    missed: int,
    business: dict[str, Any] | None,
) -> dict[str, Any]:
    """The Stats shape (CONTRACT section 3), assembled in this one place."""
    agents = sorted(
        {agent for _, agent in by_agent},
        key=lambda agent: (
            -sum(by_agent[(kind, agent)].count for kind in KINDS if (kind, agent) in by_agent),
            names.get(agent) or "",
            agent,
        ),
    )
    view: dict[str, Any] = {
        "since": iso(period.since),
        "until": iso(period.until),
        "sla": {
            "first_response_seconds": policy.first_response_seconds,
            "next_response_seconds": policy.next_response_seconds,
        },
        "first_response": by_kind.get(KINDS[0], Figures()).view(),
        "next_response": by_kind.get(KINDS[1], Figures()).view(),
        "conversations": conversations,
        "missed": missed,
        "per_agent": [
            {
                "agent_id": agent,
                "name": names.get(agent),
                "first_response": by_agent.get((KINDS[0], agent), Figures()).view(),
                "next_response": by_agent.get((KINDS[1], agent), Figures()).view(),
            }
            for agent in agents
        ],
    }
    if business is not None:
        view["business"] = business
    return view


# -- series, overview, waiting, CSV ---------------------------------------------


async def series(
    db: Database,
    period: Period,
    width: timedelta,
    site_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Figures per bucket ``[since + k*width, since + (k+1)*width)`` (no percentiles)."""
    now = now or utcnow()
    width_us = width // _ONE_MICROSECOND
    count = -(-((period.until - period.since) // _ONE_MICROSECOND) // width_us)
    async with db.reading() as session:
        for statement in _tuning(session):
            await session.execute(statement)
        wait_bucket = _since_us(session, Wait.opened_at, period.since) // width_us
        groups = await _grouped_figures(
            session,
            period,
            site_id,
            now,
            {"bucket": wait_bucket, "first": _is_first},
            with_buckets=False,
        )
        by_bucket = {(index, _kind(first)): figures for (index, first), figures in groups.items()}
        conversation_bucket = _since_us(session, Conversation.created_at, period.since) // width_us
        in_period = [
            Conversation.created_at >= period.since,
            Conversation.created_at < period.until,
        ]
        if site_id:
            in_period.append(Conversation.site_id == site_id)
        created = dict(
            (
                await session.execute(
                    select(conversation_bucket.label("b"), func.count())
                    .where(*in_period)
                    .group_by("b")
                )
            ).all()
        )
        missed = dict(
            (
                await session.execute(
                    select(conversation_bucket.label("b"), func.count())
                    .select_from(Wait)
                    .join(Conversation, Conversation.id == Wait.conversation_id)
                    .where(
                        Wait.kind == WaitKind.first_response.value,
                        Wait.status == UNANSWERED,
                        *in_period,
                    )
                    .group_by("b")
                )
            ).all()
        )
    buckets = []
    for index in range(count):
        start = period.since + index * width
        buckets.append(
            {
                "start": iso(start),
                "end": iso(min(start + width, period.until)),
                "first_response": by_bucket.get((index, KINDS[0]), Figures()).view(False),
                "next_response": by_bucket.get((index, KINDS[1]), Figures()).view(False),
                "conversations": created.get(index, 0),
                "missed": missed.get(index, 0),
            }
        )
    return {
        "since": iso(period.since),
        "until": iso(period.until),
        "bucket_seconds": width.total_seconds(),
        "buckets": buckets,
    }


def histogram_edges(target_seconds: float) -> list[float]:
    """Bin edges (seconds) for a histogram of lengths around a target."""
    return [round(target_seconds * f, 3) for f in (0.25, 0.5, 0.75, 1, 1.5, 2, 4)]


async def overview(
    db: Database,
    period: Period,
    zone: Any,
    site_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """What the dashboard shows beside the Stats: volume by hour and weekday (in ``zone``),
    ratings, the first-response histogram and the latest missed conversations."""
    now = now or utcnow()
    async with db.reading() as session:
        for statement in _tuning(session):
            await session.execute(statement)
        policy = await sla.policy_for(session, site_id)
        in_period = [
            Conversation.created_at >= period.since,
            Conversation.created_at < period.until,
        ]
        if site_id:
            in_period.append(Conversation.site_id == site_id)
        first_hour = period.since.replace(minute=0, second=0, microsecond=0)
        hour = (_since_us(session, Conversation.created_at, first_hour) // (3600 * MICRO)).label(
            "h"
        )
        by_hour_index = (
            await session.execute(select(hour, func.count()).where(*in_period).group_by("h"))
        ).all()
        ratings = (
            await session.execute(
                select(Conversation.rating, func.count())
                .where(*in_period, Conversation.rating.is_not(None))
                .group_by(Conversation.rating)
            )
        ).all()
        edges = histogram_edges(policy.first_response_seconds)
        waits = _lengths(session, period, site_id, now, Wait.kind.label("kind"), answered_only=True)
        bin_number = case(
            *((waits.c.length < edge * MICRO, index) for index, edge in enumerate(edges)),
            else_=len(edges),
        ).label("bin")
        bins: dict[int, int] = dict(
            (
                await session.execute(
                    select(bin_number, func.count())
                    .where(waits.c.kind == WaitKind.first_response.value)
                    .group_by("bin")
                )
            ).all()
        )
        missed_rows = (
            await session.execute(
                select(Conversation, Visitor.name, Wait.closed_at)
                .join(Wait, Wait.conversation_id == Conversation.id)
                .join(Visitor, Visitor.id == Conversation.visitor_id)
                .where(
                    Wait.kind == WaitKind.first_response.value,
                    Wait.status == UNANSWERED,
                    *in_period,
                )
                .order_by(Conversation.created_at.desc())
                .limit(10)
            )
        ).all()
    by_hour = [0] * 24
    by_weekday = [0] * 7
    heatmap = [[0] * 24 for _ in range(7)]
    for hour_index, n in by_hour_index:
        local = (first_hour + timedelta(hours=int(hour_index))).astimezone(zone)
        by_hour[local.hour] += n
        by_weekday[local.weekday()] += n
        heatmap[local.weekday()][local.hour] += n
    distribution = {str(score): 0 for score in range(1, 6)}
    for score, n in ratings:
        distribution[str(score)] = n
    rated = sum(distribution.values())
    total = sum(int(score) * n for score, n in distribution.items())
    return {
        "since": iso(period.since),
        "until": iso(period.until),
        "timezone": getattr(zone, "key", str(zone)),
        "volume": {"by_hour": by_hour, "by_weekday": by_weekday, "heatmap": heatmap},
        "rating": {
            "average": round(total / rated, 2) if rated else None,
            "count": rated,
            "distribution": distribution,
        },
        "first_response_histogram": {
            "edges": edges,
            "counts": [bins.get(index, 0) for index in range(len(edges) + 1)],
            "target_seconds": policy.first_response_seconds,
        },
        "missed_recent": [
            {
                "conversation_id": conversation.id,
                "visitor_id": conversation.visitor_id,
                "visitor_name": name,
                "created_at": iso(conversation.created_at),
                "ended_at": iso(closed_at),
            }
            for conversation, name, closed_at in missed_rows
        ],
    }


async def waiting_now(
    db: Database, site_id: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The conversations waiting for an answer right now, longest first."""
    now = now or utcnow()
    async with db.reading() as session:
        query = (
            select(Wait, Conversation, Visitor.name)
            .join(Conversation, Conversation.id == Wait.conversation_id)
            .join(Visitor, Visitor.id == Conversation.visitor_id)
            .where(Wait.status == OPEN, Conversation.status == ConversationStatus.open.value)
            .order_by(Wait.opened_at)
            .limit(100)
        )
        if site_id:
            query = query.where(Wait.site_id == site_id)
        rows = (await session.execute(query)).all()
    waiting = []
    for wait, conversation, name in rows:
        state = "ok"
        if now >= wait.due_at:
            state = "breached"
        elif now >= wait.warn_at:
            state = "warning"
        waiting.append(
            {
                "conversation_id": conversation.id,
                "visitor_id": conversation.visitor_id,
                "visitor_name": name,
                "assignee_id": conversation.assignee_id,
                "kind": wait.kind,
                "waiting_since": iso(wait.opened_at),
                "waited_seconds": duration_us(wait.opened_at, None, now) / MICRO,
                "target_seconds": wait.target_seconds,
                "warn_at": iso(wait.warn_at),
                "due_at": iso(wait.due_at),
                "state": state,
            }
        )
    return {"now": iso(now), "waiting": waiting}


CSV_COLUMNS = (
    "wait_id",
    "conversation_id",
    "site_id",
    "kind",
    "status",
    "opened_at",
    "closed_at",
    "seconds",
    "target_seconds",
    "breached",
    "answered_by",
    "answered_by_name",
)


async def wait_rows(
    db: Database, period: Period, site_id: str | None = None, now: datetime | None = None
) -> AsyncIterator[list[Any]]:
    """One CSV row per wait opened in the period, oldest first (streamed from the database)."""
    now = now or utcnow()
    async with db.reading() as session:
        result = await session.stream(
            select(
                Wait.id,
                Wait.conversation_id,
                Wait.site_id,
                Wait.kind,
                Wait.status,
                Wait.opened_at,
                Wait.closed_at,
                Wait.target_seconds,
                Wait.answered_by,
                Agent.name,
            )
            .outerjoin(Agent, Agent.id == Wait.answered_by)
            .where(*_period_filter(period, site_id))
            .order_by(Wait.opened_at, Wait.id)
            .execution_options(yield_per=2000)
        )
        async for row in result:
            wait_id, conversation_id, site, kind, status, opened, closed, target, agent, name = row
            length = duration_us(opened, closed, now)
            yield [
                wait_id,
                conversation_id,
                site,
                kind,
                status,
                iso(opened),
                iso(closed) if closed else "",
                f"{length / MICRO:.6f}",
                target,
                "true" if is_breached(length, target) else "false",
                agent or "",
                name or "",
            ]


async def wait_bounds(session: AsyncSession) -> tuple[datetime, datetime] | None:
    """The first and last ``opened_at`` of all waits (for benchmarks and defaults)."""
    row = (await session.execute(select(func.min(Wait.opened_at), func.max(Wait.opened_at)))).one()
    return None if row[0] is None else (row[0], row[1])
