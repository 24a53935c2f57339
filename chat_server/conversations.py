"""Conversation commands: post, invite, resolve, reopen, rate.

Each command commits, then publishes (persist, ack, publish: the caller acks
with the returned message, which is already committed). Statuses change only
through :data:`TRANSITIONS`.

The commands that post a message are plain functions over a Core connection,
run by :meth:`Database.write`, which commits the messages arriving together in
one transaction; the rest use an ORM session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Row, and_, bindparam, insert, select, update
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
    new_id,
    utcnow,
)
from chat_server.protocol import dump
from chat_server.runtime import Runtime
from chat_server.views import conversation_view, message_view, public_conversation_view

T = TypeVar("T")

OPEN = ConversationStatus.open.value
RESOLVED = ConversationStatus.resolved.value

#: The one table of status changes: (status, action) -> new status.
TRANSITIONS: dict[tuple[str, str], str] = {
    (OPEN, "resolve"): RESOLVED,
    (RESOLVED, "reopen"): OPEN,
}


def next_status(status: str, action: str) -> str:
    new_status = TRANSITIONS.get((status, action))
    if new_status is None:
        raise Conflict("invalid_transition", f"a {status} conversation cannot be {action}d")
    return new_status


def apply_transition(conversation: Conversation, action: str, now: datetime) -> None:
    conversation.status = next_status(conversation.status, action)
    conversation.resolved_at = now if conversation.status == RESOLVED else None


@dataclass
class Posted:
    message: Message
    conversation: Conversation
    duplicate: bool = False
    #: The visitor's name and e-mail for the agents' conversation view.
    visitor: Visitor | None = None
    created: bool = False
    wait_changed: bool = False


@dataclass(frozen=True)
class Author:
    kind: AuthorKind
    id: str | None
    name: str | None
    #: "visitor:<id>", "agent:<id>" or "system:<visitor id>": client_id is unique per
    #: sender, so a retry finds the first send even before it knows the conversation.
    sender_key: str


def _message_events(posted: Posted) -> list[Event]:
    """``conversation.updated`` goes to agents only when the waiting state changed:
    everything else about a new message is in its ``message.created``."""
    message, conversation, visitor = posted.message, posted.conversation, posted.visitor
    events = []
    if posted.created:
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
        events.append(_public_update(conversation))
    frame = dump({"type": "message.created", "message": message_view(message)})
    events.append(Event(AGENTS_TOPIC, frame, conversation.id, message.seq))
    if not message.internal:
        events.append(
            Event(visitor_topic(conversation.visitor_id), frame, conversation.id, message.seq)
        )
    if posted.wait_changed and not posted.created:
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


# -- the message path: one Core function per command, run by Database.write ----------------
# Statements are built once: constructing SQL expressions costs more than running
# these on SQLite.

MESSAGE = Message.__table__
CONVERSATION = Conversation.__table__
VISITOR = Visitor.__table__

_SENT = select(MESSAGE).where(
    MESSAGE.c.sender_key == bindparam("sender_key"), MESSAGE.c.client_id == bindparam("client_id")
)
_CONVERSATION = select(CONVERSATION).where(CONVERSATION.c.id == bindparam("conversation_id"))
_VISITOR = select(
    VISITOR.c.id,
    VISITOR.c.site_id,
    VISITOR.c.name,
    VISITOR.c.email,
    VISITOR.c.is_bot,
    VISITOR.c.visits,
).where(VISITOR.c.id == bindparam("visitor_id"))
# Locking the visitor orders a visitor's concurrent sends (tabs on several processes),
# so that they never start two conversations.
_LOCK_VISITOR = _VISITOR.with_for_update(key_share=True)
_OPEN_CONVERSATION = (
    select(CONVERSATION)
    .where(CONVERSATION.c.visitor_id == bindparam("visitor_id"), CONVERSATION.c.status == OPEN)
    .order_by(CONVERSATION.c.created_at.desc())
    .limit(1)
)
# The steady state of a post is one SELECT: the row to change, locked, with the id of
# a message already sent under this client_id (a retry) alongside.
_SENT_ID = (
    select(MESSAGE.c.id)
    .where(
        MESSAGE.c.sender_key == bindparam("sender_key"),
        MESSAGE.c.client_id == bindparam("client_id"),
    )
    .scalar_subquery()
    .label("sent_id")
)
CONVERSATION_COLUMNS = tuple(column.key for column in CONVERSATION.c)
_LOCK_OPEN_CONVERSATION_AND_VISITOR = (
    select(
        CONVERSATION,
        VISITOR.c.name.label("visitor_name"),
        VISITOR.c.email.label("visitor_email"),
        _SENT_ID,
    )
    .join_from(CONVERSATION, VISITOR, VISITOR.c.id == CONVERSATION.c.visitor_id)
    .where(CONVERSATION.c.visitor_id == bindparam("visitor_id"), CONVERSATION.c.status == OPEN)
    .order_by(CONVERSATION.c.created_at.desc())
    .limit(1)
    .with_for_update(key_share=True, of=[CONVERSATION, VISITOR])
)
_LOCK_CONVERSATION_AND_SENT = (
    select(CONVERSATION, _SENT_ID)
    .where(CONVERSATION.c.id == bindparam("conversation_id"))
    .with_for_update(key_share=True, of=CONVERSATION)
)
_INSERT_MESSAGE = insert(MESSAGE)
_INSERT_CONVERSATION = insert(CONVERSATION)
_UPDATE_CONVERSATION = update(CONVERSATION).where(CONVERSATION.c.id == bindparam("b_id"))
_MESSAGES_AFTER = (
    select(MESSAGE)
    .where(
        MESSAGE.c.conversation_id == bindparam("conversation_id"),
        MESSAGE.c.seq > bindparam("after"),
    )
    .order_by(MESSAGE.c.seq)
)
_VISIBLE_MESSAGES_AFTER = _MESSAGES_AFTER.where(MESSAGE.c.internal == False)  # noqa: E712


def _find_sent(connection: Connection, sender_key: str, client_id: str) -> Posted | None:
    row = connection.execute(_SENT, {"sender_key": sender_key, "client_id": client_id}).first()
    if row is None:
        return None
    conversation = connection.execute(_CONVERSATION, {"conversation_id": row.conversation_id}).one()
    return Posted(
        Message.model_construct(**row._mapping),
        Conversation.model_construct(**conversation._mapping),
        duplicate=True,
    )


def _new_conversation(
    site_id: str, visitor_id: str, now: datetime, assignee_id: str | None
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "site_id": site_id,
        "visitor_id": visitor_id,
        "status": OPEN,
        "assignee_id": assignee_id,
        "created_at": now,
        "first_response_at": None,
        "resolved_at": None,
        "last_seq": 0,
        "last_visible_seq": 0,
        "waiting_since": None,
        "wait_kind": None,
        "rating": None,
        "rating_comment": None,
    }


def _next_message(
    conversation: dict[str, Any],
    author: Author,
    client_id: str | None,
    text: str,
    internal: bool,
    now: datetime,
) -> dict[str, Any]:
    """The conversation's next message; its seq is taken from ``conversation``."""
    conversation["last_seq"] += 1
    if not internal:
        conversation["last_visible_seq"] = conversation["last_seq"]
    return {
        "id": new_id(),
        "conversation_id": conversation["id"],
        "seq": conversation["last_seq"],
        "client_id": client_id,
        "sender_key": author.sender_key,
        "author_kind": author.kind.value,
        "author_id": author.id,
        "author_name": author.name,
        "text": text,
        "internal": internal,
        "created_at": now,
    }


