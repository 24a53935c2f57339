"""Conversation commands: post, invite, resolve, reopen, rate.

Each command commits, then publishes (persist, ack, publish: the caller acks
with the returned message, which is already committed). Statuses change only
through :data:`TRANSITIONS`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server import metrics, sla
from chat_server.bus import AGENTS_TOPIC, Event, visitor_topic
from chat_server.errors import Conflict, NotFound
from chat_server.models import (
    Agent,
    AuthorKind,
    Conversation,
    ConversationStatus,
    Message,
    Visitor,
    utcnow,
)
from chat_server.protocol import dump
from chat_server.runtime import Runtime
from chat_server.views import conversation_view, message_view, public_conversation_view

OPEN = ConversationStatus.open.value
RESOLVED = ConversationStatus.resolved.value

#: The one table of status changes: (status, action) -> new status.
TRANSITIONS: dict[tuple[str, str], str] = {
    (OPEN, "resolve"): RESOLVED,
    (RESOLVED, "reopen"): OPEN,
}


def apply_transition(conversation: Conversation, action: str, now: datetime) -> None:
    new_status = TRANSITIONS.get((conversation.status, action))
    if new_status is None:
        raise Conflict(
            "invalid_transition", f"a {conversation.status} conversation cannot be {action}d"
        )
    conversation.status = new_status
    conversation.resolved_at = now if new_status == RESOLVED else None


@dataclass
class Posted:
    message: Message
    conversation: Conversation
    duplicate: bool = False


def _message_events(
    message: Message,
    conversation: Conversation,
    visitor: Visitor | None,
    created: bool,
    wait_changed: bool = False,
) -> list[Event]:
    """``conversation.updated`` goes to agents only when the waiting state changed:
    everything else about a new message is in its ``message.created``."""
    events = []
    if created:
        events.append(
            Event(
                AGENTS_TOPIC,
                dump(
                    {
                        "type": "conversation.created",
                        "conversation": conversation_view(conversation, visitor, message),
                    }
                ),
            )
        )
        events.append(
            Event(
                visitor_topic(conversation.visitor_id),
                dump(
                    {
                        "type": "conversation.updated",
                        "conversation": public_conversation_view(conversation),
                    }
                ),
            )
        )
    frame = dump({"type": "message.created", "message": message_view(message)})
    events.append(Event(AGENTS_TOPIC, frame, conversation.id, message.seq))
    if not message.internal:
        events.append(
            Event(visitor_topic(conversation.visitor_id), frame, conversation.id, message.seq)
        )
    if wait_changed and not created:
        events.append(
            Event(
                AGENTS_TOPIC,
                dump(
                    {
                        "type": "conversation.updated",
                        "conversation": conversation_view(conversation, visitor, message),
                    }
                ),
            )
        )
    return events


# The message path's queries, built once: constructing SQL expressions costs more
# than running these on SQLite.
_FIND_SENT = (
    select(Message, Conversation)
    .join(Conversation, Conversation.id == Message.conversation_id)
    .where(
        Message.sender_key == bindparam("sender_key"), Message.client_id == bindparam("client_id")
    )
)
_LOCK_VISITOR = (
    select(Visitor).where(Visitor.id == bindparam("visitor_id")).with_for_update(key_share=True)
)
_OPEN_CONVERSATION = (
    select(Conversation)
    .where(Conversation.visitor_id == bindparam("visitor_id"), Conversation.status == OPEN)
    .order_by(Conversation.created_at.desc())
    .limit(1)
)
_LOCK_OPEN_CONVERSATION = _OPEN_CONVERSATION.with_for_update(key_share=True)


async def _find_sent(session: AsyncSession, sender_key: str, client_id: str) -> Posted | None:
    params = {"sender_key": sender_key, "client_id": client_id}
    row = (await session.execute(_FIND_SENT, params)).first()
    return Posted(row[0], row[1], duplicate=True) if row else None


async def _lock_visitor(session: AsyncSession, visitor_id: str) -> Visitor | None:
    return (await session.execute(_LOCK_VISITOR, {"visitor_id": visitor_id})).scalar_one_or_none()


async def _lock_conversation(session: AsyncSession, conversation_id: str) -> Conversation | None:
    return (
        await session.execute(
            select(Conversation)
            .where(Conversation.id == conversation_id)
            .with_for_update(key_share=True)
        )
    ).scalar_one_or_none()


def _append(
    session: AsyncSession,
    conversation: Conversation,
    *,
    kind: AuthorKind,
    author_id: str | None,
    author_name: str | None,
    sender_key: str | None,
    client_id: str | None,
    text: str,
    internal: bool,
    now: datetime,
) -> Message:
    conversation.last_seq += 1
    if not internal:
        conversation.last_visible_seq = conversation.last_seq
    message = Message(
        conversation_id=conversation.id,
        seq=conversation.last_seq,
        client_id=client_id,
        sender_key=sender_key,
        author_kind=kind.value,
        author_id=author_id,
        author_name=author_name,
        text=text,
        internal=internal,
        created_at=now,
    )
    session.add(message)
    return message


OnStored = Callable[[Posted], None] | None


async def _idempotent(
    rt: Runtime, sender_key: str, client_id: str, command: object
) -> tuple[Posted, list[Event]]:
    """Run ``command`` once per (sender, client_id); a repeat returns the first result."""
    started = time.perf_counter()
    try:
        async with rt.db.writing() as session:
            found = await _find_sent(session, sender_key, client_id)
            if found:
                return found, []
            posted, events = await command(session)
    except IntegrityError:
        # A concurrent retry of the same client_id won the race: return its result.
        async with rt.db.reading() as session:
            found = await _find_sent(session, sender_key, client_id)
        if found is None:
            raise
        return found, []
    metrics.POST_SECONDS.observe(time.perf_counter() - started)
    metrics.MESSAGES.labels(posted.message.author_kind).inc()
    return posted, events


async def post_visitor_message(
    rt: Runtime, visitor_id: str, client_id: str, text: str, on_stored: OnStored = None
) -> Posted:
    """Store a visitor's message in its open conversation, starting one if needed."""
    sender_key = f"visitor:{visitor_id}"

    async def command(session: AsyncSession) -> tuple[Posted, list[Event]]:
        visitor = await _lock_visitor(session, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "this visitor no longer exists")
        conversation = await open_conversation_of(session, visitor_id, lock=True)
        now = utcnow()
        created = conversation is None
        if conversation is None:
            conversation = Conversation(
                site_id=visitor.site_id, visitor_id=visitor.id, created_at=now
            )
            session.add(conversation)
            await session.flush()
        message = _append(
            session,
            conversation,
            kind=AuthorKind.visitor,
            author_id=visitor.id,
            author_name=visitor.name,
            sender_key=sender_key,
            client_id=client_id,
            text=text,
            internal=False,
            now=now,
        )
        opened = await sla.open_wait(
            session, conversation, now, await sla.policy_for(session, conversation.site_id)
        )
        await session.flush()
        events = _message_events(message, conversation, visitor, created, opened is not None)
        return Posted(message, conversation), events

    posted, events = await _idempotent(rt, sender_key, client_id, command)
    if on_stored is not None:
        on_stored(posted)  # the ack goes out before anyone else hears of the message
    await rt.publish(events)
    return posted


