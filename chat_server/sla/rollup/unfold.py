"""Before waits are deleted: their days leave the sums, to be folded again without them.

A sum cannot lose one wait (its maximum would be unknown), so the whole day of each
deleted wait goes back: its sums are deleted and its other waits marked not folded,
which the stats then read row by row until the fold job has folded them again.
Run in the deleting transaction, before the waits go.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, select, update

from chat_server.model.rollup_tables import WaitBusinessRollup, WaitRollup
from chat_server.model.tables import Wait
from chat_server.sla.rollup.cells import day_of, day_start

_WAIT = Wait.__table__
_UNFOLD_DAY = (
    update(_WAIT)
    .where(
        _WAIT.c.site_id == bindparam("b_site"),
        _WAIT.c.opened_at >= bindparam("b_from"),
        _WAIT.c.opened_at < bindparam("b_to"),
        _WAIT.c.length_us.is_not(None),
    )
    .values(length_us=None, business_us=None, business_rev=None)
)


def unfold_days_of(connection: Connection, waits: Any) -> int:
    """Send back the days of the waits that ``waits`` (a condition on ``wait``) selects;
    returns how many days."""
    rows = connection.execute(
        select(_WAIT.c.site_id, _WAIT.c.opened_at).where(waits, _WAIT.c.length_us.is_not(None))
    ).all()
    days = sorted({(site_id, day_of(opened_at)) for site_id, opened_at in rows})
    if not days:
        return 0
    # The waits first: on PostgreSQL this waits for a fold that holds them, so the
    # sums deleted next include what it added.
    connection.execute(
        _UNFOLD_DAY,
        [
            {"b_site": site, "b_from": day_start(day), "b_to": day_start(day + 1)}
            for site, day in days
        ],
    )
    for table in (WaitRollup.__table__, WaitBusinessRollup.__table__):
        for site, day in days:
            connection.execute(
                delete(table).where(and_(table.c.site_id == site, table.c.day == day))
            )
    return len(days)
