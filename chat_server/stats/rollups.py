"""The figures of a period from the rollups (whole days) and the waits (the rest).

:mod:`chat_server.sla.rollup` folds each closed wait into the sums of its UTC day and
stores its lengths on the row. A period's figures are then:

- the sums of its whole days (:func:`rolled_groups`, :func:`rolled_business_groups`),
- plus the waits the sums do not hold, read row by row as before: those of the
  period's partial first and last days, those not folded yet (open, or closed since
  the last fold), and, for business time, those measured under other hours
  (:func:`live_condition`);
- and exact percentiles from the buckets the merged counts point at, reading each
  wait's stored length, or computing it where none is stored (:class:`StoredOrLive`).

Every figure is the same, to the microsecond, as reading every wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.rollup_tables import WaitBusinessRollup, WaitRollup
from chat_server.model.tables import Wait, WaitKind
from chat_server.sla.rollup.cells import day_of, day_start
from chat_server.stats.figures import ANSWERED, MICRO, Figures
from chat_server.stats.period import Period, SiteSet, on_sites
from chat_server.stats.sql import Lengths, waits_filter

Days = tuple[int, int]
FIRST = WaitKind.first_response.value


def whole_days(period: Period) -> Days | None:
    """The UTC days ``[first, last)`` wholly inside the period, if any."""
    first = day_of(period.since)
    if day_start(first) < period.since:
        first += 1
    last = day_of(period.until)
    return (first, last) if first < last else None


def live_condition(days: Days | None, unfolded: Any) -> Any:
    """The period's waits the sums do not hold: outside ``days``, or ``unfolded``."""
    if days is None:
        return None
    return or_(unfolded, Wait.opened_at < day_start(days[0]), Wait.opened_at >= day_start(days[1]))


@dataclass(frozen=True)
class Folded:
    """Which waits hold a stored length (``folded``) and which do not (``unfolded``),
    each written so that an index finds its rows."""

    folded: Any
    unfolded: Any


def folded_wall() -> Folded:
    return Folded(Wait.length_us.is_not(None), Wait.length_us.is_(None))


def folded_business(revision: str) -> Folded:
    """Folded with a business length measured under the hours of ``revision``. (A wait
    not folded has no revision: ``length_us`` and ``business_rev`` are set together.)"""
    return Folded(
        and_(Wait.length_us.is_not(None), Wait.business_rev == revision),
        or_(
            Wait.length_us.is_(None),
            Wait.business_rev < revision,
            Wait.business_rev > revision,
        ),
    )


def _merge_row(
    result: dict[tuple[Any, ...], Figures],
    key: tuple[Any, ...],
    answered: bool,
    bucket: int,
    row: tuple[int, int, int, int],
) -> None:
    count, total, longest, breaches = (int(value) for value in row)
    figures = result.setdefault(key, Figures())
    if not answered:
        figures.breached += breaches
        return
    figures.merge(
        Figures(
            count=count,
            total_us=total,
            max_us=longest,
            within=count - breaches,
            breached=breaches,
            histogram={int(bucket): count},
        )
    )


def _sums(table: Any) -> list[Any]:
    return [
        func.sum(table.c.count),
        func.sum(table.c.total_us),
        func.max(table.c.max_us),
        func.sum(table.c.breached),
    ]


async def rolled_groups(
    session: AsyncSession, sites: SiteSet, days: Days | None
) -> dict[tuple[Any, ...], Figures]:
    """Figures per (first response?, agent) of the whole ``days``, from the sums."""
    if days is None:
        return {}
    table = WaitRollup.__table__
    first, agent = (table.c.kind == FIRST), table.c.agent
    query = (
        select(first, agent, table.c.answered, table.c.bucket, *_sums(table))
        .where(table.c.day >= days[0], table.c.day < days[1], *on_sites(table.c.site_id, sites))
        .group_by(first, agent, table.c.answered, table.c.bucket)
    )
    result: dict[tuple[Any, ...], Figures] = {}
    for is_first, who, answered, bucket, *sums in (await session.execute(query)).all():
        _merge_row(result, (bool(is_first), who or None), bool(answered), bucket, sums)
    return result


async def rolled_business_groups(
    session: AsyncSession, sites: SiteSet, days: Days | None, revision: str
) -> dict[tuple[Any, ...], Figures]:
    """Figures per (first response?) of the whole ``days`` in business time under
    the hours of ``revision``, from the sums."""
    if days is None:
        return {}
    table = WaitBusinessRollup.__table__
    first = table.c.kind == FIRST
    query = (
        select(first, table.c.answered, table.c.bucket, *_sums(table))
        .where(
            table.c.rev == revision,
            table.c.day >= days[0],
            table.c.day < days[1],
            *on_sites(table.c.site_id, sites),
        )
        .group_by(first, table.c.answered, table.c.bucket)
    )
    result: dict[tuple[Any, ...], Figures] = {}
    for is_first, answered, bucket, *sums in (await session.execute(query)).all():
        _merge_row(result, (bool(is_first),), bool(answered), bucket, sums)
    return result


def merge_groups(
    *parts: dict[tuple[Any, ...], Figures],
) -> dict[tuple[Any, ...], Figures]:
    merged: dict[tuple[Any, ...], Figures] = {}
    for part in parts:
        for key, figures in part.items():
            # bool keys: SQLite gives 0/1 where PostgreSQL gives False/True
            key = (bool(key[0]), *key[1:])
            merged.setdefault(key, Figures()).merge(figures)
    return merged


class StoredOrLive:
    """A :class:`~chat_server.stats.sql.Lengths` of every wait of the period: the
    stored length where ``folded``, else the one ``live`` computes."""

    def __init__(self, stored: Any, folded: Folded, live: Lengths) -> None:
        self.stored, self.folded, self.live = stored, folded, live

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
        stored = select(
            *columns,
            (Wait.status == ANSWERED).label("answered"),
            self.stored.label("length"),
            (Wait.target_seconds * MICRO).label("target_us"),
        ).where(*conditions, self.folded.folded)
        unfolded = self.folded.unfolded
        if where is not None:
            unfolded = and_(unfolded, where)
        live = self.live(
            session, period, sites, now, *columns, answered_only=answered_only, where=unfolded
        )
        return union_all(stored, select(*live.c)).subquery("waits")
