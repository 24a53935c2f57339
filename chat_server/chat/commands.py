"""Conversation commands: post, invite, start by the system, resolve, rate.

Each command resolves once its transaction is committed and returns what it
committed with the domain events that announce it; the caller hands it to
:func:`chat_server.runtime.delivery.deliver`, which acknowledges, then publishes.
Statuses change only through :mod:`chat_server.chat.transitions`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.chat.posting import (
    Author,
    Posted,
    Refused,
    find_sent,
    start_conversation,
    store_agent_message,
    store_visitor_message,
)
from chat_server.chat.transitions import apply_transition
from chat_server.model.errors import Conflict, NotFound
from chat_server.model.events import (
    ConversationChanged,
    ConversationResolved,
    DomainEvent,
    RatingRecorded,
)
from chat_server.model.tables import Agent, AuthorKind, Conversation, Visitor, utcnow
from chat_server.observe import metrics
from chat_server.runtime.state import Runtime
from chat_server.sla.waits import close_wait

T = TypeVar("T")


async def _write_once(
    rt: Runtime, sender_key: str, client_id: str, command: Callable[[Connection], T]
) -> T | Posted:
    """Run a posting command once per (sender, client_id); a repeat gets the first result."""
    started = time.perf_counter()
    try:
        result = await rt.db.write(command)
    except IntegrityError:
        # A concurrent retry of the same client_id (on another process) won the race.
        found = await rt.db.read(lambda connection: find_sent(connection, sender_key, client_id))
        if found is None:
            raise
        return found
    if isinstance(result, Posted) and not result.duplicate:
        metrics.POST_SECONDS.observe(time.perf_counter() - started)
        metrics.MESSAGES.labels(result.message.author_kind).inc()
    return result


async def _post(
    rt: Runtime, author: Author, client_id: str, command: Callable[[Connection], Posted]
) -> Posted:
    result = await _write_once(rt, author.sender_key, client_id, command)
    assert isinstance(result, Posted)
    return result


async def post_visitor_message(
    rt: Runtime,
    visitor_id: str,
    client_id: str,
    text: str,
    assistant: bool = False,
    attachments: Sequence[str] = (),
    locale: str | None = None,
) -> Posted:
    """Store a visitor's message in its open conversation, starting one if needed
    (``assistant``: the site's assistant answers now, see ``chat_server.assistant``;
    ``attachments``: upload ids the message carries; ``locale``: the widget's language,
    kept on a conversation this message starts)."""
    author = Author(AuthorKind.visitor, visitor_id, None, f"visitor:{visitor_id}")
    return await _post(
        rt,
        author,
        client_id,
        lambda connection: store_visitor_message(
            connection, author, client_id, text, assistant, attachments, locale
        ),
    )


async def post_agent_message(
    rt: Runtime,
    agent: Agent,
    conversation_id: str,
    client_id: str,
    text: str,
    internal: bool,
    attachments: Sequence[str] = (),
) -> Posted:
    author = Author(AuthorKind.agent, agent.id, agent.name, f"agent:{agent.id}")
    return await _post(
        rt,
        author,
        client_id,
        lambda connection: store_agent_message(
            connection, author, conversation_id, client_id, text, internal, attachments
        ),
    )


async def invite(
    rt: Runtime,
    agent: Agent,
    visitor_id: str,
    client_id: str,
    text: str,
) -> Posted:
    """Start a conversation with a browsing visitor, the agent's message first."""
    author = Author(AuthorKind.agent, agent.id, agent.name, f"agent:{agent.id}")
    result = await _write_once(
        rt,
        author.sender_key,
        client_id,
        lambda connection: start_conversation(
            connection, author, visitor_id, client_id, text, None
        ),
    )
    if isinstance(result, Refused):
        if result.code == "visitor_not_found":
            raise NotFound("visitor_not_found", "no such visitor")
        raise Conflict("conversation_exists", "this visitor already has an open conversation")
    return result


async def start_by_system(
    rt: Runtime, site_id: str, visitor_id: str, client_id: str, text: str, visit: int
) -> Posted | None:
    """Start a conversation with a system message (an automatic invitation), at most once
    per ``client_id`` and only during the given visit of a visitor with no open
    conversation; None when nothing was sent."""
    author = Author(AuthorKind.system, None, None, f"system:{visitor_id}")
    result = await _write_once(
        rt,
        author.sender_key,
        client_id,
        lambda connection: start_conversation(
            connection, author, visitor_id, client_id, text, visit
        ),
    )
    if isinstance(result, Refused) or result.duplicate:
        return None
    return result


@dataclass
class Changed:
    """A conversation as committed, with the events that announce the change."""

    conversation: Conversation
    events: list[DomainEvent] = field(default_factory=list)


async def _lock_conversation(session: AsyncSession, conversation_id: str) -> Conversation | None:
    return (
        await session.execute(
            select(Conversation)
            .where(Conversation.id == conversation_id)
            .with_for_update(key_share=True)
        )
    ).scalar_one_or_none()


async def resolve(rt: Runtime, conversation_id: str, by_agent: Agent | None) -> Changed:
    async with rt.db.writing() as session:
        conversation = await _lock_conversation(session, conversation_id)
        if conversation is None:
            raise NotFound("conversation_not_found", "no such conversation")
        now = utcnow()
        apply_transition(conversation, "resolve", now)
        mirror = {"id": conversation.id, "waiting_since": conversation.waiting_since}
        connection = await session.connection()
        if await connection.run_sync(close_wait, mirror, now, None):
            conversation.waiting_since = conversation.wait_kind = None
        if conversation.assignee_id is None and by_agent is not None:
            conversation.assignee_id = by_agent.id
        visitor = await session.get(Visitor, conversation.visitor_id)
        events: list[DomainEvent] = [
            ConversationChanged(conversation, visitor, True),
            ConversationResolved(conversation, visitor),
        ]
        await rt.db.record_events(session, events)
    return Changed(conversation, events)


async def rate(
    rt: Runtime,
    visitor_id: str,
    score: int,
    comment: str | None,
    conversation_id: str | None = None,
) -> Changed:
    """Rate one of the visitor's conversations: ``conversation_id`` (``not_found`` unless
    it is the visitor's own), else its latest (usually just resolved)."""
    async with rt.db.writing() as session:
        query = select(Conversation).where(Conversation.visitor_id == visitor_id)
        if conversation_id is not None:
            query = query.where(Conversation.id == conversation_id)
        conversation = (
            await session.execute(query.order_by(Conversation.created_at.desc()).limit(1))
        ).scalar_one_or_none()
        if conversation is None and conversation_id is not None:
            raise NotFound("not_found", "no such conversation")
        if conversation is None:
            raise NotFound("conversation_not_found", "there is no conversation to rate")
        conversation.rating = score
        conversation.rating_comment = (comment or "").strip() or None
        visitor = await session.get(Visitor, visitor_id)
        events: list[DomainEvent] = [
            ConversationChanged(conversation, visitor, False),
            RatingRecorded(
                conversation.id, conversation.site_id, score, conversation.rating_comment, utcnow()
            ),
        ]
        await rt.db.record_events(session, events)
    return Changed(conversation, events)
