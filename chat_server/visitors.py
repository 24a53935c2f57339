"""Visitors: identification, visits, page views, dwell time, contact details.

Dwell time counts only visible time: a page view accumulates ``dwell_seconds``
over its visible intervals, with ``visible_since`` marking the one running now.

A **visit** ends after ``visit_timeout_seconds`` (30 minutes) without activity.
Activity is a ``hello``, a page view, a visibility change or a tab closing; a
tab that stays open and visible is active the whole time, so reading one page
for an hour does not start a new visit on the next click.

Reconnects do not double-count. The widget sends ``hello`` with the current
page on every (re)connection, so a reload, a network blip or a server restart
would otherwise add the same page to the journey again:

- a ``hello`` for the URL of the page this visitor left last, at most
  :data:`RESUME_SECONDS` ago, reopens that page view instead of adding one
  (the seconds in between are not counted);
- a page view still open when its visitor had no socket (the process that held
  its socket died) is an orphan: it is resumed by a ``hello`` for its URL
  within the same visit, and otherwise closed when it was last seen;
- when a tab's socket closes while a newer socket of the same visitor already
  shows the same URL (opened at most :data:`FOLD_SECONDS` before: the server
  learnt of a dead connection only after the client had reconnected), the two
  page views are folded into one.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server import conversations
from chat_server.bus import AGENTS_TOPIC, Event
from chat_server.errors import DomainError, NotFound
from chat_server.models import (
    Conversation,
    IpMode,
    Message,
    PageView,
    SearchKeyword,
    Site,
    Visitor,
    Wait,
    utcnow,
)
from chat_server.protocol import dump
from chat_server.runtime import Runtime
from chat_server.tracking.agents import parse_user_agent
from chat_server.tracking.privacy import truncate_ip
from chat_server.tracking.referrers import (
    DEFAULT_SITE_SEARCH_PARAMS,
    extract_campaign,
    extract_keywords,
)
from chat_server.views import running_dwell, visitor_view

RECENT_PAGES = 50
RESUME_SECONDS = 10.0
FOLD_SECONDS = 60.0
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Arrival:
    visitor: Visitor
    page_view_id: str
    conversation: Conversation | None
    new_visit: bool
    resumed: bool


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def stored_ip(site: Site, ip: str | None) -> str | None:
    """What the site's ``ip_mode`` lets us keep of an address (after geolocation)."""
    if site.ip_mode == IpMode.none:
        return None
    if site.ip_mode == IpMode.truncate:
        return truncate_ip(ip)
    return ip


def _same_page(a: str, b: str) -> bool:
    return a.partition("#")[0] == b.partition("#")[0]


def _idle(visitor: Visitor, now: datetime, timeout: timedelta) -> bool:
    return now - visitor.last_seen_at > timeout


async def _has_visible_page(session: AsyncSession, visitor_id: str) -> bool:
    found = await session.execute(
        select(PageView.id)
        .where(
            PageView.visitor_id == visitor_id,
            PageView.left_at.is_(None),
            PageView.visible_since.is_not(None),
        )
        .limit(1)
    )
    return found.first() is not None


def _begin_visit(visitor: Visitor) -> None:
    visitor.visits += 1
    visitor.campaign = None


async def arrive(
    rt: Runtime,
    site: Site,
    token: str | None,
    url: str,
    title: str | None,
    referrer: str | None,
    ip: str | None,
    user_agent: str | None,
) -> Arrival:
    """Identify the visitor (a new one for an unknown token), count its socket as
    connected, and record the page view (or resume the one it reconnects to).

    The socket is counted inside the transaction that holds the visitor's row, so
    that two tabs arriving together agree on which page views are orphans.
    """
    now = utcnow()
    timeout = timedelta(seconds=rt.settings.visit_timeout_seconds)
    connected: str | None = None
    try:
        async with rt.db.writing() as session:
            visitor = None
            if token:
                visitor = (
                    await session.execute(
                        select(Visitor)
                        .where(Visitor.token == token, Visitor.site_id == site.id)
                        .with_for_update(key_share=True)
                    )
                ).scalar_one_or_none()
            known = visitor is not None
            if visitor is None:
                visitor = Visitor(
                    site_id=site.id,
                    token=_new_token(),
                    first_seen_at=now,
                    last_seen_at=now,
                    visits=1,
                )
                session.add(visitor)
            was_online = not await rt.presence.visitor_connected(visitor.id)
            connected = visitor.id
            resumed: PageView | None = None
            new_visit = not known
            if known:
                open_pages = list(
                    (
                        await session.execute(
                            select(PageView)
                            .where(PageView.visitor_id == visitor.id, PageView.left_at.is_(None))
                            .order_by(PageView.entered_at)
                        )
                    ).scalars()
                )
                if was_online:
                    active = any(p.visible_since is not None for p in open_pages)
                    new_visit = not active and _idle(visitor, now, timeout)
                else:
                    new_visit = _idle(visitor, now, timeout)
                    resumed = _settle_orphans(visitor, open_pages, url, new_visit, now)
                if new_visit:
                    _begin_visit(visitor)
                elif resumed is None:
                    resumed = await _reopen_left_page(session, visitor, url, now)
            if new_visit or visitor.geo is None:
                # Locate once per visit, then keep only what the site's privacy setting allows.
                visitor.geo = rt.geo.locate(ip) if rt.geo is not None else None
                visitor.ip = stored_ip(site, ip)
            parsed = parse_user_agent(user_agent)
            visitor.user_agent = parsed
            visitor.is_bot = bool(parsed and parsed.get("is_bot"))
            visitor.last_seen_at = now
            await session.flush()
            if resumed is not None:
                if title:
                    resumed.title = title
                page_view_id = resumed.id
            else:
                page_view_id = await _record_page_view(
                    session, site, visitor, url, title, referrer, now
                )
            conversation = await conversations.open_conversation_of(session, visitor.id)
    except BaseException:
        if connected is not None:
            await rt.presence.visitor_disconnected(connected)
        raise
    return Arrival(visitor, page_view_id, conversation, new_visit, resumed is not None)