def _insert_conversation(connection: Connection, conversation: dict[str, Any]) -> dict[str, Any]:
    connection.execute(_INSERT_CONVERSATION, conversation)
    return dict(conversation)


def _save(
    connection: Connection,
    conversation: dict[str, Any],
    before: dict[str, Any],
    message: dict[str, Any],
) -> None:
    """Write the conversation's changed columns, then its new message."""
    changed = {key: value for key, value in conversation.items() if before[key] != value}
    connection.execute(_UPDATE_CONVERSATION, {"b_id": conversation["id"], **changed})
    connection.execute(_INSERT_MESSAGE, message)


def _posted(
    conversation: dict[str, Any],
    message: dict[str, Any],
    visitor: Visitor | None,
    created: bool = False,
    wait_changed: bool = False,
) -> Posted:
    return Posted(
        Message.model_construct(**message),
        Conversation.model_construct(**conversation),
        visitor=visitor,
        created=created,
        wait_changed=wait_changed,
    )


def _conversation_of(row: Row[Any]) -> dict[str, Any]:
    mapping = row._mapping
    return {key: mapping[key] for key in CONVERSATION_COLUMNS}


def _store_visitor_message(
    connection: Connection, author: Author, client_id: str, text: str
) -> Posted:
    """A visitor's message in its open conversation, which starts if there is none."""
    keys = {"visitor_id": author.id, "sender_key": author.sender_key, "client_id": client_id}
    row = connection.execute(_LOCK_OPEN_CONVERSATION_AND_VISITOR, keys).first()
    now = utcnow()
    if row is not None:
        if row.sent_id is not None:
            return _find_sent(connection, author.sender_key, client_id) or _gone()
        before = _conversation_of(row)
        visitor = Visitor.model_construct(
            id=row.visitor_id, site_id=row.site_id, name=row.visitor_name, email=row.visitor_email
        )
    else:
        found = _find_sent(connection, author.sender_key, client_id)
        if found:
            return found
        visitor_row = connection.execute(_LOCK_VISITOR, {"visitor_id": author.id}).first()
        if visitor_row is None:
            raise NotFound("visitor_not_found", "this visitor no longer exists")
        visitor = Visitor.model_construct(**visitor_row._mapping)
        before = _insert_conversation(
            connection, _new_conversation(visitor.site_id, visitor.id, now, None)
        )
    author = replace(author, name=visitor.name)
    conversation = dict(before)
    message = _next_message(conversation, author, client_id, text, False, now)
    opened = sla.open_wait(
        connection, conversation, now, sla.policy_in(connection, conversation["site_id"])
    )
    _save(connection, conversation, before, message)
    return _posted(conversation, message, visitor, created=row is None, wait_changed=opened)


