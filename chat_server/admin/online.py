"""How many agents a shop's visitors see online: those of the visitor's site only.

An agent counts for a site when its console is open (presence), it chose ``online``
(not ``away``), it is active, and it belongs to the site (admins and accounts of
every site belong to all). Each hello asks, so the count is kept for
:data:`KEEP_SECONDS` per site and process; a change announced by this process
forgets it at once.
"""

from __future__ import annotations

import time
from collections.abc import Collection

from sqlalchemy import Connection, exists, func, or_, select

from chat_server.model.tables import Agent, AgentSite, AgentStatus, Role, Site
from chat_server.runtime.state import Runtime

KEEP_SECONDS = 1.0
_counts: dict[str, tuple[float, int]] = {}


def _count(connection: Connection, site_id: str, online: Collection[str]) -> int:
    belongs = exists().where(AgentSite.agent_id == Agent.id, AgentSite.site_id == site_id)
    query = select(func.count()).where(
        Agent.id.in_(sorted(online)),
        Agent.active == True,  # noqa: E712
        Agent.status == AgentStatus.online.value,
        or_(Agent.role == Role.admin.value, Agent.all_sites == True, belongs),  # noqa: E712
    )
    return int(connection.execute(query).scalar_one())


async def agents_online_at(rt: Runtime, site_id: str, fresh: bool = False) -> int:
    kept = _counts.get(site_id)
    if kept is not None and not fresh and time.monotonic() - kept[0] < KEEP_SECONDS:
        return kept[1]
    online = await rt.presence.online_agents()
    count = (
        await rt.db.read(lambda connection: _count(connection, site_id, online)) if online else 0
    )
    if len(_counts) > 10_000:
        _counts.clear()
    _counts[site_id] = (time.monotonic(), count)
    return count


async def sites_of_scope(rt: Runtime, site_ids: frozenset[str] | None) -> list[str]:
    """The sites an agent of ``site_ids`` (None: every site) counts for."""
    if site_ids is not None:
        return sorted(site_ids)
    return list(
        await rt.db.read(lambda connection: connection.execute(select(Site.id)).scalars().all())
    )
