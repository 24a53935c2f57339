"""Agent status: what an agent chose (``online`` or ``away``, kept in its row so it
survives reconnects) and what its colleagues see (``offline`` with no console open),
with the agent's load."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from sqlalchemy import Connection, select, update

from chat_server.model.events import AgentUpdated, DomainEvent
from chat_server.model.tables import Agent, AgentSite, AgentStatus, Role
from chat_server.routing.assignment import open_loads
from chat_server.runtime.state import Runtime

AGENT = Agent.__table__
AGENT_SITE = AgentSite.__table__


@dataclass
class StatusSet:
    status: str
    events: list[DomainEvent] = field(default_factory=list)


def agent_updates(
    connection: Connection, agent_ids: Collection[str], online: Collection[str]
) -> list[AgentUpdated]:
    """``agent.updated`` for each agent as stored now: status (offline without a
    console, or when deactivated) and open conversations, addressed to its sites."""
    if not agent_ids:
        return []
    ids = sorted(agent_ids)
    rows = connection.execute(
        select(
            AGENT.c.id,
            AGENT.c.name,
            AGENT.c.status,
            AGENT.c.active,
            AGENT.c.all_sites,
            AGENT.c.role,
        ).where(AGENT.c.id.in_(ids))
    ).all()
    loads = open_loads(connection, ids)
    sites: dict[str, set[str]] = {}
    for agent_id, site_id in connection.execute(
        select(AGENT_SITE.c.agent_id, AGENT_SITE.c.site_id).where(AGENT_SITE.c.agent_id.in_(ids))
    ):
        sites.setdefault(agent_id, set()).add(site_id)
    return [
        AgentUpdated(
            row.id,
            row.name,
            row.status if row.id in online and row.active else AgentStatus.offline.value,
            loads.get(row.id, 0),
            None
            if row.all_sites or row.role == Role.admin.value
            else frozenset(sites.get(row.id, ())),
        )
        for row in rows
    ]


async def announce_agents(
    rt: Runtime, agent_ids: Collection[str], online: Collection[str] | None = None
) -> list[AgentUpdated]:
    """The ``agent.updated`` events of ``agent_ids`` (presence read unless given)."""
    if not agent_ids:
        return []
    known = await rt.presence.online_agents() if online is None else online
    return await rt.db.read(lambda connection: agent_updates(connection, agent_ids, known))


async def set_status(rt: Runtime, agent_id: str, status: str) -> StatusSet:
    """Store the agent's choice; presence learns whether it counts as online."""
    if status not in (AgentStatus.online.value, AgentStatus.away.value):
        raise ValueError(f"an agent chooses online or away, not {status!r}")

    def store(connection: Connection) -> None:
        connection.execute(update(AGENT).where(AGENT.c.id == agent_id).values(status=status))

    await rt.db.write(store)
    await rt.presence.set_agent_away(agent_id, status == AgentStatus.away.value)
    return StatusSet(status, list(await announce_agents(rt, [agent_id])))
