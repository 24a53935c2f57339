"""Visitors as agents see them, for the REST API and the agents' welcome."""

from __future__ import annotations

from functools import partial
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.errors import NotFound
from chat_server.model.tables import PageView, SearchKeyword, Visitor, utcnow
from chat_server.runtime.state import Runtime
from chat_server.visitors.rules import RECENT_PAGES
from chat_server.visitors.store import load_journey
from chat_server.wire.views import journey_view, visitor_view


async def _visitor_views(
    session: AsyncSession, visitors: list[Visitor], online: set[str], page_limit: int | None
) -> list[dict[str, Any]]:
    """Views of ``visitors``; with ``page_limit``, only their latest pages are read
    (and every open one, whose running time counts in ``time_on_site_seconds``)."""
    if not visitors:
        return []
    ids = [v.id for v in visitors]
    now = utcnow()
    query = select(PageView).where(PageView.visitor_id.in_(ids))
    if page_limit is not None and len(ids) == 1:
        latest = (
            select(PageView.id)
            .where(PageView.visitor_id == ids[0])
            .order_by(PageView.entered_at.desc())
            .limit(page_limit)
        )
        query = query.where(or_(PageView.left_at.is_(None), PageView.id.in_(latest)))
    elif page_limit is not None:
        ranked = (
            select(
                PageView.id,
                func.row_number()
                .over(partition_by=PageView.visitor_id, order_by=PageView.entered_at.desc())
                .label("rank"),
            )
            .where(PageView.visitor_id.in_(ids))
            .subquery()
        )
        query = query.where(
            or_(
                PageView.left_at.is_(None),
                PageView.id.in_(select(ranked.c.id).where(ranked.c.rank <= page_limit)),
            )
        )
    pages: dict[str, list[PageView]] = {i: [] for i in ids}
    for page in (await session.execute(query.order_by(PageView.entered_at))).scalars():
        pages[page.visitor_id].append(page)
    keywords: dict[str, list[SearchKeyword]] = {i: [] for i in ids}
    for keyword in (
        await session.execute(
            select(SearchKeyword)
            .where(SearchKeyword.visitor_id.in_(ids))
            .order_by(SearchKeyword.at)
        )
    ).scalars():
        keywords[keyword.visitor_id].append(keyword)
    views = []
    for visitor in visitors:
        is_online = visitor.id in online
        # Pages of an offline visitor still open are orphans of a dead process: their
        # clock stopped when the visitor was last seen.
        as_of = now if is_online else min(now, visitor.last_seen_at)
        view = visitor_view(visitor, pages[visitor.id], keywords[visitor.id], is_online, as_of)
        if page_limit is not None:
            view["pages"] = view["pages"][-page_limit:]
        views.append(view)
    return views


async def visitor_exists(rt: Runtime, visitor_id: str) -> bool:
    async with rt.db.reading() as session:
        return await session.get(Visitor, visitor_id) is not None


async def visitor_detail(
    rt: Runtime, visitor_id: str, page_limit: int | None = None
) -> dict[str, Any]:
    # Ask about this visitor only: the whole online set is large on a busy shop.
    online = await rt.presence.visitor_online(visitor_id)
    journey = await rt.db.read(partial(load_journey, visitor_id=visitor_id, page_limit=page_limit))
    if journey is None:
        raise NotFound("visitor_not_found", "no such visitor")
    return journey_view(journey, online, utcnow(), page_limit)


async def list_visitors(rt: Runtime, online_only: bool) -> list[dict[str, Any]]:
    """Visitors for agents; bots are never listed."""
    online = await rt.presence.online_visitors()
    async with rt.db.reading() as session:
        query = select(Visitor).where(Visitor.is_bot == False)  # noqa: E712
        if online_only:
            if not online:
                return []
            query = query.where(Visitor.id.in_(online)).order_by(Visitor.last_seen_at.desc())
        else:
            query = query.order_by(Visitor.last_seen_at.desc()).limit(200)
        visitors = list((await session.execute(query)).scalars())
        return await _visitor_views(session, visitors, online, RECENT_PAGES)
