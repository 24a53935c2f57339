"""Read receipts: how far each side of a conversation has seen it (``message.seen``).

A conversation keeps one mark per side, ``visitor_seen_seq`` and ``agent_seen_seq``
(the highest ``seq`` reported; the agents' mark is shared by the agents). A mark only
moves forward: a report at or below it changes nothing and announces nothing, and a
report past the end counts as the end (for the visitor, the last message it may see).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, select, update

from chat_server.model.errors import NotFound
from chat_server.model.events import DomainEvent, MessagesSeen
from chat_server.model.tables import Agent, Conversation
from chat_server.runtime.state import Runtime

CONVERSATION = Conversation.__table__
_MARKS = select(
    CONVERSATION.c.visitor_id,
    CONVERSATION.c.site_id,
    CONVERSATION.c.last_seq,
    CONVERSATION.c.last_visible_seq,
    CONVERSATION.c.visitor_seen_seq,
    CONVERSATION.c.agent_seen_seq,
).where(CONVERSATION.c.id == bindparam("conversation_id"))
# The condition keeps the mark monotonic when two reports race (tabs on two processes).
_ADVANCE_VISITOR = (
    update(CONVERSATION)
    .where(
        CONVERSATION.c.id == bindparam("conversation_id"),
        CONVERSATION.c.visitor_seen_seq < bindparam("seq"),
    )
    .values(visitor_seen_seq=bindparam("seq"))
)
_ADVANCE_AGENT = (
    update(CONVERSATION)
    .where(
        CONVERSATION.c.id == bindparam("conversation_id"),
        CONVERSATION.c.agent_seen_seq < bindparam("seq"),
    )
    .values(agent_seen_seq=bindparam("seq"))
)


@dataclass
class Seen:
    """The mark after the report; ``events`` is empty when it did not move."""

    conversation_id: str
    seq: int
    events: list[DomainEvent] = field(default_factory=list)


def _advance(
    connection: Connection,
    conversation_id: str,
    seq: int,
    visitor_id: str | None,
    agent: Agent | None,
) -> Seen:
    row = connection.execute(_MARKS, {"conversation_id": conversation_id}).first()
    # A visitor may only mark its own conversations; which one exists elsewhere is not its business.
    if row is None or (visitor_id is not None and row.visitor_id != visitor_id):
        raise NotFound("not_found", "no such conversation")
    by_visitor = agent is None
    current = row.visitor_seen_seq if by_visitor else row.agent_seen_seq
    seq = min(seq, row.last_visible_seq if by_visitor else row.last_seq)
    if seq <= current:
        return Seen(conversation_id, current)
    statement = _ADVANCE_VISITOR if by_visitor else _ADVANCE_AGENT
    result = connection.execute(statement, {"conversation_id": conversation_id, "seq": seq})
    if result.rowcount != 1:  # a later report won the race
        return Seen(conversation_id, current)
    event = MessagesSeen(
        conversation_id,
        row.visitor_id,
        row.site_id,
        seq,
        "visitor" if by_visitor else "agent",
        agent.id if agent is not None else None,
        agent.name if agent is not None else None,
    )
    return Seen(conversation_id, seq, [event])


async def visitor_saw(rt: Runtime, visitor_id: str, conversation_id: str, seq: int) -> Seen:
    """The visitor saw its conversation up to ``seq``; ``not_found`` if it is not its own."""
    return await rt.db.write(
        lambda connection: _advance(connection, conversation_id, seq, visitor_id, None)
    )


async def agent_saw(rt: Runtime, agent: Agent, conversation_id: str, seq: int) -> Seen:
    """An agent saw the conversation up to ``seq`` (the caller checked its scope)."""
    return await rt.db.write(
        lambda connection: _advance(connection, conversation_id, seq, None, agent)
    )
