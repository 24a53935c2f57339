"""A :class:`~chat_server.sla.business_hours.BusinessClock` in PostgreSQL's SQL.

The clock's open spans travel as three bound arrays (openings, closings, running
totals) and the database does the bisection itself (``width_bucket`` over the sorted
openings), to the microsecond of :meth:`BusinessClock.between`. The stats use it for
the waits the rollups do not hold (:mod:`chat_server.stats.business_sql`), the fold
for a backlog of waits (:mod:`.fold_sql`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, bindparam, case, func, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement, Grouping

from chat_server.sla.business_hours import BusinessClock


class ClockInSql:
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

    def between(self, opened: Any, ended: Any) -> ColumnElement[int]:
        """Business microseconds from ``opened`` to ``ended`` (offsets from the start)."""
        return case(
            (ended <= opened, literal(0, BigInteger)),
            else_=self.elapsed(ended) - self.elapsed(opened),
        )
