"""Erasing a visitor and everything about it (KVKK/GDPR)."""

from __future__ import annotations

from sqlalchemy import delete, select

from chat_server.attachments import erase as attachments, store as attachment_files
from chat_server.model.assistant_tables import AssistantQuestion
from chat_server.model.errors import NotFound
from chat_server.model.mail_tables import MailThread, MailTranscript
from chat_server.model.tables import (
    Conversation,
    ConversationTag,
    Message,
    PageView,
    SearchKeyword,
    Visitor,
    Wait,
)
from chat_server.outbox import items as outbox_items
from chat_server.runtime.state import Runtime
from chat_server.search import index as search_index
from chat_server.sla.rollup.unfold import unfold_days_of
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
        named = [visitor_id, *(await session.execute(conversation_ids)).scalars()]
        await outbox_items.forget_about(session, named)
        await search_index.forget(session, conversation_ids)
        files = await attachments.forget_visitor(session, visitor_id, conversation_ids)
        await session.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
        connection = await session.connection()
        await connection.run_sync(unfold_days_of, Wait.conversation_id.in_(conversation_ids))
        await session.execute(delete(Wait).where(Wait.conversation_id.in_(conversation_ids)))
        await session.execute(
            delete(ConversationTag).where(ConversationTag.conversation_id.in_(conversation_ids))
        )
        # A question the assistant left unanswered keeps the shopper's latest wording.
        await session.execute(
            delete(AssistantQuestion).where(AssistantQuestion.conversation_id.in_(conversation_ids))
        )
        await session.execute(delete(Conversation).where(Conversation.visitor_id == visitor_id))
        await session.execute(delete(PageView).where(PageView.visitor_id == visitor_id))
        await session.execute(delete(SearchKeyword).where(SearchKeyword.visitor_id == visitor_id))
        await session.execute(delete(MailThread).where(MailThread.visitor_id == visitor_id))
        await session.execute(delete(MailTranscript).where(MailTranscript.visitor_id == visitor_id))
        await session.delete(visitor)
        await search_index.compact(session)
    attachment_files.delete_files(rt.settings, files)  # once the rows are gone for good
    tokens.forget_visitor(visitor_id)
    await rt.db.checkpoint()
    return await gone(visitor_id, site_id)
