"""Figures per hour or day of a period: what the dashboard's charts draw."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from chat_server.model.tables import Conversation, Wait, WaitKind, WaitStatus, utcnow
from chat_server.stats.figures import KINDS, ONE_MICROSECOND, Figures
from chat_server.stats.period import Period, SiteSet, on_sites
from chat_server.stats.scans import IS_FIRST, grouped_figures, kind_of
from chat_server.stats.sql import since_us, tuning
from chat_server.storage.database import Database
from chat_server.wire.views import iso


async def series(
    db: Database,
    period: Period,
    width: timedelta,
    sites: SiteSet = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Figures per bucket ``[since + k*width, since + (k+1)*width)`` (no percentiles)."""
    now = now or utcnow()
    width_us = width // ONE_MICROSECOND
    count = -(-((period.until - period.since) // ONE_MICROSECOND) // width_us)
    async with db.reading() as session:
        for statement in tuning(session):
            await session.execute(statement)
        wait_bucket = since_us(session, Wait.opened_at, period.since) // width_us
        groups = await grouped_figures(
            session,
            period,
            sites,
            now,
            {"bucket": wait_bucket, "first": IS_FIRST},
            with_buckets=False,
        )
        by_bucket = {(index, kind_of(first)): figures for (index, first), figures in groups.items()}
        conversation_bucket = since_us(session, Conversation.created_at, period.since) // width_us
        in_period = [
            Conversation.created_at >= period.since,
            Conversation.created_at < period.until,
        ]
        in_period.extend(on_sites(Conversation.site_id, sites))
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
                        Wait.status == WaitStatus.unanswered.value,
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
