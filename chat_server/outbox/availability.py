"""The one notion of "no agent of the site is online", for webhooks and e-mail alike.

An agent counts when its console is open (presence), it chose ``online`` (not
``away``), it is active and it belongs to the site (admins and accounts of every site
belong to all): the same rule as the ``agents_online`` shoppers see. Reactors run
inside a transaction without awaiting, so presence, which may live in Redis, is read
ahead: :func:`refresh` keeps this process's snapshot of the online agents (the
dispatcher calls it every poll), and :func:`no_agent_online` checks a site against it
over the caller's connection. :func:`no_agent_online_now` refreshes first.
"""

from __future__ import annotations

from sqlalchemy import Connection, exists, func, or_, select

from chat_server.model.tables import Agent, AgentSite, AgentStatus, Role
from chat_server.runtime.state import Runtime

_online: frozenset[str] = frozenset()


async def refresh(rt: Runtime) -> None:
    """Read which agents have a console open, for the reactors' next checks."""
    global _online
    _online = frozenset(await rt.presence.online_agents())


def no_agent_online(connection: Connection, site_id: str) -> bool:
    """Whether no agent of ``site_id`` is online, as of the last :func:`refresh`."""
    if not _online:
        return True
    belongs = exists().where(AgentSite.agent_id == Agent.id, AgentSite.site_id == site_id)
    query = select(func.count()).where(
        Agent.id.in_(sorted(_online)),
        Agent.active == True,  # noqa: E712
        Agent.status == AgentStatus.online.value,
        or_(Agent.role == Role.admin.value, Agent.all_sites == True, belongs),  # noqa: E712
    )
    return int(connection.execute(query).scalar_one()) == 0


async def no_agent_online_now(rt: Runtime, site_id: str) -> bool:
    """:func:`no_agent_online` with presence read now."""
    await refresh(rt)
    return await rt.db.read(lambda connection: no_agent_online(connection, site_id))
