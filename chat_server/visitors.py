"""Visitors: identification, visits, page views, dwell time, contact details.

Dwell time counts only visible time: a page view accumulates ``dwell_seconds``
over its visible intervals, with ``visible_since`` marking the one running now.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server import conversations
from chat_server.bus import AGENTS_TOPIC, Event
from chat_server.errors import DomainError, NotFound
from chat_server.models import (
    Conversation,
    IpMode,
    PageView,
    SearchKeyword,
    Site,
    Visitor,
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
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Arrival:
    visitor: Visitor
    page_view_id: str
    conversation: Conversation | None
    new_visit: bool


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _stored_ip(site: Site, ip: str | None) -> str | None:
    if site.ip_mode == IpMode.none:
        return None
    if site.ip_mode == IpMode.truncate:
        return truncate_ip(ip)
    return ip


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
    """Identify the visitor (a new one for an unknown token) and record the page view."""
    now = utcnow()
    timeout = timedelta(seconds=rt.settings.visit_timeout_seconds)
    async with rt.db.writing() as session:
        visitor = None
        if token:
            visitor = (
                await session.execute(
                    select(Visitor).where(Visitor.token == token, Visitor.site_id == site.id)
                )
            ).scalar_one_or_none()
        new_visit = visitor is None or now - visitor.last_seen_at > timeout
        if visitor is None:
            visitor = Visitor(
                site_id=site.id, token=_new_token(), first_seen_at=now, last_seen_at=now, visits=1
            )
            session.add(visitor)
        elif new_visit:
            visitor.visits += 1
            visitor.campaign = None
        visitor.last_seen_at = now
        if new_visit or visitor.geo is None:
            # Locate once per visit, then keep only what the site's privacy setting allows.
            visitor.geo = rt.geo.locate(ip) if rt.geo is not None else None
            visitor.ip = _stored_ip(site, ip)
        parsed = parse_user_agent(user_agent)
        visitor.user_agent = parsed
        visitor.is_bot = bool(parsed and parsed.get("is_bot"))
        await session.flush()
        page_view_id = await _record_page_view(session, site, visitor, url, title, referrer, now)
        conversation = await conversations.open_conversation_of(session, visitor.id)
    return Arrival(visitor, page_view_id, conversation, new_visit)


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
    async with rt.db.writing() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "this visitor no longer exists")
        if previous_page_view_id:
            await _close_page(session, visitor, previous_page_view_id, now)
        visitor.last_seen_at = now
        return await _record_page_view(session, site, visitor, url, title, referrer, now)


async def _close_page(
    session: AsyncSession, visitor: Visitor, page_view_id: str, now: datetime
) -> None:
    page = await session.get(PageView, page_view_id)
    if page is None or page.left_at is not None:
        return
    page.dwell_seconds = running_dwell(page, now)
    page.visible_since = None
    page.left_at = now
    visitor.dwell_closed_seconds += page.dwell_seconds


async def set_visibility(rt: Runtime, page_view_id: str, visible: bool) -> None:
    now = utcnow()
    async with rt.db.writing() as session:
        page = await session.get(PageView, page_view_id)
        if page is None or page.left_at is not None:
            return
        if visible and page.visible_since is None:
            page.visible_since = now
        elif not visible and page.visible_since is not None:
            page.dwell_seconds = running_dwell(page, now)
            page.visible_since = None


async def leave(rt: Runtime, visitor_id: str, page_view_id: str | None) -> None:
    """The socket of one tab closed: its page is left, and the visitor was last seen now."""
    now = utcnow()
    async with rt.db.writing() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            return
        if page_view_id:
            await _close_page(session, visitor, page_view_id, now)
        visitor.last_seen_at = now


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
    if not visitors:
        return []
    ids = [v.id for v in visitors]
    now = utcnow()
    pages: dict[str, list[PageView]] = {i: [] for i in ids}
    for page in (
        await session.execute(
            select(PageView).where(PageView.visitor_id.in_(ids)).order_by(PageView.entered_at)
        )
    ).scalars():
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
        visitor_pages = pages[visitor.id]
        view = visitor_view(visitor, visitor_pages, keywords[visitor.id], visitor.id in online, now)
        if page_limit is not None:
            view["pages"] = view["pages"][-page_limit:]
        views.append(view)
    return views


async def visitor_detail(
    rt: Runtime, visitor_id: str, page_limit: int | None = None
) -> dict[str, Any]:
    online = await rt.presence.online_visitors()
    async with rt.db.reading() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "no such visitor")
        return (await _visitor_views(session, [visitor], online, page_limit))[0]


async def list_visitors(rt: Runtime, online_only: bool) -> list[dict[str, Any]]:
    online = await rt.presence.online_visitors()
    async with rt.db.reading() as session:
        query = select(Visitor).where(Visitor.is_bot == False)  # noqa: E712
        if online_only:
            if not online:
                return []
            query = query.where(Visitor.id.in_(online))
        else:
            query = query.order_by(Visitor.last_seen_at.desc()).limit(200)
        visitors = list((await session.execute(query)).scalars())
        return await _visitor_views(session, visitors, online, RECENT_PAGES)


async def publish_visitor(rt: Runtime, visitor_id: str) -> None:
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
    """Delete the visitor and everything about it (conversations included)."""
    from chat_server.models import Message, Wait

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
