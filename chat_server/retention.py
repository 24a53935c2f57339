"""Retention: purge visitor journeys and closed conversations older than a site allows."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from chat_server.models import (
    AuditLog,
    Conversation,
    ConversationStatus,
    Message,
    PageView,
    SearchKeyword,
    Site,
    Visitor,
    Wait,
    utcnow,
)
from chat_server.runtime import Runtime


async def purge_expired(rt: Runtime) -> int:
    """Delete, per site with a retention period, what is older than it; returns rows deleted."""
    now = utcnow()
    deleted = 0
    async with rt.db.reading() as session:
        sites = list(
            (await session.execute(select(Site).where(Site.retention_days.is_not(None)))).scalars()
        )
    for site in sites:
        assert site.retention_days is not None
        cutoff = now - timedelta(days=site.retention_days)
        async with rt.db.writing() as session:
            old_conversations = select(Conversation.id).where(
                Conversation.site_id == site.id,
                Conversation.status == ConversationStatus.resolved.value,
                Conversation.resolved_at < cutoff,
            )
            site_visitors = select(Visitor.id).where(Visitor.site_id == site.id)
            for statement in (
                delete(Message).where(Message.conversation_id.in_(old_conversations)),
                delete(Wait).where(Wait.conversation_id.in_(old_conversations)),
                delete(Conversation).where(Conversation.id.in_(old_conversations)),
                delete(PageView).where(
                    PageView.visitor_id.in_(site_visitors),
                    PageView.entered_at < cutoff,
                ),
                delete(SearchKeyword).where(
                    SearchKeyword.visitor_id.in_(site_visitors),
                    SearchKeyword.at < cutoff,
                ),
            ):
                result = await session.execute(statement)
                deleted += result.rowcount or 0
            # Visitors with nothing left and not seen since the cutoff go too.
            stale = select(Visitor.id).where(
                Visitor.site_id == site.id,
                Visitor.last_seen_at < cutoff,
                ~Visitor.id.in_(select(Conversation.visitor_id)),
            )
            result = await session.execute(delete(Visitor).where(Visitor.id.in_(stale)))
            deleted += result.rowcount or 0
            if deleted:
                session.add(
                    AuditLog(
                        at=now, action="retention.purge", subject=site.id, detail={"rows": deleted}
                    )
                )
    if deleted:
        await rt.db.checkpoint()
    return deleted
