"""The fold job: each closed wait, once, into the sums of its day.

Run by the scheduler every ``stats_fold_seconds``; any number of processes may run
it side by side, since each batch locks the waits it folds (PostgreSQL's ``SKIP
LOCKED``; SQLite has one writer) and marks them folded in the same transaction as
the sums it adds. A wait is folded when its ``length_us`` is set.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, or_, select, text, update

from chat_server.model.rollup_tables import WaitBusinessRollup, WaitRollup
from chat_server.model.tables import Site, Wait, WaitStatus
from chat_server.sla.business_hours import BusinessClock
from chat_server.sla.rollup.cells import (
    MICRO,
    NOT_ANSWERED,
    Sums,
    add_sums,
    bucket_number,
    day_of,
)
from chat_server.sla.rollup.fold_sql import fold_batch_in_sql
from chat_server.sla.rollup.revisions import Revisions, load_revisions
from chat_server.storage.database import Database

_WAIT = Wait.__table__
_ROLLUP = WaitRollup.__table__
_BUSINESS = WaitBusinessRollup.__table__
_ANSWERED = WaitStatus.answered.value
_ONE_US = timedelta(microseconds=1)
_COLUMNS = (
    _WAIT.c.id,
    _WAIT.c.site_id,
    _WAIT.c.kind,
    _WAIT.c.status,
    _WAIT.c.opened_at,
    _WAIT.c.closed_at,
    _WAIT.c.answered_by,
    _WAIT.c.target_seconds,
)
_STORE = (
    update(_WAIT)
    .where(_WAIT.c.id == bindparam("b_id"))
    .values(
        length_us=bindparam("b_length"),
        business_us=bindparam("b_business"),
        business_rev=bindparam("b_rev"),
    )
)
_STORE_BUSINESS = (
    update(_WAIT)
    .where(_WAIT.c.id == bindparam("b_id"))
    .values(business_us=bindparam("b_business"), business_rev=bindparam("b_rev"))
)


class _Lengths:
    """Lengths and business lengths of a batch of waits, under the hours of now."""

    def __init__(self, rows: list[Any], revisions: Revisions) -> None:
        self.revisions = revisions
        self._clocks: dict[str, BusinessClock] = {}
        self._start = min(row.opened_at for row in rows)
        self._end = max(row.closed_at for row in rows)

    def business(self, row: Any) -> int:
        hours = self.revisions.hours_of(row.site_id)
        if hours is None:
            return length_of(row)
        key = self.revisions.revision(row.site_id)
        clock = self._clocks.get(key)
        if clock is None:
            clock = self._clocks[key] = BusinessClock(hours, self._start, self._end)
        return clock.between(self._offset(row.opened_at), self._offset(row.closed_at))

    def _offset(self, moment: datetime) -> int:
        return (moment - self._start) // _ONE_US


def length_of(row: Any) -> int:
    return int((row.closed_at - row.opened_at) // _ONE_US)


def fold_batch(connection: Connection, limit: int) -> int:
    """Fold up to ``limit`` closed waits not folded yet; returns how many.

    On PostgreSQL, while every site keeps the same hours, the database measures them
    itself (:mod:`.fold_sql`); otherwise they are measured here, each under its site's.
    """
    revisions = load_revisions(connection)
    if connection.dialect.name == "postgresql" and revisions.is_shared():
        return fold_batch_in_sql(connection, limit, revisions)
    return fold_batch_in_python(connection, limit, revisions)


def fold_batch_in_python(connection: Connection, limit: int, revisions: Revisions) -> int:
    """:func:`fold_batch`, measured in Python."""
    rows = connection.execute(
        select(*_COLUMNS)
        .where(_WAIT.c.length_us.is_(None), _WAIT.c.status != WaitStatus.open.value)
        .order_by(_WAIT.c.opened_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not rows:
        return 0
    lengths = _Lengths(rows, revisions)
    wall: dict[tuple[Any, ...], Sums] = defaultdict(Sums)
    business: dict[tuple[Any, ...], Sums] = defaultdict(Sums)
    stored = []
    for row in rows:
        length, business_length = length_of(row), lengths.business(row)
        rev = revisions.revision(row.site_id)
        answered = row.status == _ANSWERED
        target = row.target_seconds * MICRO
        day = day_of(row.opened_at)
        wall[
            (
                row.site_id,
                day,
                row.kind,
                row.answered_by or "",
                answered,
                bucket_number(length) if answered else NOT_ANSWERED,
            )
        ].add(length, length > target)
        business[
            (
                row.site_id,
                rev,
                day,
                row.kind,
                answered,
                bucket_number(business_length) if answered else NOT_ANSWERED,
            )
        ].add(business_length, business_length > target)
        stored.append(
            {"b_id": row.id, "b_length": length, "b_business": business_length, "b_rev": rev}
        )
    add_sums(connection, _ROLLUP, wall)
    add_sums(connection, _BUSINESS, business)
    _store(connection, stored)
    return len(rows)


# On PostgreSQL one statement stores a whole batch (one UPDATE per row would be most
# of the fold's time); SQLite runs the statement per row in process, quickly.
_STORE_ALL_PG = text(
    "UPDATE wait SET length_us = v.length, business_us = v.business, business_rev = v.rev"
    " FROM unnest(CAST(:ids AS varchar[]), CAST(:lengths AS bigint[]),"
    " CAST(:businesses AS bigint[]), CAST(:revs AS varchar[])) AS v(id, length, business, rev)"
    " WHERE wait.id = v.id"
)
_STORE_BUSINESS_PG = text(
    "UPDATE wait SET business_us = v.business, business_rev = v.rev"
    " FROM unnest(CAST(:ids AS varchar[]), CAST(:businesses AS bigint[]),"
    " CAST(:revs AS varchar[])) AS v(id, business, rev)"
    " WHERE wait.id = v.id"
)


def _store(
    connection: Connection, stored: list[dict[str, Any]], business_only: bool = False
) -> None:
    if connection.dialect.name != "postgresql":
        connection.execute(_STORE_BUSINESS if business_only else _STORE, stored)
        return
    columns = {
        "ids": [row["b_id"] for row in stored],
        "businesses": [row["b_business"] for row in stored],
        "revs": [row["b_rev"] for row in stored],
    }
    if business_only:
        connection.execute(_STORE_BUSINESS_PG, columns)
    else:
        connection.execute(
            _STORE_ALL_PG, columns | {"lengths": [row["b_length"] for row in stored]}
        )


def refold_business_batch(connection: Connection, limit: int) -> int:
    """Measure again, under the hours of now, up to ``limit`` folded waits whose
    business length was measured under hours changed since; returns how many."""
    revisions = load_revisions(connection)
    sites = connection.execute(select(Site.id)).scalars().all()
    done = 0
    for site_id in sites:
        rev = revisions.revision(site_id)
        rows = connection.execute(
            select(*_COLUMNS)
            .where(
                _WAIT.c.site_id == site_id,
                # two ranges of the (site_id, business_rev) index rather than a scan
                or_(_WAIT.c.business_rev < rev, _WAIT.c.business_rev > rev),
                _WAIT.c.length_us.is_not(None),
            )
            .limit(limit - done)
            .with_for_update(skip_locked=True)
        ).all()
        if not rows:
            # Nothing measured under other hours is left: their sums count no more.
            connection.execute(
                delete(_BUSINESS).where(_BUSINESS.c.site_id == site_id, _BUSINESS.c.rev != rev)
            )
            continue
        lengths = _Lengths(rows, revisions)
        business: dict[tuple[Any, ...], Sums] = defaultdict(Sums)
        stored = []
        for row in rows:
            business_length = lengths.business(row)
            answered = row.status == _ANSWERED
            key = (
                site_id,
                rev,
                day_of(row.opened_at),
                row.kind,
                answered,
                bucket_number(business_length) if answered else NOT_ANSWERED,
            )
            business[key].add(business_length, business_length > row.target_seconds * MICRO)
            stored.append({"b_id": row.id, "b_business": business_length, "b_rev": rev})
        add_sums(connection, _BUSINESS, business)
        _store(connection, stored, business_only=True)
        done += len(rows)
        if done >= limit:
            break
    return done


async def fold_pending(db: Database, batch: int = 2000, most: int | None = None) -> int:
    """Fold what is pending, ``batch`` waits per transaction, up to ``most`` (None: all)."""
    done = 0
    for step in (fold_batch, refold_business_batch):
        while most is None or done < most:
            async with db.writing() as session:
                connection = await session.connection()
                folded = await connection.run_sync(step, batch)
            done += folded
            if folded < batch:
                break
    return done
