"""The CSV of waits: one row per wait opened in a period, with the numbers of the JSON."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from sqlalchemy import select

from chat_server.model.tables import Agent, Wait, utcnow
from chat_server.stats.figures import MICRO, duration_us, is_breached
from chat_server.stats.period import Period, SiteSet
from chat_server.stats.sql import period_filter
from chat_server.storage.database import Database
from chat_server.wire.views import iso

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
    db: Database, period: Period, sites: SiteSet = None, now: datetime | None = None
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
            .where(*period_filter(period, sites))
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