def _settle_orphans(
    visitor: Visitor, orphans: list[PageView], url: str, new_visit: bool, now: datetime
) -> PageView | None:
    """Page views left open by a socket that died with its process: the one showing
    ``url`` is resumed (same visit only), the others end when the visitor was last seen."""
    resumed = None
    for page in reversed(orphans):
        if resumed is None and not new_visit and _same_page(page.url, url):
            resumed = page
            continue
        left = max(visitor.last_seen_at, page.entered_at)
        page.dwell_seconds = running_dwell(page, left)
        page.visible_since = None
        page.left_at = left
        visitor.dwell_closed_seconds += page.dwell_seconds
    if resumed is not None and resumed.visible_since is None:
        resumed.visible_since = now
    return resumed


async def _reopen_left_page(
    session: AsyncSession, visitor: Visitor, url: str, now: datetime
) -> PageView | None:
    """The page this visitor left last, if it is ``url`` and was left moments ago."""
    last = (
        await session.execute(
            select(PageView)
            .where(PageView.visitor_id == visitor.id, PageView.left_at.is_not(None))
            .order_by(PageView.left_at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    if last is None or last.left_at is None or not _same_page(last.url, url):
        return None
    if (now - last.left_at).total_seconds() > RESUME_SECONDS:
        return None
    visitor.dwell_closed_seconds = max(0.0, visitor.dwell_closed_seconds - last.dwell_seconds)
    last.left_at = None
    last.visible_since = now
    return last


async def _record_page_view(
    session: AsyncSession,
    site: Site,
    visitor: Visitor,
    url: str,
    title: str | None,
    referrer: str | None,
    now: datetime,
) -> str:
    page = PageView(
        visitor_id=visitor.id,
        url=url,
        title=title,
        referrer=referrer or None,
        entered_at=now,
        visible_since=now,
    )
    session.add(page)
    params = site.search_params or DEFAULT_SITE_SEARCH_PARAMS
    found = extract_keywords(url, referrer, params)
    if found:
        known = set(
            (
                await session.execute(
                    select(SearchKeyword.keyword, SearchKeyword.source).where(
                        SearchKeyword.visitor_id == visitor.id
                    )
                )
            ).tuples()
        )
        for keyword in found:
            if (keyword.keyword, keyword.source) not in known:
                session.add(
                    SearchKeyword(
                        visitor_id=visitor.id,
                        keyword=keyword.keyword,
                        source=keyword.source,
                        at=now,
                    )
                )
    campaign = extract_campaign(url)
    if campaign:
        visitor.campaign = campaign
    await session.flush()
    return page.id


async def view_page(
    rt: Runtime,
    site: Site,
    visitor_id: str,
    previous_page_view_id: str | None,
    url: str,
    title: str | None,
    referrer: str | None,
) -> str:
    """A page view in the same tab: the previous page is left, the new one entered."""
    now = utcnow()
    timeout = timedelta(seconds=rt.settings.visit_timeout_seconds)
    async with rt.db.writing() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "this visitor no longer exists")
        previous = (
            await session.get(PageView, previous_page_view_id) if previous_page_view_id else None
        )
        watching = (
            previous is not None and previous.left_at is None and previous.visible_since is not None
        )
        if (
            not watching
            and _idle(visitor, now, timeout)
            and not await _has_visible_page(session, visitor.id)
        ):
            _begin_visit(visitor)
        if previous is not None:
            _close_page(visitor, previous, now)
        visitor.last_seen_at = now
        return await _record_page_view(session, site, visitor, url, title, referrer, now)


def _close_page(visitor: Visitor, page: PageView, now: datetime) -> None:
    if page.left_at is not None:
        return
    page.dwell_seconds = running_dwell(page, now)
    page.visible_since = None
    page.left_at = now
    visitor.dwell_closed_seconds += page.dwell_seconds


async def set_visibility(rt: Runtime, visitor_id: str, page_view_id: str, visible: bool) -> None:
    now = utcnow()
    timeout = timedelta(seconds=rt.settings.visit_timeout_seconds)
    async with rt.db.writing() as session:
        page = await session.get(PageView, page_view_id)
        visitor = await session.get(Visitor, visitor_id)
        if page is None or page.left_at is not None or visitor is None:
            return
        if visible and page.visible_since is None:
            if _idle(visitor, now, timeout) and not await _has_visible_page(session, visitor_id):
                _begin_visit(visitor)  # back after a long while in another tab or app
            page.visible_since = now
        elif not visible and page.visible_since is not None:
            page.dwell_seconds = running_dwell(page, now)
            page.visible_since = None
        visitor.last_seen_at = now


async def leave(rt: Runtime, visitor_id: str, page_view_id: str | None) -> None:
    """The socket of one tab closed: its page is left, and the visitor was last seen now."""
    now = utcnow()
    async with rt.db.writing() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            return
        page = await session.get(PageView, page_view_id) if page_view_id else None
        if page is not None and page.left_at is None:
            successor = (
                await session.execute(
                    select(PageView)
                    .where(
                        PageView.visitor_id == visitor_id,
                        PageView.url == page.url,
                        PageView.left_at.is_(None),
                        PageView.id != page.id,
                        PageView.entered_at >= page.entered_at,
                        PageView.entered_at >= now - timedelta(seconds=FOLD_SECONDS),
                    )
                    .order_by(PageView.entered_at)
                    .limit(1)
                )
            ).scalar_one_or_none()
            if successor is not None:
                await _fold(session, page, successor, now)
            else:
                _close_page(visitor, page, now)
        visitor.last_seen_at = now


async def _fold(session: AsyncSession, page: PageView, successor: PageView, now: datetime) -> None:
    """``successor`` (open, same URL, entered later) continues ``page``: one view, not two.

    ``page`` was visible at most until ``successor`` began, since that is when the
    visitor was already looking at the new socket's copy of it.
    """
    if page.visible_since is not None:
        until = min(now, successor.entered_at)
        page.dwell_seconds += max(0.0, (until - page.visible_since).total_seconds())
    successor.dwell_seconds += page.dwell_seconds
    successor.entered_at = page.entered_at
    successor.referrer = page.referrer
    await session.delete(page)


async def identify_contact(
    rt: Runtime, visitor_id: str, name: str | None, email: str | None
) -> None:
    name = (name or "").strip() or None
    email = (email or "").strip() or None
    if email is not None and not EMAIL.match(email):
        raise DomainError("invalid_email", "that e-mail address does not look right")
    async with rt.db.writing() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "this visitor no longer exists")
        if name is not None:
            visitor.name = name
        if email is not None:
            visitor.email = email


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
    online = {visitor_id} if await rt.presence.visitor_online(visitor_id) else set()
    async with rt.db.reading() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "no such visitor")
        return (await _visitor_views(session, [visitor], online, page_limit))[0]


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