async def post_agent_message(
    rt: Runtime,
    agent: Agent,
    conversation_id: str,
    client_id: str,
    text: str,
    internal: bool,
    on_stored: OnStored = None,
) -> Posted:
    sender_key = f"agent:{agent.id}"

    async def command(session: AsyncSession) -> tuple[Posted, list[Event]]:
        conversation = await _lock_conversation(session, conversation_id)
        if conversation is None:
            raise NotFound("conversation_not_found", "no such conversation")
        now = utcnow()
        if conversation.status == RESOLVED and not internal:
            apply_transition(conversation, "reopen", now)
        message = _append(
            session,
            conversation,
            kind=AuthorKind.agent,
            author_id=agent.id,
            author_name=agent.name,
            sender_key=sender_key,
            client_id=client_id,
            text=text,
            internal=internal,
            now=now,
        )
        answered = False
        if not internal:
            answered = await sla.close_wait(session, conversation, now, answered_by=agent.id)
            if conversation.first_response_at is None:
                conversation.first_response_at = now
            if conversation.assignee_id is None:
                conversation.assignee_id = agent.id
        await session.flush()
        visitor = await session.get(Visitor, conversation.visitor_id)
        events = _message_events(message, conversation, visitor, False, answered)
        if not internal:
            events.append(_public_update(conversation))
        return Posted(message, conversation), events

    posted, events = await _idempotent(rt, sender_key, client_id, command)
    if on_stored is not None:
        on_stored(posted)  # the ack goes out before anyone else hears of the message
    await rt.publish(events)
    return posted


