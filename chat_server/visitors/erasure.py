"""Erasing a visitor and everything about it (KVKK/GDPR)."""

from __future__ import annotations

from sqlalchemy import delete, select

from chat_server.model.errors import NotFound
from chat_server.model.tables import (
    Conversation,
    ConversationTag,
    Message,
    PageView,
    SearchKeyword,
    Visitor,
    Wait,
)
from chat_server.runtime.state import Runtime
from chat_server.search import index as search_index
from chat_server.visitors import tokens
from chat_server.visitors.updates import Update, gone


async def erase(rt: Runtime, visitor_id: str) -> Update:
    """Delete the visitor and everything about it (conversations included), then fold
    the WAL into the file: with ``secure_delete`` the erased bytes are overwritten.
    Its events tell consoles to drop the visitor (the caller delivers them)."""
    async with rt.db.writing() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "no such visitor")
        site_id = visitor.site_id
        conversation_ids = select(Conversation.id).where(Conversation.visitor_id == visitor_id)
        await search_index.forget(session, conversation_ids)
        await session.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
        await session.execute(delete(Wait).where(Wait.conversation_id.in_(conversation_ids)))
        await session.execute(
            delete(ConversationTag).where(ConversationTag.conversation_id.in_(conversation_ids))
        )
        await session.execute(delete(Conversation).where(Conversation.visitor_id == visitor_id))
        await session.execute(delete(PageView).where(PageView.visitor_id == visitor_id))
        await session.execute(delete(SearchKeyword).where(SearchKeyword.visitor_id == visitor_id))
        await session.delete(visitor)
        await search_index.compact(session)
    tokens.forget_visitor(visitor_id)
    await rt.db.checkpoint()
    return await gone(visitor_id, site_id)
