"""The SQL expressions of the figures, and every difference between SQLite and PostgreSQL.

Lengths are computed in the database in whole microseconds, exactly, on both
backends (:func:`length_us`); the queries of the other modules are written once
over these expressions.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import BigInteger, Integer, and_, cast, false, func, literal, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from chat_server.model.tables import Wait
from chat_server.stats.figures import ANSWERED, MICRO, ONE_MICROSECOND
from chat_server.stats.period import Period, SiteSet, on_sites

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def is_postgres(session: AsyncSession) -> bool:
    return session.bind.dialect.name == "postgresql"


def sqlite_epoch_us(column: Any) -> ColumnElement[int]:
    """Microseconds since 1970 of a time stored by SQLite, exactly.

    SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff" (SQLAlchemy's storage format). The
    whole seconds are read without the fraction, which strftime would round to
    milliseconds (and so, from .9995 on, into the next second).
    """
    return cast(func.strftime("%s", func.substr(column, 1, 19)), Integer) * MICRO + cast(
        func.substr(column, 21, 6), Integer
    )


def since_us(session: AsyncSession, column: Any, origin: Any) -> ColumnElement[int]:
    """Whole microseconds from ``origin`` (a time, or a column) to ``column``, exactly.

    On PostgreSQL the difference is an interval whose epoch, a double, is exact
    to far below a microsecond for any span shorter than a century, so rounding
    restores the stored integer microseconds.
    """
    if is_postgres(session):
        if isinstance(origin, datetime):
            origin = literal(origin, Wait.opened_at.type)
        return cast(func.round(func.date_part("epoch", column - origin) * MICRO), BigInteger)
    if isinstance(origin, datetime):
        return sqlite_epoch_us(column) - (origin - EPOCH) // ONE_MICROSECOND
    return sqlite_epoch_us(column) - sqlite_epoch_us(origin)


def length_us(session: AsyncSession, now: datetime) -> ColumnElement[int]:
    """A wait's length in microseconds: ``closed_at - opened_at``, or ``now - opened_at``."""
    closed = func.coalesce(Wait.closed_at, literal(now, Wait.closed_at.type))
    if is_postgres(session):
        return since_us(session, closed, Wait.opened_at)
    now_us = (now - EPOCH) // ONE_MICROSECOND
    return func.coalesce(sqlite_epoch_us(Wait.closed_at), now_us) - sqlite_epoch_us(Wait.opened_at)


def breached(length: Any, target_us: Any) -> ColumnElement[bool]:
    """:func:`.figures.is_breached` in SQL."""
    return length > target_us


def period_filter(period: Period, sites: SiteSet) -> list[Any]:
    conditions: list[Any] = [Wait.opened_at >= period.since, Wait.opened_at < period.until]
    conditions.extend(on_sites(Wait.site_id, sites))
    return conditions


def waits_filter(period: Period, sites: SiteSet, answered_only: bool, where: Any) -> list[Any]:
    """The conditions of a :class:`Lengths`: the period's waits (answered ones only), ``where``."""
    conditions = period_filter(period, sites)
    if answered_only:
        conditions.append(Wait.status == ANSWERED)
    if where is not None:
        conditions.append(where)
    return conditions


class Lengths(Protocol):
    """What :func:`lengths` is: the period's waits as a subquery with a ``length``."""

    def __call__(
        self,
        session: AsyncSession,
        period: Period,
        sites: SiteSet,
        now: datetime,
        *columns: Any,
        answered_only: bool = False,
        where: Any = None,
    ) -> Any: ...


def lengths(
    session: AsyncSession,
    period: Period,
    sites: SiteSet,
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
    conditions = waits_filter(period, sites, answered_only, where)
    inner = select(
        *columns,
        (Wait.status == ANSWERED).label("answered"),
        length_us(session, now).label("length"),
        (Wait.target_seconds * MICRO).label("target_us"),
    ).where(*conditions)
    if not is_postgres(session):
        return inner.offset(0).subquery("waits")
    kept = inner.add_columns(func.clock_timestamp().label("unmerged")).subquery("lengths")
    return select(
        *(kept.c[column.name] for column in columns),
        kept.c.answered,
        kept.c.length,
        kept.c.target_us,
    ).subquery("waits")


def lengths_within(ranges_by_kind: dict[str, list[tuple[int, int]]]) -> ColumnElement[bool]:
    """Waits of each kind whose wall-clock length falls in one of that kind's ranges
    ``[low, high)``, told on PostgreSQL by comparing times with exact intervals, before
    any length is computed."""

    def within(low: int, high: int) -> Any:
        return and_(
            Wait.closed_at >= Wait.opened_at + literal(timedelta(microseconds=low)),
            Wait.closed_at < Wait.opened_at + literal(timedelta(microseconds=high)),
        )

    return or_(
        false(),
        *(
            and_(Wait.kind == name, or_(*(within(low, high) for low, high in spans)))
            for name, spans in ranges_by_kind.items()
        ),
    )


def tuning(session: AsyncSession) -> list[Any]:
    """Statements to run first in a stats session."""
    if not is_postgres(session):
        return []
    # A stats query is one big scan: JIT compilation costs more than it saves,
    # and the value-bucket sort wants its rows in memory.
    return [text("SET LOCAL jit = off"), text("SET LOCAL work_mem = '64MB'")]