async def invite(
    rt: Runtime,
    agent: Agent,
    visitor_id: str,
    client_id: str,
    text: str,
    on_stored: OnStored = None,
) -> Posted:
    """Start a conversation with a browsing visitor, the agent's message first."""
    sender_key = f"agent:{agent.id}"

    async def command(session: AsyncSession) -> tuple[Posted, list[Event]]:
        visitor = await _lock_visitor(session, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "no such visitor")
        if await open_conversation_of(session, visitor_id) is not None:
            raise Conflict("conversation_exists", "this visitor already has an open conversation")
        now = utcnow()
        conversation = Conversation(
            site_id=visitor.site_id,
            visitor_id=visitor.id,
            created_at=now,
            assignee_id=agent.id,
        )
        session.add(conversation)
        await session.flush()
        message = _append(
            session,
            conversation,
            kind=AuthorKind.agent,
            author_id=agent.id,
            author_name=agent.name,
            sender_key=sender_key,
            client_id=client_id,
            text=text,
            internal=False,
            now=now,
        )
        await session.flush()
        return Posted(message, conversation), _message_events(message, conversation, visitor, True)

    posted, events = await _idempotent(rt, sender_key, client_id, command)
    if on_stored is not None:
        on_stored(posted)  # the ack goes out before anyone else hears of the message
    await rt.publish(events)
    return posted


async def start_by_system(
    rt: Runtime, site_id: str, visitor_id: str, client_id: str, text: str, visit: int
) -> Posted | None:
    """Start a conversation with a system message (an automatic invitation), at most once
    per ``client_id`` and only during the given visit of a visitor with no open
    conversation; None when nothing was sent."""
    sender_key = f"system:{visitor_id}"

    class Skip(Exception):
        pass

    async def command(session: AsyncSession) -> tuple[Posted, list[Event]]:
        visitor = await _lock_visitor(session, visitor_id)
        if visitor is None or visitor.is_bot or visitor.visits != visit:
            raise Skip
        if await open_conversation_of(session, visitor_id) is not None:
            raise Skip
        now = utcnow()
        conversation = Conversation(site_id=site_id, visitor_id=visitor.id, created_at=now)
        session.add(conversation)
        await session.flush()
        message = _append(
            session,
            conversation,
            kind=AuthorKind.system,
            author_id=None,
            author_name=None,
            sender_key=sender_key,
            client_id=client_id,
            text=text,
            internal=False,
            now=now,
        )
        await session.flush()
        return Posted(message, conversation), _message_events(message, conversation, visitor, True)

    try:
        posted, events = await _idempotent(rt, sender_key, client_id, command)
    except Skip:
        return None
    if posted.duplicate:
        return None
    await rt.publish(events)
    return posted


def _public_update(conversation: Conversation) -> Event:
    return Event(
        visitor_topic(conversation.visitor_id),
        dump(
            {"type": "conversation.updated", "conversation": public_conversation_view(conversation)}
        ),
    )


