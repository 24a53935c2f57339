"""Figures in business time: the part of each wait inside its site's open hours.

When every site keeps the installation's hours, PostgreSQL computes them
(:mod:`.business_sql`); otherwise, and on SQLite, they are computed row by row in
Python (each site may keep its own calendar), which over very long periods costs
more than the wall-clock figures.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.tables import SlaPolicy, Wait
from chat_server.sla.business_hours import BusinessClock
from chat_server.sla.policy import DEFAULT_SCOPE
from chat_server.stats.business_sql import business_figures_in_sql
from chat_server.stats.figures import KINDS, ONE_MICROSECOND, figures_of
from chat_server.stats.period import Period, SiteSet
from chat_server.stats.sql import is_postgres, period_filter, since_us


async def business_hours_by_scope(session: AsyncSession) -> dict[str, dict[str, Any] | None]:
    """Each stored policy's business hours (None: around the clock), by scope."""
    rows = await session.execute(select(SlaPolicy.scope, SlaPolicy.business_hours))
    return {scope: hours or None for scope, hours in rows.all()}


async def business_figures(
    session: AsyncSession, period: Period, sites: SiteSet, now: datetime
) -> dict[str, Any] | None:
    """Per kind, the figures in business time; None when no policy has business hours."""
    hours_by_scope = await business_hours_by_scope(session)
    if not any(hours_by_scope.values()):
        return None
    shared = one_schedule(hours_by_scope)
    if shared is not None and is_postgres(session):
        return await business_figures_in_sql(session, period, sites, now, shared)
    return await business_figures_in_python(session, period, sites, now, hours_by_scope)


def one_schedule(hours_by_scope: dict[str, dict[str, Any] | None]) -> dict[str, Any] | None:
    """The business hours every site keeps, if they all keep the same ones (the
    installation's, with no site policy that differs)."""
    default = hours_by_scope.get(DEFAULT_SCOPE)
    if default is None or any(hours != default for hours in hours_by_scope.values()):
        return None
    return default


async def business_figures_in_python(
    session: AsyncSession,
    period: Period,
    sites: SiteSet,
    now: datetime,
    hours_by_scope: dict[str, dict[str, Any] | None],
) -> dict[str, Any]:
    """Row by row: each site may keep its own calendar."""
    origin = period.since
    rows = (
        await session.execute(
            select(
                Wait.site_id,
                Wait.kind,
                Wait.status,
                since_us(session, Wait.opened_at, origin),
                since_us(session, Wait.closed_at, origin),
                Wait.target_seconds,
            ).where(*period_filter(period, sites))
        )
    ).all()
    now_us = (now - origin) // ONE_MICROSECOND
    latest = max([now_us, *(closed for *_, closed, _ in rows if closed is not None)])
    clocks: dict[str, BusinessClock] = {}
    per_kind: dict[str, list[tuple[str, int, float]]] = {kind: [] for kind in KINDS}
    for site, kind, status, opened, closed, target in rows:
        # A site's own policy replaces the installation's, as in sla.policy.load_policy.
        scope = site if site in hours_by_scope else DEFAULT_SCOPE
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