def _gone() -> Posted:
    raise NotFound("message_not_found", "the message sent under this client_id is gone")


def _store_agent_message(
    connection: Connection,
    author: Author,
    conversation_id: str,
    client_id: str,
    text: str,
    internal: bool,
) -> Posted:
    """An agent's reply or internal note; a reply answers the open wait and reopens a
    resolved conversation."""
    keys = {
        "conversation_id": conversation_id,
        "sender_key": author.sender_key,
        "client_id": client_id,
    }
    row = connection.execute(_LOCK_CONVERSATION_AND_SENT, keys).first()
    if row is not None and row.sent_id is not None:
        return _find_sent(connection, author.sender_key, client_id) or _gone()
    if row is None:
        found = _find_sent(connection, author.sender_key, client_id)
        if found:
            return found
        raise NotFound("conversation_not_found", "no such conversation")
    now = utcnow()
    before = _conversation_of(row)
    conversation = dict(before)
    if conversation["status"] == RESOLVED and not internal:
        conversation["status"] = next_status(RESOLVED, "reopen")
        conversation["resolved_at"] = None
    message = _next_message(conversation, author, client_id, text, internal, now)
    answered = False
    if not internal:
        answered = sla.close_open_wait(connection, conversation, now, answered_by=author.id)
        if conversation["first_response_at"] is None:
            conversation["first_response_at"] = now
        if conversation["assignee_id"] is None:
            conversation["assignee_id"] = author.id
    _save(connection, conversation, before, message)
    # The agents' conversation view names the visitor: load it only when one is sent.
    visitor = None
    if answered:
        visitor_row = connection.execute(
            _VISITOR, {"visitor_id": conversation["visitor_id"]}
        ).first()
        visitor = Visitor.model_construct(**visitor_row._mapping) if visitor_row else None
    return _posted(conversation, message, visitor, wait_changed=answered)


@dataclass(frozen=True)
class _Refused:
    """A conversation was not started; ``code`` says why."""

    code: str


def _start_conversation(
    connection: Connection,
    author: Author,
    visitor_id: str,
    client_id: str,
    text: str,
    visit: int | None,
) -> Posted | _Refused:
    """A new conversation whose first message is ``author``'s (an agent's invitation,
    or the system's automatic one, then only during the given ``visit``)."""
    found = _find_sent(connection, author.sender_key, client_id)
    if found:
        return found
    visitor_row = connection.execute(_LOCK_VISITOR, {"visitor_id": visitor_id}).first()
    if visitor_row is None:
        return _Refused("visitor_not_found")
    visitor = Visitor.model_construct(**visitor_row._mapping)
    if visit is not None and (visitor.is_bot or visitor.visits != visit):
        return _Refused("not_this_visit")
    if connection.execute(_OPEN_CONVERSATION, {"visitor_id": visitor_id}).first() is not None:
        return _Refused("conversation_exists")
    now = utcnow()
    assignee = author.id if author.kind == AuthorKind.agent else None
    before = _insert_conversation(
        connection, _new_conversation(visitor.site_id, visitor.id, now, assignee)
    )
    conversation = dict(before)
    message = _next_message(conversation, author, client_id, text, False, now)
    _save(connection, conversation, before, message)
    return _posted(conversation, message, visitor, created=True)


async def _write_once(
    rt: Runtime, sender_key: str, client_id: str, command: Callable[[Connection], T]
) -> T | Posted:
    """Run a posting command once per (sender, client_id); a repeat gets the first result."""
    started = time.perf_counter()
    try:
        result = await rt.db.write(command)
    except IntegrityError:
        # A concurrent retry of the same client_id (on another process) won the race.
        found = await rt.db.read(lambda connection: _find_sent(connection, sender_key, client_id))
        if found is None:
            raise
        return found
    if isinstance(result, Posted) and not result.duplicate:
        metrics.POST_SECONDS.observe(time.perf_counter() - started)
        metrics.MESSAGES.labels(result.message.author_kind).inc()
    return result


