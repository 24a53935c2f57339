"""Retention: purge visitor journeys and closed conversations older than a site allows.

:func:`purge_expired` runs from :mod:`chat_server.web.scheduler` when a process starts and
every hour after. Per site with a ``retention_days`` period it deletes resolved
conversations (their messages and waits) resolved before the cutoff, page views
entered and search keywords recorded before it, and visitors last seen before it
who have no conversation left. Open conversations stay however old they are:
someone may still answer them. Deleting is idempotent, so several processes may
run the job side by side; with SQLite the WAL is then folded into the file so that
the erased bytes (overwritten by ``secure_delete``) do not linger there.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.attachments import erase as attachments, store as attachment_files
from chat_server.model.tables import (
    AuditLog,
    Conversation,
    ConversationStatus,
    ConversationTag,
    Message,
    PageView,
    SearchKeyword,
    Site,
    Visitor,
    Wait,
    utcnow,
)
from chat_server.runtime.state import Runtime
from chat_server.search import index as search_index
from chat_server.sla.rollup.unfold import unfold_days_of


async def purge_expired(rt: Runtime, now: datetime | None = None) -> int:
    """Delete, per site with a retention period, what is older than it; returns rows deleted."""
    now = now or utcnow()
    total = 0
    async with rt.db.reading() as session:
        sites = list(
            (await session.execute(select(Site).where(Site.retention_days.is_not(None)))).scalars()
        )
    for site in sites:
        assert site.retention_days is not None
        cutoff = now - timedelta(days=site.retention_days)
        files: list[str] = []
        async with rt.db.writing() as session:
            counts = await _purge_site(session, site, cutoff, files)
            deleted = sum(counts.values())
            if deleted:
                session.add(
                    AuditLog(
                        at=now,
                        action="retention.purge",
                        subject=site.id,
                        detail={"cutoff": cutoff.isoformat(), **counts},
                    )
                )
        attachment_files.delete_files(rt.settings, files)
        total += deleted
    if total:
        await rt.db.checkpoint()
    return total


async def _purge_site(
    session: AsyncSession, site: Site, cutoff: datetime, files: list[str]
) -> dict[str, int]:
    """Delete the site's expired rows; the ids of the uploads deleted go into ``files``
    (their bytes are removed once this transaction has committed)."""
    old_conversations = select(Conversation.id).where(
        Conversation.site_id == site.id,
        Conversation.status == ConversationStatus.resolved.value,
        Conversation.resolved_at < cutoff,
    )
    site_visitors = select(Visitor.id).where(Visitor.site_id == site.id)
    # Visitors not seen since the cutoff go entirely, their remaining rows first, once
    # they have no conversation left (evaluated after the old ones are deleted).
    stale = select(Visitor.id).where(
        Visitor.site_id == site.id,
        Visitor.last_seen_at < cutoff,
        ~Visitor.id.in_(select(Conversation.visitor_id)),
    )
    old_pages = select(PageView.visitor_id).where(
        PageView.visitor_id.in_(site_visitors), PageView.entered_at < cutoff
    )
    purged_dwell = (
        select(func.coalesce(func.sum(PageView.dwell_seconds), 0.0))
        .where(
            PageView.visitor_id == Visitor.id,
            PageView.entered_at < cutoff,
            PageView.left_at.is_not(None),
        )
        .scalar_subquery()
    )
    # time_on_site_seconds stays the sum of the journey that is kept.
    await session.execute(
        update(Visitor)
        .where(Visitor.id.in_(old_pages))
        .values(dwell_closed_seconds=Visitor.dwell_closed_seconds - purged_dwell),
        execution_options={"synchronize_session": False},
    )
    await search_index.forget(session, old_conversations)
    files.extend(await attachments.forget_conversations(session, old_conversations))
    connection = await session.connection()
    await connection.run_sync(unfold_days_of, Wait.conversation_id.in_(old_conversations))
    counts: dict[str, int] = {}
    for name, statement in (
        ("messages", delete(Message).where(Message.conversation_id.in_(old_conversations))),
        ("waits", delete(Wait).where(Wait.conversation_id.in_(old_conversations))),
        (
            "tags",
            delete(ConversationTag).where(ConversationTag.conversation_id.in_(old_conversations)),
        ),
        ("conversations", delete(Conversation).where(Conversation.id.in_(old_conversations))),
        (
            "page_views",
            delete(PageView).where(
                PageView.visitor_id.in_(site_visitors),
                (PageView.entered_at < cutoff) | PageView.visitor_id.in_(stale),
            ),
        ),
        (
            "search_keywords",
            delete(SearchKeyword).where(
                SearchKeyword.visitor_id.in_(site_visitors),
                (SearchKeyword.at < cutoff) | SearchKeyword.visitor_id.in_(stale),
            ),
        ),
        ("visitors", delete(Visitor).where(Visitor.id.in_(stale))),
    ):
        result = await session.execute(statement, execution_options={"synchronize_session": False})
        counts[name] = result.rowcount or 0
    if counts["messages"]:
        await search_index.compact(session)
    return counts