async def resolve(rt: Runtime, conversation_id: str, by_agent: Agent | None) -> Conversation:
    async with rt.db.writing() as session:
        conversation = await _lock_conversation(session, conversation_id)
        if conversation is None:
            raise NotFound("conversation_not_found", "no such conversation")
        now = utcnow()
        apply_transition(conversation, "resolve", now)
        await sla.close_wait(session, conversation, now, answered_by=None)
        if conversation.assignee_id is None and by_agent is not None:
            conversation.assignee_id = by_agent.id
        visitor = await session.get(Visitor, conversation.visitor_id)
    await rt.publish(
        [
            Event(
                AGENTS_TOPIC,
                dump(
                    {
                        "type": "conversation.updated",
                        "conversation": conversation_view(conversation, visitor),
                    }
                ),
            ),
            _public_update(conversation),
        ]
    )
    return conversation


async def rate(rt: Runtime, visitor_id: str, score: int, comment: str | None) -> Conversation:
    """Rate the visitor's latest conversation (usually just resolved)."""
    async with rt.db.writing() as session:
        conversation = (
            await session.execute(
                select(Conversation)
                .where(Conversation.visitor_id == visitor_id)
                .order_by(Conversation.created_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if conversation is None:
            raise NotFound("conversation_not_found", "there is no conversation to rate")
        conversation.rating = score
        conversation.rating_comment = (comment or "").strip() or None
        visitor = await session.get(Visitor, visitor_id)
    await rt.publish(
        [
            Event(
                AGENTS_TOPIC,
                dump(
                    {
                        "type": "conversation.updated",
                        "conversation": conversation_view(conversation, visitor),
                    }
                ),
            )
        ]
    )
    return conversation


# -- queries ---------------------------------------------------------------


async def open_conversation_of(
    session: AsyncSession, visitor_id: str, lock: bool = False
) -> Conversation | None:
    query = _LOCK_OPEN_CONVERSATION if lock else _OPEN_CONVERSATION
    return (await session.execute(query, {"visitor_id": visitor_id})).scalar_one_or_none()


async def open_conversation_for(rt: Runtime, visitor_id: str) -> Conversation | None:
    async with rt.db.reading() as session:
        return await open_conversation_of(session, visitor_id)


async def get_conversation(rt: Runtime, conversation_id: str) -> Conversation:
    async with rt.db.reading() as session:
        conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        raise NotFound("conversation_not_found", "no such conversation")
    return conversation


async def messages_after(
    rt: Runtime, conversation_id: str, after_seq: int, include_internal: bool
) -> list[Message]:
    async with rt.db.reading() as session:
        query = select(Message).where(
            Message.conversation_id == conversation_id, Message.seq > after_seq
        )
        if not include_internal:
            query = query.where(Message.internal == False)  # noqa: E712
        return list((await session.execute(query.order_by(Message.seq))).scalars())


async def encoded_messages_after(
    rt: Runtime, conversation_id: str, after_seq: int, include_internal: bool
) -> list[tuple[int, str]]:
    return [
        (message.seq, dump({"type": "message.created", "message": message_view(message)}))
        for message in await messages_after(rt, conversation_id, after_seq, include_internal)
    ]


async def list_conversations(rt: Runtime, status: str | None) -> list[dict[str, Any]]:
    async with rt.db.reading() as session:
        query = (
            select(Conversation, Visitor, Message)
            .join(Visitor, Visitor.id == Conversation.visitor_id)
            .outerjoin(
                Message,
                and_(
                    Message.conversation_id == Conversation.id,
                    Message.seq == Conversation.last_seq,
                ),
            )
            .order_by(Conversation.created_at.desc())
            .limit(500)
        )
        if status is not None:
            query = query.where(Conversation.status == status)
        rows = (await session.execute(query)).all()
    return [conversation_view(c, v, m) for c, v, m in rows]


async def conversation_detail(rt: Runtime, conversation_id: str) -> dict[str, Any]:
    async with rt.db.reading() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound("conversation_not_found", "no such conversation")
        visitor = await session.get(Visitor, conversation.visitor_id)
        messages = list(
            (
                await session.execute(
                    select(Message)
                    .where(Message.conversation_id == conversation_id)
                    .order_by(Message.seq)
                )
            ).scalars()
        )
    view = conversation_view(conversation, visitor, messages[-1] if messages else None)
    view["messages"] = [message_view(m) for m in messages]
    view["rating_comment"] = conversation.rating_comment
    return view