OnStored = Callable[[Posted], None] | None


async def _deliver(rt: Runtime, posted: Posted, on_stored: OnStored) -> Posted:
    if on_stored is not None:
        on_stored(posted)  # the ack goes out before anyone else hears of the message
    if not posted.duplicate:
        events = _message_events(posted)
        message = posted.message
        if (
            message.author_kind == AuthorKind.agent.value
            and not message.internal
            and not posted.created
        ):
            # The visitor sees the conversation answered (and reopened, if it was resolved).
            events.append(_public_update(posted.conversation))
        await rt.publish(events)
    return posted


async def post_visitor_message(
    rt: Runtime, visitor_id: str, client_id: str, text: str, on_stored: OnStored = None
) -> Posted:
    """Store a visitor's message in its open conversation, starting one if needed."""
    author = Author(AuthorKind.visitor, visitor_id, None, f"visitor:{visitor_id}")
    posted = await _write_once(
        rt,
        author.sender_key,
        client_id,
        lambda connection: _store_visitor_message(connection, author, client_id, text),
    )
    assert isinstance(posted, Posted)
    return await _deliver(rt, posted, on_stored)


async def post_agent_message(
    rt: Runtime,
    agent: Agent,
    conversation_id: str,
    client_id: str,
    text: str,
    internal: bool,
    on_stored: OnStored = None,
) -> Posted:
    author = Author(AuthorKind.agent, agent.id, agent.name, f"agent:{agent.id}")
    posted = await _write_once(
        rt,
        author.sender_key,
        client_id,
        lambda connection: _store_agent_message(
            connection, author, conversation_id, client_id, text, internal
        ),
    )
    assert isinstance(posted, Posted)
    return await _deliver(rt, posted, on_stored)


async def invite(
    rt: Runtime,
    agent: Agent,
    visitor_id: str,
    client_id: str,
    text: str,
    on_stored: OnStored = None,
) -> Posted:
    """Start a conversation with a browsing visitor, the agent's message first."""
    author = Author(AuthorKind.agent, agent.id, agent.name, f"agent:{agent.id}")
    result = await _write_once(
        rt,
        author.sender_key,
        client_id,
        lambda connection: _start_conversation(
            connection, author, visitor_id, client_id, text, None
        ),
    )
    if isinstance(result, _Refused):
        if result.code == "visitor_not_found":
            raise NotFound("visitor_not_found", "no such visitor")
        raise Conflict("conversation_exists", "this visitor already has an open conversation")
    return await _deliver(rt, result, on_stored)


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
        lambda connection: _start_conversation(
            connection, author, visitor_id, client_id, text, visit
        ),
    )
    if isinstance(result, _Refused) or result.duplicate:
        return None
    return await _deliver(rt, result, None)


def _public_update(conversation: Conversation) -> Event:
    return Event(
        visitor_topic(conversation.visitor_id),
        dump(
            {"type": "conversation.updated", "conversation": public_conversation_view(conversation)}
        ),
    )


async def _lock_conversation(session: AsyncSession, conversation_id: str) -> Conversation | None:
    return (
        await session.execute(
            select(Conversation)
            .where(Conversation.id == conversation_id)
            .with_for_update(key_share=True)
        )
    ).scalar_one_or_none()


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


def _open_conversation(connection: Connection, visitor_id: str) -> Conversation | None:
    row = connection.execute(_OPEN_CONVERSATION, {"visitor_id": visitor_id}).first()
    return Conversation.model_construct(**row._mapping) if row is not None else None


async def open_conversation_for(rt: Runtime, visitor_id: str) -> Conversation | None:
    return await rt.db.read(lambda connection: _open_conversation(connection, visitor_id))


def _conversation(connection: Connection, conversation_id: str) -> Conversation | None:
    row = connection.execute(_CONVERSATION, {"conversation_id": conversation_id}).first()
    return Conversation.model_construct(**row._mapping) if row is not None else None


async def get_conversation(rt: Runtime, conversation_id: str) -> Conversation:
    conversation = await rt.db.read(lambda connection: _conversation(connection, conversation_id))
    if conversation is None:
        raise NotFound("conversation_not_found", "no such conversation")
    return conversation


async def messages_after(
    rt: Runtime, conversation_id: str, after_seq: int, include_internal: bool
) -> list[Message]:
    query = _MESSAGES_AFTER if include_internal else _VISIBLE_MESSAGES_AFTER

    def load(connection: Connection) -> list[Message]:
        rows = connection.execute(query, {"conversation_id": conversation_id, "after": after_seq})
        return [Message.model_construct(**row._mapping) for row in rows]

    return await rt.db.read(load)


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
