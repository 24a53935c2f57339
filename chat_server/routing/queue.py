"""The queue a waiting shopper sees: its place, and an honest estimate of the wait.

Positions count, per site (and per team, after a transfer to one), the queued
conversations created earlier, first come first served as routing takes them.
The estimate comes from what the site's shoppers really waited lately: the median
of its last answered first waits (at most 50, within a day), times the position,
shared among the site's online agents. No history, or nobody online: no estimate
(null), rather than a number nobody could stand behind.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, true

from chat_server.model.events import QueueUpdated
from chat_server.model.tables import Wait, WaitKind, WaitStatus
from chat_server.routing.assignment import CONVERSATION, QUEUED, SITE, routable_agents
from chat_server.storage.prepared import Prepared

WAIT = Wait.__table__
#: The recent first waits the estimate is taken from.
HISTORY_WAITS = 50
HISTORY_WINDOW = timedelta(hours=24)


def recent_first_wait(connection: Connection, site_id: str, now: datetime) -> float | None:
    """The median of the site's latest answered first waits, in seconds (None: no history)."""
    rows = connection.execute(
        select(WAIT.c.opened_at, WAIT.c.closed_at)
        .where(
            WAIT.c.site_id == site_id,
            WAIT.c.kind == WaitKind.first_response.value,
            WAIT.c.status == WaitStatus.answered.value,
            WAIT.c.closed_at >= now - HISTORY_WINDOW,
        )
        .order_by(WAIT.c.closed_at.desc())
        .limit(HISTORY_WAITS)
    ).all()
    lengths = [(closed - opened).total_seconds() for opened, closed in rows if closed is not None]
    return statistics.median(lengths) if lengths else None


def estimate(median: float | None, position: int, agents_online: int) -> float | None:
    if median is None or agents_online <= 0:
        return None
    return float(round(median * position / agents_online))


# Read by every routing pass, over the whole queue (thousands of rows after a rush):
# plain tuples through storage.prepared rather than a Row object each.
_QUEUED_CONVERSATIONS = Prepared(
    select(
        CONVERSATION.c.id,
        CONVERSATION.c.visitor_id,
        CONVERSATION.c.site_id,
        CONVERSATION.c.team_id,
    )
    .join(SITE, SITE.c.id == CONVERSATION.c.site_id)
    .where(QUEUED, SITE.c.routing == true())
    .order_by(CONVERSATION.c.created_at, CONVERSATION.c.id)
)


def queue_snapshot(
    connection: Connection, online: Collection[str], now: datetime
) -> list[QueueUpdated]:
    """Every queued conversation of a site that routes, with its place and estimate."""
    rows = _QUEUED_CONVERSATIONS.all(connection, {})
    if not rows:
        return []
    agents = routable_agents(connection, online)
    medians: dict[str, float | None] = {}
    staffed: dict[tuple[str, str | None], int] = {}
    positions: dict[tuple[str, str | None], int] = {}
    snapshot = []
    for conversation_id, visitor_id, site_id, team_id in rows:
        line = (site_id, team_id)
        if site_id not in medians:
            medians[site_id] = recent_first_wait(connection, site_id, now)
        if line not in staffed:
            staffed[line] = sum(1 for agent in agents if agent.serves(*line))
        position = positions[line] = positions.get(line, 0) + 1
        snapshot.append(
            QueueUpdated(
                conversation_id,
                visitor_id,
                position,
                estimate(medians[site_id], position, staffed[line]),
            )
        )
    return snapshot
