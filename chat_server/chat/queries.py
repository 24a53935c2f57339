"""Reading conversations and their messages, for sockets and the REST API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, or_, select

from chat_server.chat import statements
from chat_server.chat.tags import tags_for, tags_of
from chat_server.model.errors import NotFound
from chat_server.model.paging import MAX_LIMIT, PageRequest, encode_cursor
from chat_server.model.scope import Scope
from chat_server.model.tables import Conversation, ConversationTag, Message, Visitor
from chat_server.runtime.state import Runtime
from chat_server.wire.views import conversation_view, message_view

#: ``assignee`` of :func:`list_conversations` for conversations nobody is assigned.
UNASSIGNED = "none"
# Conversation id -> site id, for the scope checks of agents' frames (bounded; oldest out).
_SITES_KEPT = 50_000
_sites: dict[str, str] = {}


def _open_conversation(connection: Connection, visitor_id: str) -> Conversation | None:
    row = connection.execute(statements.OPEN_CONVERSATION, {"visitor_id": visitor_id}).first()
    return Conversation.model_construct(**row._mapping) if row is not None else None


async def open_conversation_for(rt: Runtime, visitor_id: str) -> Conversation | None:
    return await rt.db.read(lambda connection: _open_conversation(connection, visitor_id))


def _conversation(connection: Connection, conversation_id: str) -> Conversation | None:
    row = connection.execute(
        statements.CONVERSATION_BY_ID, {"conversation_id": conversation_id}
    ).first()
    return Conversation.model_construct(**row._mapping) if row is not None else None


async def get_conversation(rt: Runtime, conversation_id: str) -> Conversation:
    conversation = await rt.db.read(lambda connection: _conversation(connection, conversation_id))
    if conversation is None:
        raise NotFound("conversation_not_found", "no such conversation")
    return conversation


async def messages_after(
    rt: Runtime, conversation_id: str, after_seq: int, include_internal: bool
) -> list[Message]:
    query = statements.MESSAGES_AFTER if include_internal else statements.VISIBLE_MESSAGES_AFTER

    def load(connection: Connection) -> list[Message]:
        rows = connection.execute(query, {"conversation_id": conversation_id, "after": after_seq})
        return [Message.model_construct(**row._mapping) for row in rows]

    return await rt.db.read(load)


async def list_conversations(
    rt: Runtime,
    status: str | None,
    scope: Scope,
    page: PageRequest | None = None,
    assignee: str | None = None,
    tag: str | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """The conversations ``scope`` may see, newest first, a page at a time: the views
    and the cursor of the next page (None at the end). ``assignee``: an agent's id, or
    ``UNASSIGNED``; ``tag``: only conversations with this tag (as stored)."""
    page = page or PageRequest(MAX_LIMIT)
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
            .order_by(Conversation.created_at.desc(), Conversation.id.desc())
            .limit(page.limit + 1)
        )
        if status is not None:
            query = query.where(Conversation.status == status)
        if assignee == UNASSIGNED:
            query = query.where(Conversation.assignee_id.is_(None))
        elif assignee is not None:
            query = query.where(Conversation.assignee_id == assignee)
        if tag is not None:
            tagged = select(ConversationTag.conversation_id).where(ConversationTag.tag == tag)
            query = query.where(Conversation.id.in_(tagged))
        if scope.site_ids is not None:
            query = query.where(Conversation.site_id.in_(sorted(scope.site_ids)))
        if page.after is not None:
            at, after_id = page.after
            query = query.where(
                or_(
                    Conversation.created_at < at,
                    and_(Conversation.created_at == at, Conversation.id < after_id),
                )
            )
        rows = (await session.execute(query)).all()
        more = len(rows) > page.limit
        rows = rows[: page.limit]
        connection = await session.connection()
        tags = await connection.run_sync(tags_for, [row[0].id for row in rows])
    next_cursor = encode_cursor(rows[-1][0].created_at, rows[-1][0].id) if more else None
    return [conversation_view(c, v, m, tags.get(c.id, [])) for c, v, m in rows], next_cursor


def _site_of(connection: Connection, conversation_id: str) -> str | None:
    row = connection.execute(
        select(Conversation.site_id).where(Conversation.id == conversation_id)
    ).first()
    return row[0] if row is not None else None


async def require_conversation(rt: Runtime, conversation_id: str, scope: Scope) -> None:
    """``not_found`` for a conversation outside ``scope`` (``conversation_not_found``
    for none at all); a
    conversation never changes site, so each process remembers what it looked up."""
    site_id = _sites.get(conversation_id)
    if site_id is None:
        site_id = await rt.db.read(lambda connection: _site_of(connection, conversation_id))
        if site_id is None:
            raise NotFound("conversation_not_found", "no such conversation")
        if len(_sites) >= _SITES_KEPT:
            _sites.pop(next(iter(_sites)))
        _sites[conversation_id] = site_id
    scope.require(site_id)


async def conversation_detail(rt: Runtime, conversation_id: str, scope: Scope) -> dict[str, Any]:
    async with rt.db.reading() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound("conversation_not_found", "no such conversation")
        scope.require(conversation.site_id)
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
        connection = await session.connection()
        tags = await connection.run_sync(tags_of, conversation_id)
    view = conversation_view(conversation, visitor, messages[-1] if messages else None, tags)
    view["messages"] = [message_view(m) for m in messages]
    view["rating_comment"] = conversation.rating_comment
    return view
