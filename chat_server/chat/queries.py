"""Reading conversations and their messages, for sockets and the REST API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, select

from chat_server.chat import statements
from chat_server.model.errors import NotFound
from chat_server.model.tables import Conversation, Message, Visitor
from chat_server.runtime.state import Runtime
from chat_server.wire.views import conversation_view, message_view


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
