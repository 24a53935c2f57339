"""Claims, assignments and transfers: people deciding who answers, beside routing.

An agent claims a conversation for itself (one assigned to someone else too: that
is a transfer); managers and admins may assign any conversation of their sites
to any agent of its site. A transfer hands a conversation to a colleague, or to a
team (unassigned, for routing to give to one of the team's online agents), and
its note is stored as an internal note. ``max_chats`` limits routing only.

Each runs in one transaction: the conversation's row is locked first, then the
agent's, the order routing takes them in. Every check runs before the first write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, select, update

from chat_server.chat.posting import Author, Posted, store_agent_message
from chat_server.chat.tags import tags_of
from chat_server.model.errors import Conflict, Forbidden, NotFound
from chat_server.model.events import ConversationChanged, DomainEvent
from chat_server.model.scope import Scope
from chat_server.model.tables import (
    Agent,
    AgentSite,
    AuthorKind,
    Role,
    Team,
    TeamSite,
    new_id,
    utcnow,
)
from chat_server.routing.assignment import AGENT, CONVERSATION, conversation_and_visitor
from chat_server.routing.status import announce_agents
from chat_server.runtime.state import Runtime

AGENT_SITE = AgentSite.__table__
TEAM_SITE = TeamSite.__table__
TEAM = Team.__table__


@dataclass
class Handed:
    """A conversation's new assignee (or team), as committed, and its events."""

    conversation_id: str
    events: list[DomainEvent] = field(default_factory=list)


@dataclass(frozen=True)
class _Change:
    site_id: str
    before: str | None
    after: str | None
    note: Posted | None


def _agent_sites(connection: Connection, agent_id: str) -> frozenset[str] | None:
    """The sites an agent belongs to (None: every site); NotFound if there is no such agent."""
    row = connection.execute(
        select(AGENT.c.role, AGENT.c.all_sites, AGENT.c.active).where(AGENT.c.id == agent_id)
    ).first()
    if row is None:
        raise NotFound("not_found", "no such agent")
    if not row.active:
        raise Conflict("agent_inactive", "this agent's account is deactivated")
    if row.role == Role.admin.value or row.all_sites:
        return None
    rows = connection.execute(select(AGENT_SITE.c.site_id).where(AGENT_SITE.c.agent_id == agent_id))
    return frozenset(site for (site,) in rows)


def _check_agent(connection: Connection, agent_id: str, site_id: str, scope: Scope) -> None:
    """The agent exists for the caller (shares a site with it) and serves ``site_id``."""
    sites = _agent_sites(connection, agent_id)
    shared = sites is None or scope.site_ids is None or bool(sites & scope.site_ids)
    if not shared:
        raise NotFound("not_found", "no such agent")
    if sites is not None and site_id not in sites:
        raise Conflict("agent_not_of_site", "this agent does not belong to the conversation's site")


def _check_team(connection: Connection, team_id: str, site_id: str, scope: Scope) -> None:
    if connection.execute(select(TEAM.c.id).where(TEAM.c.id == team_id)).first() is None:
        raise NotFound("not_found", "no such team")
    sites = frozenset(
        site
        for (site,) in connection.execute(
            select(TEAM_SITE.c.site_id).where(TEAM_SITE.c.team_id == team_id)
        )
    )
    if scope.site_ids is not None and sites and not sites & scope.site_ids:
        raise NotFound("not_found", "no such team")
    if site_id not in sites:
        raise Conflict("team_not_of_site", "this team does not serve the conversation's site")


def _lock(connection: Connection, conversation_id: str) -> tuple[str, str | None]:
    row = connection.execute(
        select(CONVERSATION.c.site_id, CONVERSATION.c.assignee_id)
        .where(CONVERSATION.c.id == conversation_id)
        .with_for_update(key_share=True)
    ).first()
    if row is None:
        raise NotFound("not_found", "no such conversation")
    return row.site_id, row.assignee_id


def _hand(
    connection: Connection,
    by: Agent,
    scope: Scope,
    conversation_id: str,
    agent_id: str | None,
    team_id: str | None,
    note: str | None,
) -> _Change:
    site_id, before = _lock(connection, conversation_id)
    scope.require(site_id)
    if agent_id is not None:
        _check_agent(connection, agent_id, site_id, scope)
    elif team_id is not None:
        _check_team(connection, team_id, site_id, scope)
    now = utcnow()
    posted = None
    if note and note.strip():
        author = Author(AuthorKind.agent, by.id, by.name, f"agent:{by.id}")
        posted = store_agent_message(
            connection, author, conversation_id, f"transfer:{new_id()}", note.strip(), True
        )
    if agent_id is not None:
        _give(connection, conversation_id, agent_id, now)
    else:
        connection.execute(
            update(CONVERSATION)
            .where(CONVERSATION.c.id == conversation_id)
            .values(assignee_id=None, assigned_at=None, team_id=team_id)
        )
    return _Change(site_id, before, agent_id, posted)


def _give(connection: Connection, conversation_id: str, agent_id: str, now: datetime) -> None:
    connection.execute(
        update(CONVERSATION)
        .where(CONVERSATION.c.id == conversation_id)
        .values(assignee_id=agent_id, assigned_at=now)
    )
    connection.execute(update(AGENT).where(AGENT.c.id == agent_id).values(last_assigned_at=now))


async def _run(
    rt: Runtime,
    by: Agent,
    scope: Scope,
    conversation_id: str,
    agent_id: str | None,
    team_id: str | None,
    note: str | None,
) -> Handed:
    async with rt.db.writing() as session:
        connection = await session.connection()
        change = await connection.run_sync(
            _hand, by, scope, conversation_id, agent_id, team_id, note
        )
        conversation, visitor = await connection.run_sync(conversation_and_visitor, conversation_id)
        tags = await connection.run_sync(tags_of, conversation_id)
    events: list[DomainEvent] = list(change.note.events) if change.note else []
    events.append(ConversationChanged(conversation, visitor, True, tags))
    touched = {agent for agent in (change.before, change.after) if agent is not None}
    events.extend(await announce_agents(rt, touched))
    return Handed(conversation_id, events)


async def assign(
    rt: Runtime, by: Agent, scope: Scope, conversation_id: str, agent_id: str
) -> Handed:
    """``conversation.assign``: your own id claims it; managers and admins assign anyone."""
    if agent_id != by.id and by.role == Role.agent.value:
        raise Forbidden(
            "forbidden",
            "agents claim conversations for themselves; hand one over with conversation.transfer",
        )
    return await _run(rt, by, scope, conversation_id, agent_id, None, None)


async def transfer(
    rt: Runtime,
    by: Agent,
    scope: Scope,
    conversation_id: str,
    agent_id: str | None,
    team_id: str | None,
    note: str | None,
) -> Handed:
    """``conversation.transfer`` to an agent or a team, with an internal note."""
    if (agent_id is None) == (team_id is None):
        raise Conflict("invalid_transfer", "transfer to an agent or to a team")
    return await _run(rt, by, scope, conversation_id, agent_id, team_id, note)
