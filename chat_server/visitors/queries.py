"""Visitors as agents see them, for the REST API and the agents' welcome."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.errors import NotFound
from chat_server.model.paging import PageRequest, encode_cursor
from chat_server.model.scope import Scope
from chat_server.model.tables import PageView, SearchKeyword, Visitor, utcnow
from chat_server.runtime.state import Runtime
from chat_server.storage.id_sets import among
from chat_server.visitors.rules import RECENT_PAGES
from chat_server.visitors.store import load_journey
from chat_server.wire.views import journey_view, visitor_view

# Visitor id -> site id, for the scope checks of agents' frames (bounded; oldest out).
_SITES_KEPT = 100_000
_sites: dict[str, str] = {}


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
    totals: dict[str, int] = {}
    if page_limit is not None:
        counted = await session.execute(
            select(PageView.visitor_id, func.count())
            .where(PageView.visitor_id.in_(ids))
            .group_by(PageView.visitor_id)
        )
        totals = {visitor_id: count for visitor_id, count in counted.tuples()}
    views = []
    for visitor in visitors:
        is_online = visitor.id in online
        # Pages of an offline visitor still open are orphans of a dead process: their
        # clock stopped when the visitor was last seen.
        as_of = now if is_online else min(now, visitor.last_seen_at)
        view = visitor_view(
            visitor,
            pages[visitor.id],
            keywords[visitor.id],
            is_online,
            as_of,
            totals.get(visitor.id),
        )
        if page_limit is not None:
            view["pages"] = view["pages"][-page_limit:]
        views.append(view)
    return views


async def visitor_exists(rt: Runtime, visitor_id: str) -> bool:
    async with rt.db.reading() as session:
        return await session.get(Visitor, visitor_id) is not None


def _site_of(connection: Connection, visitor_id: str) -> str | None:
    row = connection.execute(select(Visitor.site_id).where(Visitor.id == visitor_id)).first()
    return row[0] if row is not None else None


async def site_of_visitor(rt: Runtime, visitor_id: str) -> str | None:
    """The visitor's site (None: no such visitor); a visitor never changes site, so
    each process remembers what it looked up."""
    site_id = _sites.get(visitor_id)
    if site_id is None:
        site_id = await rt.db.read(lambda connection: _site_of(connection, visitor_id))
        if site_id is None:
            return None
        if len(_sites) >= _SITES_KEPT:
            _sites.pop(next(iter(_sites)))
        _sites[visitor_id] = site_id
    return site_id


async def require_visitor(rt: Runtime, visitor_id: str, scope: Scope) -> None:
    """``not_found`` for a visitor outside ``scope``; ``visitor_not_found`` for none at all."""
    site_id = await site_of_visitor(rt, visitor_id)
    if site_id is None:
        raise NotFound("visitor_not_found", "no such visitor")
    scope.require(site_id, "visitor")


async def visitor_detail(
    rt: Runtime, visitor_id: str, scope: Scope, page_limit: int | None = None
) -> dict[str, Any]:
    # Ask about this visitor only: the whole online set is large on a busy shop.
    online = await rt.presence.visitor_online(visitor_id)
    journey = await rt.db.read(partial(load_journey, visitor_id=visitor_id, page_limit=page_limit))
    if journey is None:
        raise NotFound("visitor_not_found", "no such visitor")
    scope.require(journey.visitor.site_id, "visitor")
    return journey_view(journey, online, utcnow(), page_limit)


@dataclass(frozen=True, slots=True)
class VisitorPage:
    visitors: list[dict[str, Any]]
    #: The cursor of the next page; None at the end.
    next_cursor: str | None
    #: How many visitors the whole list holds (counted only when asked).
    total: int | None = None


async def list_visitors(
    rt: Runtime,
    online_only: bool,
    scope: Scope,
    page: PageRequest | None = None,
    with_total: bool = False,
) -> VisitorPage:
    """Visitors ``scope`` may see, newest first (by first visit, so a page never shifts
    while visitors move), a page at a time; bots are never listed."""
    page = page or PageRequest()
    online = await rt.presence.online_visitors()
    if online_only and not online:
        return VisitorPage([], None, 0 if with_total else None)
    conditions: list[Any] = [Visitor.is_bot == False]  # noqa: E712
    if online_only:
        conditions.append(among(Visitor.id, online, rt.db.is_embedded))
    if scope.site_ids is not None:
        conditions.append(Visitor.site_id.in_(sorted(scope.site_ids)))
    async with rt.db.reading() as session:
        total = None
        if with_total:
            total = (
                await session.execute(select(func.count()).select_from(Visitor).where(*conditions))
            ).scalar_one()
        query = select(Visitor).where(*conditions)
        if page.after is not None:
            at, after_id = page.after
            query = query.where(
                or_(
                    Visitor.first_seen_at < at,
                    and_(Visitor.first_seen_at == at, Visitor.id < after_id),
                )
            )
        query = query.order_by(Visitor.first_seen_at.desc(), Visitor.id.desc())
        visitors = list((await session.execute(query.limit(page.limit + 1))).scalars())
        more = len(visitors) > page.limit
        visitors = visitors[: page.limit]
        views = await _visitor_views(session, visitors, online, RECENT_PAGES)
    last = visitors[-1] if more else None
    next_cursor = encode_cursor(last.first_seen_at, last.id) if last is not None else None
    return VisitorPage(views, next_cursor, total)
