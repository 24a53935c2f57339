"""The assignment decision, in the database.

A routing pass assigns one conversation per transaction. It reads the online
agents with room (presence says who has a console open; the rows say who chose
``online``, is active and how many open conversations each holds), then takes the
oldest queued conversation one of them serves, locked ``SKIP LOCKED`` on
PostgreSQL so that another process routing at the same moment takes the next one.
The chosen agent's row is locked and its load counted again before the
conditional ``UPDATE ... WHERE assignee_id IS NULL``: two processes never assign
one conversation twice, nor push an agent past ``max_chats``. On SQLite the one
process's write lock serialises passes.

Each transaction holds at most one agent lock, taken after its conversation lock,
as claims do: no lock cycle between passes, claims and transfers.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, or_, select, true, update

from chat_server.chat import statements
from chat_server.chat.transitions import OPEN
from chat_server.model.tables import (
    Agent,
    AgentSite,
    AgentStatus,
    Conversation,
    Role,
    Site,
    TeamAgent,
    Visitor,
)

AGENT = Agent.__table__
CONVERSATION = Conversation.__table__
SITE = Site.__table__
AGENT_SITE = AgentSite.__table__
TEAM_AGENT = TeamAgent.__table__

#: Open, nobody's, and either a shopper waits for an answer or a team was asked to take it.
QUEUED = and_(
    CONVERSATION.c.status == OPEN,
    CONVERSATION.c.assignee_id.is_(None),
    or_(CONVERSATION.c.waiting_since.is_not(None), CONVERSATION.c.team_id.is_not(None)),
)
#: How many queued conversations one transaction looks at for an agent with room.
HEADS_PER_PASS = 50


@dataclass
class Candidate:
    """An online agent with room, as the rows say now."""

    id: str
    load: int
    max_chats: int
    last_assigned_at: datetime | None
    all_sites: bool
    sites: frozenset[str]
    teams: frozenset[str]

    def serves(self, site_id: str, team_id: str | None) -> bool:
        if not (self.all_sites or site_id in self.sites):
            return False
        return team_id is None or team_id in self.teams

    def order(self) -> tuple[int, bool, datetime | str, str]:
        """Fewest open conversations first, then the longest idle (never assigned first)."""
        idle = self.last_assigned_at
        return (self.load, idle is not None, idle or "", self.id)


@dataclass(frozen=True)
class Assigned:
    conversation: Conversation
    visitor: Visitor | None
    agent_id: str


def open_loads(connection: Connection, agent_ids: Collection[str]) -> dict[str, int]:
    """Open conversations assigned to each of ``agent_ids``."""
    if not agent_ids:
        return {}
    rows = connection.execute(
        select(CONVERSATION.c.assignee_id, func.count())
        .where(CONVERSATION.c.status == OPEN, CONVERSATION.c.assignee_id.in_(sorted(agent_ids)))
        .group_by(CONVERSATION.c.assignee_id)
    )
    return {agent_id: int(count) for agent_id, count in rows}


def routable_agents(connection: Connection, online: Collection[str]) -> list[Candidate]:
    """The agents routing may give a conversation to now: console open, ``online``,
    active (``max_chats`` not yet checked)."""
    if not online:
        return []
    rows = connection.execute(
        select(AGENT.c.id, AGENT.c.max_chats, AGENT.c.last_assigned_at, AGENT.c.all_sites)
        .add_columns((AGENT.c.role == Role.admin.value).label("admin"))
        .where(
            AGENT.c.id.in_(sorted(online)),
            AGENT.c.active == true(),
            AGENT.c.status == AgentStatus.online.value,
        )
    ).all()
    ids = [row.id for row in rows]
    if not ids:
        return []
    loads = open_loads(connection, ids)
    sites: dict[str, set[str]] = {}
    for agent_id, site_id in connection.execute(
        select(AGENT_SITE.c.agent_id, AGENT_SITE.c.site_id).where(AGENT_SITE.c.agent_id.in_(ids))
    ):
        sites.setdefault(agent_id, set()).add(site_id)
    teams: dict[str, set[str]] = {}
    for team_id, agent_id in connection.execute(
        select(TEAM_AGENT.c.team_id, TEAM_AGENT.c.agent_id).where(TEAM_AGENT.c.agent_id.in_(ids))
    ):
        teams.setdefault(agent_id, set()).add(team_id)
    return [
        Candidate(
            row.id,
            loads.get(row.id, 0),
            row.max_chats,
            row.last_assigned_at,
            bool(row.all_sites or row.admin),
            frozenset(sites.get(row.id, ())),
            frozenset(teams.get(row.id, ())),
        )
        for row in rows
    ]


def _queue_heads(
    connection: Connection, agents: list[Candidate]
) -> list[tuple[str, str, str | None]]:
    """The oldest queued conversations some agent with room could serve, locked."""
    query = (
        select(CONVERSATION.c.id, CONVERSATION.c.site_id, CONVERSATION.c.team_id)
        .join(SITE, SITE.c.id == CONVERSATION.c.site_id)
        .where(QUEUED, SITE.c.routing == true())
        .order_by(CONVERSATION.c.created_at, CONVERSATION.c.id)
        .limit(HEADS_PER_PASS)
    )
    if not any(agent.all_sites for agent in agents):
        served = sorted(set().union(*(agent.sites for agent in agents)))
        query = query.where(CONVERSATION.c.site_id.in_(served))
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, key_share=True, of=CONVERSATION)
    return [(row.id, row.site_id, row.team_id) for row in connection.execute(query)]


def any_queued(connection: Connection) -> bool:
    """Whether some conversation waits for routing (a pass that finds none writes nothing)."""
    query = (
        select(CONVERSATION.c.id)
        .join(SITE, SITE.c.id == CONVERSATION.c.site_id)
        .where(QUEUED, SITE.c.routing == true())
        .limit(1)
    )
    return connection.execute(query).first() is not None


def _still_has_room(connection: Connection, agent_id: str) -> bool:
    """Lock the agent's row and count again: another process may have filled it."""
    query = select(AGENT.c.max_chats, AGENT.c.active, AGENT.c.status).where(AGENT.c.id == agent_id)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(key_share=True)
    row = connection.execute(query).first()
    if row is None or not row.active or row.status != AgentStatus.online.value:
        return False
    return open_loads(connection, [agent_id]).get(agent_id, 0) < row.max_chats


