"""Resolving an account's :class:`~chat_server.model.scope.Scope` from the database.

Called once per REST request (``web.endpoints.guards.authenticated``) and per agent
socket (then again every ``CHAT_SCOPE_REFRESH_SECONDS``, so a change of an agent's
sites reaches its open sockets within seconds). The domain's queries take the
resolved scope; they never work it out themselves.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from chat_server.model.scope import Scope
from chat_server.model.tables import Agent, AgentSite, Role
from chat_server.runtime.state import Runtime


def scope_of(connection: Connection, agent: Agent) -> Scope:
    """Admins and accounts of every site see every site; the others their ``agent_site`` rows."""
    if agent.role == Role.admin.value or agent.all_sites:
        return Scope(agent.id, agent.role, None)
    rows = connection.execute(select(AgentSite.site_id).where(AgentSite.agent_id == agent.id))
    return Scope(agent.id, agent.role, frozenset(row[0] for row in rows))


def current_scope(connection: Connection, agent_id: str) -> Scope | None:
    """The scope as stored now (role and sites read afresh), or None for an account
    that is gone or inactive."""
    row = connection.execute(
        select(Agent.role, Agent.all_sites, Agent.active).where(Agent.id == agent_id)
    ).first()
    if row is None or not row.active:
        return None
    if row.role == Role.admin.value or row.all_sites:
        return Scope(agent_id, row.role, None)
    rows = connection.execute(select(AgentSite.site_id).where(AgentSite.agent_id == agent_id))
    return Scope(agent_id, row.role, frozenset(site for (site,) in rows))


async def resolve_scope(rt: Runtime, agent: Agent) -> Scope:
    return await rt.db.read(lambda connection: scope_of(connection, agent))


async def refresh_scope(rt: Runtime, agent_id: str) -> Scope | None:
    return await rt.db.read(lambda connection: current_scope(connection, agent_id))
