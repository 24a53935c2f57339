"""The fold in three statements, on PostgreSQL, when every site keeps the same hours.

After an upgrade (or a bulk import) a million waits may wait to be folded; one by one
through Python that takes minutes. Here PostgreSQL measures a whole batch itself (the
lengths as :func:`.fold.length_of` does, the business lengths with the same clock in
SQL: :mod:`.clock_sql`), stores them and adds the batch's sums, in one statement
whose parts share the rows (``UPDATE ... RETURNING`` feeding both rollups' ``INSERT
... ON CONFLICT``). The result is what :func:`.fold.fold_batch` gives, to the
microsecond; the tests fold the same waits both ways.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Integer,
    String,
    any_,
    bindparam,
    case,
    cast,
    delete,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, insert

from chat_server.model.rollup_tables import WaitBusinessRollup, WaitRollup
from chat_server.model.tables import Wait, WaitStatus
from chat_server.sla.business_hours import BusinessClock
from chat_server.sla.rollup.cells import MICRO, NOT_ANSWERED, ROLLUP_BUCKETS, bucket_sql
from chat_server.sla.rollup.clock_sql import ClockInSql
from chat_server.sla.rollup.revisions import Revisions

_WAIT = Wait.__table__
_ANSWERED = WaitStatus.answered.value
_DAY_SECONDS = 86_400


def _micros(interval: Any) -> Any:
    """Whole microseconds of an interval: its epoch, a double exact far below a
    microsecond for any span under a century, rounded back to the stored integer."""
    return cast(func.round(func.date_part("epoch", interval) * MICRO), BigInteger)


def _pending() -> list[Any]:
    return [_WAIT.c.length_us.is_(None), _WAIT.c.status != WaitStatus.open.value]


def stored_lengths(
    opened: Any, closed: Any, hours: dict[str, Any] | None, first: datetime, latest: datetime
) -> tuple[Any, Any]:
    """SQL for a closed wait's ``length_us`` and ``business_us`` from its ``opened`` and
    ``closed`` columns, under ``hours``, for waits within ``[first, latest]``."""
    length = _micros(closed - opened)
    if hours is None:
        return length, length
    clock = ClockInSql(BusinessClock(hours, first, max(latest, first)))
    start = literal(first, _WAIT.c.opened_at.type)
    return length, clock.between(_micros(opened - start), _micros(closed - start))


def fold_batch_in_sql(connection: Connection, limit: int, revisions: Revisions) -> int:
    """Fold up to ``limit`` closed waits not folded yet, under the one set of hours
    every site keeps (:meth:`Revisions.shared`); returns how many."""
    hours, revision = revisions.shared()
    locked = connection.execute(
        select(_WAIT.c.id, _WAIT.c.opened_at, _WAIT.c.closed_at)
        .where(*_pending())
        .order_by(_WAIT.c.opened_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not locked:
        return 0
    length, business = stored_lengths(
        _WAIT.c.opened_at,
        _WAIT.c.closed_at,
        hours,
        min(row.opened_at for row in locked),
        max(row.closed_at for row in locked),
    )
    ids = [row.id for row in locked]
    folded = (
        update(_WAIT)
        # one array parameter, however large the batch (an IN list binds one per id)
        .where(_WAIT.c.id == any_(bindparam("ids", ids, type_=ARRAY(String))))
        .values(length_us=length, business_us=business, business_rev=revision)
        .returning(*_SUMMED)
        .cte("folded")
    )
    wall, in_business = (statement.cte() for statement in sums_of(folded))
    statement = select(func.count()).select_from(folded).add_cte(wall, in_business)
    return int(connection.execute(statement).scalar_one())


#: What the sums read of a folded wait.
_SUMMED = (
    _WAIT.c.site_id,
    _WAIT.c.opened_at,
    _WAIT.c.kind,
    _WAIT.c.answered_by,
    _WAIT.c.status,
    _WAIT.c.length_us,
    _WAIT.c.business_us,
    _WAIT.c.business_rev,
    _WAIT.c.target_seconds,
)


def sums_of(folded: Any) -> tuple[Any, Any]:
    """The two ``INSERT ... ON CONFLICT`` statements that add the sums of the waits of
    ``folded`` (a selectable with :data:`_SUMMED`'s columns) to the rollups."""
    day = cast(func.floor(func.date_part("epoch", folded.c.opened_at) / _DAY_SECONDS), Integer)
    answered = folded.c.status == _ANSWERED
    wall = _add_sums(
        WaitRollup.__table__,
        folded,
        folded.c.length_us,
        {
            "site_id": folded.c.site_id,
            "day": day,
            "kind": folded.c.kind,
            "agent": func.coalesce(folded.c.answered_by, ""),
            "answered": answered,
        },
    )
    in_business = _add_sums(
        WaitBusinessRollup.__table__,
        folded,
        folded.c.business_us,
        {
            "site_id": folded.c.site_id,
            "rev": folded.c.business_rev,
            "day": day,
            "kind": folded.c.kind,
            "answered": answered,
        },
    )
    return wall, in_business


def rebuild_sums(connection: Connection) -> None:
    """Both rollups made again from the lengths stored on the waits (PostgreSQL): what
    a bulk load of waits folded elsewhere needs, and a repair."""
    for table in (WaitRollup.__table__, WaitBusinessRollup.__table__):
        connection.execute(delete(table))
    stored = select(*_SUMMED).where(_WAIT.c.length_us.is_not(None)).subquery("stored")
    for statement in sums_of(stored):
        connection.execute(statement)


def _add_sums(table: Any, folded: Any, length: Any, keys: dict[str, Any]) -> Any:
    """``INSERT ... ON CONFLICT`` adding the sums of ``folded`` grouped by ``keys`` and
    the length's bucket, as :func:`.cells.add_sums` does for a batch folded in Python."""
    # waits not answered have no bucket: their length counts towards "breached" only
    bucket = case(
        (folded.c.status == _ANSWERED, bucket_sql(length, ROLLUP_BUCKETS)), else_=NOT_ANSWERED
    )
    group = [*keys.values(), bucket]
    rows = select(
        *group,
        func.count(),
        func.sum(length),
        func.max(length),
        func.count().filter(length > folded.c.target_seconds * MICRO),
    ).group_by(*group)
    statement = insert(table).from_select(
        [*keys, "bucket", "count", "total_us", "max_us", "breached"], rows
    )
    return statement.on_conflict_do_update(
        index_elements=[column.name for column in table.primary_key.columns],
        set_={
            "count": table.c.count + statement.excluded.count,
            "total_us": table.c.total_us + statement.excluded.total_us,
            "max_us": func.greatest(table.c.max_us, statement.excluded.max_us),
            "breached": table.c.breached + statement.excluded.breached,
        },
    )