def assign_next(connection: Connection, online: Collection[str], now: datetime) -> Assigned | None:
    """Assign the oldest queued conversation that an online agent with room serves;
    None when nothing more can be assigned now."""
    agents = [
        agent for agent in routable_agents(connection, online) if agent.load < agent.max_chats
    ]
    if not agents:
        return None
    for conversation_id, site_id, team_id in _queue_heads(connection, agents):
        pool = [agent for agent in agents if agent.serves(site_id, team_id)]
        while pool:
            best = min(pool, key=Candidate.order)
            if not _still_has_room(connection, best.id):
                pool.remove(best)
                agents.remove(best)
                continue
            taken = connection.execute(
                update(CONVERSATION)
                .where(
                    CONVERSATION.c.id == conversation_id,
                    CONVERSATION.c.assignee_id.is_(None),
                    CONVERSATION.c.status == OPEN,
                )
                .values(assignee_id=best.id, assigned_at=now)
            ).rowcount
            if not taken:
                break
            connection.execute(
                update(AGENT).where(AGENT.c.id == best.id).values(last_assigned_at=now)
            )
            return Assigned(*conversation_and_visitor(connection, conversation_id), best.id)
        if not agents:
            return None
    return None


def conversation_and_visitor(
    connection: Connection, conversation_id: str
) -> tuple[Conversation, Visitor | None]:
    row = connection.execute(
        statements.CONVERSATION_BY_ID, {"conversation_id": conversation_id}
    ).one()
    conversation = Conversation.model_construct(**row._mapping)
    visitor_row = connection.execute(
        statements.VISITOR_BY_ID, {"visitor_id": conversation.visitor_id}
    ).first()
    visitor = Visitor.model_construct(**visitor_row._mapping) if visitor_row else None
    return conversation, visitor


def waiting_assignees(connection: Connection) -> dict[str, bool]:
    """Agents holding open conversations that wait for an answer, and whether each is active."""
    rows = connection.execute(
        select(AGENT.c.id, AGENT.c.active).where(
            AGENT.c.id.in_(
                select(CONVERSATION.c.assignee_id).where(
                    CONVERSATION.c.status == OPEN,
                    CONVERSATION.c.assignee_id.is_not(None),
                    CONVERSATION.c.waiting_since.is_not(None),
                )
            )
        )
    )
    return {row.id: bool(row.active) for row in rows}


def requeue(connection: Connection, agent_id: str) -> list[tuple[Conversation, Visitor | None]]:
    """Put the agent's open conversations that still wait for an answer back in the queue."""
    query = select(CONVERSATION.c.id).where(
        CONVERSATION.c.assignee_id == agent_id,
        CONVERSATION.c.status == OPEN,
        CONVERSATION.c.waiting_since.is_not(None),
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, key_share=True)
    ids = [row.id for row in connection.execute(query)]
    if not ids:
        return []
    connection.execute(
        update(CONVERSATION)
        .where(CONVERSATION.c.id.in_(ids), CONVERSATION.c.assignee_id == agent_id)
        .values(assignee_id=None, assigned_at=None)
    )
    return [conversation_and_visitor(connection, conversation_id) for conversation_id in ids]