async def publish_visitor(rt: Runtime, visitor_id: str) -> None:
    """``visitor.updated`` to agents (never for bots)."""
    try:
        view = await visitor_detail(rt, visitor_id, page_limit=RECENT_PAGES)
    except NotFound:
        return
    if view["is_bot"]:
        return
    await rt.publish([Event(AGENTS_TOPIC, dump({"type": "visitor.updated", "visitor": view}))])


async def publish_left(rt: Runtime, visitor_id: str) -> None:
    await rt.publish(
        [Event(AGENTS_TOPIC, dump({"type": "visitor.left", "visitor_id": visitor_id}))]
    )


async def erase(rt: Runtime, visitor_id: str) -> None:
    """Delete the visitor and everything about it (conversations included), then fold
    the WAL into the file: with ``secure_delete`` the erased bytes are overwritten."""
    async with rt.db.writing() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "no such visitor")
        conversation_ids = select(Conversation.id).where(Conversation.visitor_id == visitor_id)
        await session.execute(delete(Message).where(Message.conversation_id.in_(conversation_ids)))
        await session.execute(delete(Wait).where(Wait.conversation_id.in_(conversation_ids)))
        await session.execute(delete(Conversation).where(Conversation.visitor_id == visitor_id))
        await session.execute(delete(PageView).where(PageView.visitor_id == visitor_id))
        await session.execute(delete(SearchKeyword).where(SearchKeyword.visitor_id == visitor_id))
        await session.delete(visitor)
    await rt.db.checkpoint()
