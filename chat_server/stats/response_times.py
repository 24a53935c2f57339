"""The contract's Stats: response-time figures of a period, per kind and per agent.

Every number the stats API, the CSV and the dashboard show is defined in
:mod:`.figures`; this module reads them from the database (:mod:`.scans`) and
assembles the Stats shape (CONTRACT section 3) in one place (:func:`stats_view`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.tables import Agent, Conversation, Wait, WaitKind, WaitStatus, utcnow
from chat_server.sla.policy import Policy, load_policy
from chat_server.sla.rollup.cells import ROLLUP_BUCKETS
from chat_server.stats.assistant import assistant_figures
from chat_server.stats.business import business_figures
from chat_server.stats.figures import KINDS, Figures
from chat_server.stats.period import Period, SiteSet, on_sites
from chat_server.stats.rollups import (
    StoredOrLive,
    folded_wall,
    live_condition,
    merge_groups,
    rolled_groups,
    whole_days,
)
from chat_server.stats.scans import IS_FIRST, fill_percentiles, grouped_figures, kind_of
from chat_server.stats.sql import lengths, tuning
from chat_server.storage.database import Database
from chat_server.wire.views import iso


async def response_times(
    db: Database,
    period: Period,
    sites: SiteSet = None,
    now: datetime | None = None,
    business: bool = True,
    policy_site: str | None = None,
) -> dict[str, Any]:
    """The contract's Stats for the waits opened in ``period`` on ``sites`` (and
    ``business`` figures); ``sla`` gives the targets of ``policy_site``, else the default."""
    now = now or utcnow()

    async def waits_part() -> tuple[dict[str, Figures], dict[tuple[str, str], Figures]]:
        days = whole_days(period)
        keys = {"first": IS_FIRST, "agent": Wait.answered_by}
        # the stored length where a wait has one (its day's sums may not hold it: the
        # period's first and last days are partial), else computed
        stored_or_live = StoredOrLive(Wait.length_us, folded_wall(), lengths)
        async with db.reading() as session:
            for statement in tuning(session):
                await session.execute(statement)
            live = await grouped_figures(
                session,
                period,
                sites,
                now,
                keys,
                with_buckets=True,
                waits_of=stored_or_live,
                where=live_condition(days, folded_wall().unfolded),
                table=ROLLUP_BUCKETS,
            )
            groups = merge_groups(await rolled_groups(session, sites, days), live)
            by_kind = {kind: Figures() for kind in KINDS}
            by_agent: dict[tuple[str, str], Figures] = {}
            for (first, agent), figures in groups.items():
                kind = kind_of(first)
                by_kind[kind].merge(figures)
                if agent is not None and figures.count:
                    by_agent.setdefault((kind, agent), Figures()).merge(figures)
            await fill_percentiles(
                session, period, sites, now, by_kind, by_agent, stored_or_live, ROLLUP_BUCKETS
            )
            return by_kind, by_agent

    async def conversations_part() -> tuple[int, int, Policy, dict[str, Any] | None]:
        async with db.reading() as session:
            created, missed = await conversation_counts(session, period, sites)
            connection = await session.connection()
            policy = await connection.run_sync(load_policy, policy_site)
            extra = await business_figures(session, period, sites, now) if business else None
            return created, missed, policy, extra

    # Two connections: PostgreSQL scans the waits and the conversations side by side.
    (by_kind, by_agent), (created, missed, policy, business_view) = await asyncio.gather(
        waits_part(), conversations_part()
    )
    async with db.reading() as session:
        names = await agent_names(session, (agent for _, agent in by_agent))
        assistant = await assistant_figures(session, period, sites, now)
    view = stats_view(period, policy, by_kind, by_agent, names, created, missed, business_view)
    view["assistant"] = assistant
    return view


async def conversation_counts(
    session: AsyncSession, period: Period, sites: SiteSet
) -> tuple[int, int]:
    """Conversations created in the period, and how many of them were missed."""
    in_period = [Conversation.created_at >= period.since, Conversation.created_at < period.until]
    in_period.extend(on_sites(Conversation.site_id, sites))
    created = (await session.execute(select(func.count()).where(*in_period))).scalar_one()
    missed = (
        await session.execute(
            select(func.count())
            .select_from(Wait)
            .join(Conversation, Conversation.id == Wait.conversation_id)
            .where(
                Wait.kind == WaitKind.first_response.value,
                Wait.status == WaitStatus.unanswered.value,
                # A first wait opens when or after its conversation is created.
                Wait.opened_at >= period.since,
                *in_period,
            )
        )
    ).scalar_one()
    return created, missed


async def agent_names(session: AsyncSession, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = await session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(wanted)))
    return {agent_id: name for agent_id, name in rows.all()}


def stats_view(
    period: Period,
    policy: Policy,
    by_kind: dict[str, Figures],
    by_agent: dict[tuple[str, str], Figures],
    names: dict[str, str],
    conversations: int,
    missed: int,
    business: dict[str, Any] | None,
) -> dict[str, Any]:
    """The Stats shape (CONTRACT section 3), assembled in this one place."""
    agents = sorted(
        {agent for _, agent in by_agent},
        key=lambda agent: (
            -sum(by_agent[(kind, agent)].count for kind in KINDS if (kind, agent) in by_agent),
            names.get(agent) or "",
            agent,
        ),
    )
    view: dict[str, Any] = {
        "since": iso(period.since),
        "until": iso(period.until),
        "sla": {
            "first_response_seconds": policy.first_response_seconds,
            "next_response_seconds": policy.next_response_seconds,
        },
        "first_response": by_kind.get(KINDS[0], Figures()).view(),
        "next_response": by_kind.get(KINDS[1], Figures()).view(),
        "conversations": conversations,
        "missed": missed,
        "per_agent": [
            {
                "agent_id": agent,
                "name": names.get(agent),
                "first_response": by_agent.get((KINDS[0], agent), Figures()).view(),
                "next_response": by_agent.get((KINDS[1], agent), Figures()).view(),
            }
            for agent in agents
        ],
    }
    if business is not None:
        view["business"] = business
    return view


async def wait_bounds(session: AsyncSession) -> tuple[datetime, datetime] | None:
    """The first and last ``opened_at`` of all waits (for benchmarks and defaults)."""
    row = (await session.execute(select(func.min(Wait.opened_at), func.max(Wait.opened_at)))).one()
    return None if row[0] is None else (row[0], row[1])
