"""What the dashboard shows beside the Stats: volume by hour and weekday, ratings, the
first-response histogram and the latest missed conversations."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select

from chat_server.model.tables import Conversation, Visitor, Wait, WaitKind, WaitStatus, utcnow
from chat_server.sla.policy import load_policy
from chat_server.stats.figures import MICRO
from chat_server.stats.period import Period, SiteSet, on_sites
from chat_server.stats.sql import lengths, since_us, tuning
from chat_server.storage.database import Database
from chat_server.wire.views import iso


def histogram_edges(target_seconds: float) -> list[float]:
    """Bin edges (seconds) for a histogram of lengths around a target."""
    return [round(target_seconds * f, 3) for f in (0.25, 0.5, 0.75, 1, 1.5, 2, 4)]


async def overview(
    db: Database,
    period: Period,
    zone: Any,
    sites: SiteSet = None,
    now: datetime | None = None,
    policy_site: str | None = None,
) -> dict[str, Any]:
    """The overview of the period, volumes counted by the hours and weekdays of ``zone``."""
    now = now or utcnow()
    async with db.reading() as session:
        for statement in tuning(session):
            await session.execute(statement)
        connection = await session.connection()
        policy = await connection.run_sync(load_policy, policy_site)
        in_period = [
            Conversation.created_at >= period.since,
            Conversation.created_at < period.until,
        ]
        in_period.extend(on_sites(Conversation.site_id, sites))
        first_hour = period.since.replace(minute=0, second=0, microsecond=0)
        hour = (since_us(session, Conversation.created_at, first_hour) // (3600 * MICRO)).label("h")
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
        waits = lengths(session, period, sites, now, Wait.kind.label("kind"), answered_only=True)
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
                    Wait.status == WaitStatus.unanswered.value,
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
