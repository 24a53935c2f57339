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

The commands a socket sends all the time (``hello``, ``page.view``, visibility,
closing) are each one plain function over a Core connection, run by
:meth:`Database.write <chat_server.storage.database.Database.write>`: no ORM, statements built
once, and the rows a command loaded reused for the ``visitor.updated`` it leads
to (:class:`Journey`) instead of reading them again.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import partial
from operator import attrgetter
from typing import Any, cast

from sqlalchemy import Connection, Integer, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.errors import DomainError, NotFound
from chat_server.model.events import VisitorLeft, VisitorMoved
from chat_server.model.rows import Journey, KeywordRecord, PageRecord, VisitorRecord
from chat_server.model.tables import (
    Conversation,
    ConversationStatus,
    IpMode,
    Message,
    PageView,
    SearchKeyword,
    Site,
    Visitor,
    Wait,
    new_id,
    utcnow,
)
from chat_server.runtime.state import Runtime
from chat_server.tracking.agents import parse_user_agent
from chat_server.tracking.privacy import truncate_ip
from chat_server.tracking.referrers import (
    DEFAULT_SITE_SEARCH_PARAMS,
    extract_campaign,
    extract_keywords,
)
from chat_server.wire.views import journey_view, running_dwell, visitor_view

RECENT_PAGES = 50
RESUME_SECONDS = 10.0
FOLD_SECONDS = 60.0
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Tokens of visitors seen lately (per process), so that a returning visitor's
#: ``hello`` need not look its id up first.
KNOWN_TOKENS = 16384

Locate = Callable[[str | None], dict[str, Any] | None]


@dataclass
class Arrival:
    visitor: Visitor
    page_view_id: str
    conversation: Conversation | None
    new_visit: bool
    resumed: bool
    #: For ``visitor.updated``; None for a bot (agents never hear of bots).
    journey: Journey | None = None


@dataclass(slots=True)
class Entered:
    page_view_id: str
    #: For ``visitor.updated``; None for a bot (agents never hear of bots).
    journey: Journey | None


# -- statements, built once ----------------------------------------------------------------

VISITOR = Visitor.__table__
PAGE = PageView.__table__
KEYWORD = SearchKeyword.__table__
CONVERSATION = Conversation.__table__

_VISITOR_FIELDS = tuple(f.name for f in fields(VisitorRecord))
_PAGE_FIELDS = tuple(f.name for f in fields(PageRecord))

_VISITOR_BY_ID = select(*(VISITOR.c[name] for name in _VISITOR_FIELDS)).where(
    VISITOR.c.id == bindparam("visitor_id")
)
# Locking the visitor orders the commands of its tabs (on several processes too).
_LOCK_VISITOR = _VISITOR_BY_ID.with_for_update(key_share=True)
_VISITOR_ID_BY_TOKEN = select(VISITOR.c.id).where(
    VISITOR.c.token == bindparam("token"), VISITOR.c.site_id == bindparam("site_id")
)
_INSERT_VISITOR = insert(VISITOR)
_UPDATE_VISITOR = update(VISITOR).where(VISITOR.c.id == bindparam("b_id"))

_SELECT_PAGE = select(*(PAGE.c[name] for name in _PAGE_FIELDS))
_PAGE_BY_ID = _SELECT_PAGE.where(PAGE.c.id == bindparam("page_id"))
_OPEN_PAGES = _SELECT_PAGE.where(
    PAGE.c.visitor_id == bindparam("visitor_id"), PAGE.c.left_at.is_(None)
).order_by(PAGE.c.entered_at)
_VISIBLE_PAGE = (
    select(PAGE.c.id)
    .where(
        PAGE.c.visitor_id == bindparam("visitor_id"),
        PAGE.c.left_at.is_(None),
        PAGE.c.visible_since.is_not(None),
    )
    .limit(1)
)
_LAST_LEFT_PAGE = (
    _SELECT_PAGE.where(PAGE.c.visitor_id == bindparam("visitor_id"), PAGE.c.left_at.is_not(None))
    .order_by(PAGE.c.left_at.desc())
    .limit(1)
)
_SUCCESSOR = (
    _SELECT_PAGE.where(
        PAGE.c.visitor_id == bindparam("visitor_id"),
        PAGE.c.url == bindparam("url"),
        PAGE.c.left_at.is_(None),
        PAGE.c.id != bindparam("page_id"),
        PAGE.c.entered_at >= bindparam("entered_at"),
        PAGE.c.entered_at >= bindparam("fold_since"),
    )
    .order_by(PAGE.c.entered_at)
    .limit(1)
)
_ALL_PAGES = _SELECT_PAGE.where(PAGE.c.visitor_id == bindparam("visitor_id")).order_by(
    PAGE.c.entered_at
)
_LATEST_PAGE_IDS = (
    select(PAGE.c.id)
    .where(PAGE.c.visitor_id == bindparam("visitor_id"))
    .order_by(PAGE.c.entered_at.desc())
    .limit(bindparam("page_limit", type_=Integer))
)
_RECENT_PAGES = _SELECT_PAGE.where(
    PAGE.c.visitor_id == bindparam("visitor_id"),
    or_(PAGE.c.left_at.is_(None), PAGE.c.id.in_(_LATEST_PAGE_IDS)),
).order_by(PAGE.c.entered_at)
_INSERT_PAGE = insert(PAGE)
_UPDATE_PAGE = update(PAGE).where(PAGE.c.id == bindparam("b_id"))
_DELETE_PAGE = delete(PAGE).where(PAGE.c.id == bindparam("b_id"))

_KEYWORDS = (
    select(KEYWORD.c.keyword, KEYWORD.c.source, KEYWORD.c.at)
    .where(KEYWORD.c.visitor_id == bindparam("visitor_id"))
    .order_by(KEYWORD.c.at)
)
_INSERT_KEYWORD = insert(KEYWORD)

_OPEN_CONVERSATION = (
    select(CONVERSATION)
    .where(
        CONVERSATION.c.visitor_id == bindparam("visitor_id"),
        CONVERSATION.c.status == ConversationStatus.open.value,
    )
    .order_by(CONVERSATION.c.created_at.desc())
    .limit(1)
)


# -- small rules ---------------------------------------------------------------------------


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


def _idle(visitor: VisitorRecord, now: datetime, timeout: timedelta) -> bool:
    return now - visitor.last_seen_at > timeout


def _dwell(page: PageRecord, now: datetime) -> float:
    return running_dwell(cast(PageView, page), now)


def _begin_visit(visitor: VisitorRecord) -> None:
    visitor.visits += 1
    visitor.campaign = None


def _close_page(visitor: VisitorRecord, page: PageRecord, now: datetime) -> None:
    page.dwell_seconds = _dwell(page, now)
    page.visible_since = None
    page.left_at = now
    visitor.dwell_closed_seconds += page.dwell_seconds


_known_tokens: OrderedDict[tuple[str, str], str] = OrderedDict()


def _remember_token(site_id: str, token: str, visitor_id: str) -> None:
    key = (site_id, token)
    _known_tokens[key] = visitor_id
    _known_tokens.move_to_end(key)
    if len(_known_tokens) > KNOWN_TOKENS:
        _known_tokens.popitem(last=False)


# -- reading and writing rows --------------------------------------------------------------


def _update_visitor(connection: Connection, visitor: VisitorRecord, *columns: str) -> None:
    params: dict[str, Any] = {name: getattr(visitor, name) for name in columns}
    params["b_id"] = visitor.id
    connection.execute(_UPDATE_VISITOR, params)


def _update_page(connection: Connection, page: PageRecord, *columns: str) -> None:
    params: dict[str, Any] = {name: getattr(page, name) for name in columns}
    params["b_id"] = page.id
    connection.execute(_UPDATE_PAGE, params)


def _lock_visitor(connection: Connection, visitor_id: str) -> VisitorRecord | None:
    row = connection.execute(_LOCK_VISITOR, {"visitor_id": visitor_id}).first()
    return VisitorRecord(*row) if row is not None else None


def _page(connection: Connection, page_view_id: str) -> PageRecord | None:
    row = connection.execute(_PAGE_BY_ID, {"page_id": page_view_id}).first()
    return PageRecord(*row) if row is not None else None


def _pages(connection: Connection, visitor_id: str, page_limit: int | None) -> list[PageRecord]:
    """The visitor's pages by entry: all, or the latest ``page_limit`` and every open one."""
    if page_limit is None:
        rows = connection.execute(_ALL_PAGES, {"visitor_id": visitor_id})
    else:
        rows = connection.execute(
            _RECENT_PAGES, {"visitor_id": visitor_id, "page_limit": page_limit}
        )
    return [PageRecord(*row) for row in rows]


def _keywords(connection: Connection, visitor_id: str) -> list[KeywordRecord]:
    rows = connection.execute(_KEYWORDS, {"visitor_id": visitor_id})
    return [KeywordRecord(*row) for row in rows]


def _load_journey(
    connection: Connection, visitor_id: str, page_limit: int | None
) -> Journey | None:
    row = connection.execute(_VISITOR_BY_ID, {"visitor_id": visitor_id}).first()
    if row is None:
        return None
    return Journey(
        VisitorRecord(*row),
        _pages(connection, visitor_id, page_limit),
        _keywords(connection, visitor_id),
    )


def _has_visible_page(
    connection: Connection, visitor_id: str, pages: list[PageRecord] | None
) -> bool:
    """Whether an open page of the visitor is visible; ``pages``, when given, hold every
    open page of the visitor."""
    if pages is not None:
        return any(p.left_at is None and p.visible_since is not None for p in pages)
    return connection.execute(_VISIBLE_PAGE, {"visitor_id": visitor_id}).first() is not None


def _latest(pages: list[PageRecord]) -> list[PageRecord]:
    """``pages`` by entry, keeping the latest :data:`RECENT_PAGES` and every open one."""
    pages.sort(key=attrgetter("entered_at"))
    cut = len(pages) - RECENT_PAGES
    if cut <= 0:
        return pages
    return [page for i, page in enumerate(pages) if i >= cut or page.left_at is None]


def _record_page_view(
    connection: Connection,
    search_params: Sequence[str],
    visitor: VisitorRecord,
    url: str,
    title: str | None,
    referrer: str | None,
    now: datetime,
    keywords: list[KeywordRecord] | None,
) -> PageRecord:
    """Insert the page view and the search words it brings (see also :func:`_set_campaign`).

    ``keywords``, when given, are the visitor's search words, which the new ones join.
    """
    page = PageRecord(new_id(), visitor.id, url, title, referrer or None, now, None, 0.0, now)
    connection.execute(_INSERT_PAGE, {name: getattr(page, name) for name in _PAGE_FIELDS})
    found = extract_keywords(url, referrer, search_params)
    if found:
        if keywords is None:
            known = {(row.keyword, row.source) for row in _keywords(connection, visitor.id)}
        else:
            known = {(k.keyword, k.source) for k in keywords}
        new = [k for k in found if (k.keyword, k.source) not in known]
        if new:
            connection.execute(
                _INSERT_KEYWORD,
                [
                    {
                        "id": new_id(),
                        "visitor_id": visitor.id,
                        "keyword": k.keyword,
                        "source": k.source,
                        "at": now,
                    }
                    for k in new
                ],
            )
            if keywords is not None:
                keywords.extend(KeywordRecord(k.keyword, k.source, now) for k in new)
                keywords.sort(key=attrgetter("at"))
    return page


def _set_campaign(visitor: VisitorRecord, url: str) -> bool:
    """The page's ``utm_*`` parameters are the visit's campaign; whether there were any
    (the caller saves the visitor)."""
    campaign = extract_campaign(url)
    if campaign:
        visitor.campaign = campaign
    return bool(campaign)


# -- hello ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Arrived:
    visitor: VisitorRecord
    page_view_id: str
    conversation: Conversation | None
    new_visit: bool
    resumed: bool
    journey: Journey | None


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

    The tabs of one visitor arriving together are counted and recorded one after
    the other, so that they agree on which page views are orphans.
    """
    agent = parse_user_agent(user_agent)
    key = (site.id, token or "")
    visitor_id = _known_tokens.get(key) if token else None
    looked_up = False
    while True:
        if token and visitor_id is None and not looked_up:
            looked_up = True
            visitor_id = await rt.db.read(
                partial(_visitor_id_by_token, site_id=site.id, token=token)
            )
        arrival = await _arrive_as(rt, site, token, visitor_id, url, title, referrer, ip, agent)
        if arrival is not None:
            _remember_token(site.id, arrival.visitor.token, arrival.visitor.id)
            return arrival
        # The visitor is gone (erased) or the remembered id was stale: look the token up
        # again, and if it is gone since, the token is an unknown one.
        _known_tokens.pop(key, None)
        if looked_up:
            token = None
        visitor_id = None


def _visitor_id_by_token(connection: Connection, site_id: str, token: str) -> str | None:
    return connection.execute(
        _VISITOR_ID_BY_TOKEN, {"token": token, "site_id": site_id}
    ).scalar_one_or_none()


async def _arrive_as(
    rt: Runtime,
    site: Site,
    token: str | None,
    visitor_id: str | None,
    url: str,
    title: str | None,
    referrer: str | None,
    ip: str | None,
    agent: dict[str, Any] | None,
) -> Arrival | None:
    """:func:`arrive` as the visitor ``visitor_id`` (a new one for None); None if that
    visitor no longer has this token."""
    counted = visitor_id or new_id()
    write = partial(
        _arrive,
        site_id=site.id,
        search_params=site.search_params or DEFAULT_SITE_SEARCH_PARAMS,
        ip_kept=stored_ip(site, ip),
        visitor_id=counted,
        known=visitor_id is not None,
        token=token,
        url=url,
        title=title,
        referrer=referrer,
        ip=ip,
        locate=rt.geo.locate if rt.geo is not None else None,
        agent=agent,
        timeout=timedelta(seconds=rt.settings.visit_timeout_seconds),
    )
    if rt.settings.is_sqlite:
        arrived = await _arrive_in_turn(rt, counted, write)
    else:
        arrived = await _arrive_locked(rt, counted, visitor_id is not None, token, site.id, write)
    if arrived is None:
        return None
    visitor = Visitor.model_construct(
        **{name: getattr(arrived.visitor, name) for name in _VISITOR_FIELDS}
    )
    return Arrival(
        visitor,
        arrived.page_view_id,
        arrived.conversation,
        arrived.new_visit,
        arrived.resumed,
        arrived.journey,
    )


class _Turns:
    """One at a time per key, in this process."""

    def __init__(self) -> None:
        self._locks: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @asynccontextmanager
    async def of(self, key: str) -> AsyncIterator[None]:
        lock, users = self._locks.setdefault(key, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with lock:
                yield
        finally:
            users[0] -= 1
            if not users[0]:
                del self._locks[key]


_arrivals = _Turns()


async def _arrive_in_turn(
    rt: Runtime, visitor_id: str, write: Callable[..., _Arrived | None]
) -> _Arrived | None:
    """Count the socket, then record the arrival, one arrival of the visitor at a time:
    SQLite has one process, so this orders the tabs arriving together as the row lock
    does on PostgreSQL (:func:`_arrive_locked`)."""
    async with _arrivals.of(visitor_id):
        was_online = not await rt.presence.visitor_connected(visitor_id)
        try:
            arrived = await rt.db.write(partial(write, was_online=was_online, now=utcnow()))
        except BaseException:
            await rt.presence.visitor_disconnected(visitor_id)
            raise
        if arrived is None:
            await rt.presence.visitor_disconnected(visitor_id)
        return arrived


async def _arrive_locked(
    rt: Runtime,
    visitor_id: str,
    known: bool,
    token: str | None,
    site_id: str,
    write: Callable[..., _Arrived | None],
) -> _Arrived | None:
    """Count the socket while the transaction that records the arrival holds the
    visitor's row, so that tabs arriving together on several processes agree on which
    page views are orphans: each is counted after the one before it committed."""
    counted = False
    try:
        async with rt.db.writing() as session:
            connection = await session.connection()
            if known and not await connection.run_sync(
                partial(_holds_token, visitor_id=visitor_id, token=token, site_id=site_id)
            ):
                return None
            was_online = not await rt.presence.visitor_connected(visitor_id)
            counted = True
            arrived = await connection.run_sync(partial(write, was_online=was_online, now=utcnow()))
            if arrived is None:
                raise RuntimeError("the visitor's row changed under its lock")
            return arrived
    except BaseException:
        if counted:
            await rt.presence.visitor_disconnected(visitor_id)
        raise


def _holds_token(connection: Connection, visitor_id: str, token: str | None, site_id: str) -> bool:
    visitor = _lock_visitor(connection, visitor_id)
    return visitor is not None and visitor.token == token and visitor.site_id == site_id


def _arrive(
    connection: Connection,
    *,
    site_id: str,
    search_params: Sequence[str],
    ip_kept: str | None,
    visitor_id: str,
    known: bool,
    token: str | None,
    url: str,
    title: str | None,
    referrer: str | None,
    ip: str | None,
    locate: Locate | None,
    agent: dict[str, Any] | None,
    was_online: bool,
    now: datetime,
    timeout: timedelta,
) -> _Arrived | None:
    """The write of :func:`arrive`; None if the known visitor no longer has ``token``.

    ``was_online``: whether another socket of the visitor was counted when this one
    was; without one, its open page views are orphans.
    """
    visitor: VisitorRecord | None
    if known:
        visitor = _lock_visitor(connection, visitor_id)
        if visitor is None or visitor.token != token or visitor.site_id != site_id:
            return None
    else:
        visitor = VisitorRecord(
            visitor_id, site_id, _new_token(), None, None, now, now, 1, None, None, None, False,
            None, 0.0,
        )  # fmt: skip
    resumed: PageRecord | None = None
    new_visit = not known
    if known:
        open_pages = [
            PageRecord(*row) for row in connection.execute(_OPEN_PAGES, {"visitor_id": visitor.id})
        ]
        if was_online:
            active = any(p.visible_since is not None for p in open_pages)
            new_visit = not active and _idle(visitor, now, timeout)
        else:
            new_visit = _idle(visitor, now, timeout)
            resumed = _settle_orphans(connection, visitor, open_pages, url, new_visit, now)
        if new_visit:
            _begin_visit(visitor)
        elif resumed is None:
            resumed = _reopen_left_page(connection, visitor, url, now)
    if new_visit or visitor.geo is None:
        # Locate once per visit, then keep only what the site's privacy setting allows.
        visitor.geo = locate(ip) if locate is not None else None
        visitor.ip = ip_kept
    visitor.user_agent = agent
    visitor.is_bot = bool(agent and agent.get("is_bot"))
    visitor.last_seen_at = now
    if resumed is not None:
        if title:
            resumed.title = title
        _update_page(connection, resumed, "title", "left_at", "visible_since")
        _save_arrived(connection, visitor, known)
        page_view_id = resumed.id
    else:
        _set_campaign(visitor, url)
        _save_arrived(connection, visitor, known)  # before a new visitor's page view refers to it
        page = _record_page_view(
            connection, search_params, visitor, url, title, referrer, now, None
        )
        page_view_id = page.id
    found = connection.execute(_OPEN_CONVERSATION, {"visitor_id": visitor.id}).first()
    conversation = Conversation.model_construct(**found._mapping) if found is not None else None
    journey = None
    if not visitor.is_bot:
        journey = Journey(
            visitor,
            _pages(connection, visitor.id, RECENT_PAGES),
            _keywords(connection, visitor.id),
        )
    return _Arrived(visitor, page_view_id, conversation, new_visit, resumed is not None, journey)


def _save_arrived(connection: Connection, visitor: VisitorRecord, known: bool) -> None:
    if not known:
        connection.execute(
            _INSERT_VISITOR, {name: getattr(visitor, name) for name in _VISITOR_FIELDS}
        )
        return
    _update_visitor(
        connection,
        visitor,
        "visits",
        "campaign",
        "geo",
        "ip",
        "user_agent",
        "is_bot",
        "last_seen_at",
        "dwell_closed_seconds",
    )


def _settle_orphans(
    connection: Connection,
    visitor: VisitorRecord,
    orphans: list[PageRecord],
    url: str,
    new_visit: bool,
    now: datetime,
) -> PageRecord | None:
    """Page views left open by a socket that died with its process: the one showing
    ``url`` is resumed (same visit only; the caller saves it), the others end when the
    visitor was last seen."""
    resumed = None
    for page in reversed(orphans):
        if resumed is None and not new_visit and _same_page(page.url, url):
            resumed = page
            continue
        left = max(visitor.last_seen_at, page.entered_at)
        page.dwell_seconds = _dwell(page, left)
        page.visible_since = None
        page.left_at = left
        visitor.dwell_closed_seconds += page.dwell_seconds
        _update_page(connection, page, "dwell_seconds", "visible_since", "left_at")
    if resumed is not None and resumed.visible_since is None:
        resumed.visible_since = now
    return resumed


def _reopen_left_page(
    connection: Connection, visitor: VisitorRecord, url: str, now: datetime
) -> PageRecord | None:
    """The page this visitor left last, if it is ``url`` and was left moments ago (the
    caller saves it)."""
    row = connection.execute(_LAST_LEFT_PAGE, {"visitor_id": visitor.id}).first()
    if row is None:
        return None
    last = PageRecord(*row)
    if last.left_at is None or not _same_page(last.url, url):
        return None
    if (now - last.left_at).total_seconds() > RESUME_SECONDS:
        return None
    visitor.dwell_closed_seconds = max(0.0, visitor.dwell_closed_seconds - last.dwell_seconds)
    last.left_at = None
    last.visible_since = now
    return last


# -- page.view -----------------------------------------------------------------------------


async def enter_page(
    rt: Runtime,
    site: Site,
    visitor_id: str,
    previous_page_view_id: str | None,
    url: str,
    title: str | None,
    referrer: str | None,
) -> Entered:
    """A page view in the same tab: the previous page is left, the new one entered."""
    return await rt.db.write(
        partial(
            _enter_page,
            search_params=site.search_params or DEFAULT_SITE_SEARCH_PARAMS,
            visitor_id=visitor_id,
            previous_page_view_id=previous_page_view_id,
            url=url,
            title=title,
            referrer=referrer,
            now=utcnow(),
            timeout=timedelta(seconds=rt.settings.visit_timeout_seconds),
        )
    )


async def view_page(
    rt: Runtime,
    site: Site,
    visitor_id: str,
    previous_page_view_id: str | None,
    url: str,
    title: str | None,
    referrer: str | None,
) -> str:
    """:func:`enter_page`, for callers that only want the new page view's id."""
    entered = await enter_page(rt, site, visitor_id, previous_page_view_id, url, title, referrer)
    return entered.page_view_id


def _enter_page(
    connection: Connection,
    *,
    search_params: Sequence[str],
    visitor_id: str,
    previous_page_view_id: str | None,
    url: str,
    title: str | None,
    referrer: str | None,
    now: datetime,
    timeout: timedelta,
) -> Entered:
    """The write of :func:`enter_page`. The pages it loads (every open one among them)
    answer its questions and, changed as it changes them, make the journey."""
    visitor = _lock_visitor(connection, visitor_id)
    if visitor is None:
        raise NotFound("visitor_not_found", "this visitor no longer exists")
    pages = None if visitor.is_bot else _pages(connection, visitor_id, RECENT_PAGES)
    previous = None
    if previous_page_view_id:
        if pages is not None:
            previous = next((p for p in reversed(pages) if p.id == previous_page_view_id), None)
        if previous is None:
            previous = _page(connection, previous_page_view_id)
    changed = ["last_seen_at"]
    watching = (
        previous is not None and previous.left_at is None and previous.visible_since is not None
    )
    if (
        not watching
        and _idle(visitor, now, timeout)
        and not _has_visible_page(connection, visitor_id, pages)
    ):
        _begin_visit(visitor)
        changed += ("visits", "campaign")
    if previous is not None and previous.left_at is None:
        _close_page(visitor, previous, now)
        _update_page(connection, previous, "dwell_seconds", "visible_since", "left_at")
        changed.append("dwell_closed_seconds")
    visitor.last_seen_at = now
    keywords = None if pages is None else _keywords(connection, visitor_id)
    page = _record_page_view(
        connection, search_params, visitor, url, title, referrer, now, keywords
    )
    if _set_campaign(visitor, url) and "campaign" not in changed:
        changed.append("campaign")
    _update_visitor(connection, visitor, *changed)
    if pages is None or keywords is None:
        return Entered(page.id, None)
    pages.append(page)
    return Entered(page.id, Journey(visitor, _latest(pages), keywords))


# -- visibility and leaving ----------------------------------------------------------------


async def set_visibility(rt: Runtime, visitor_id: str, page_view_id: str, visible: bool) -> None:
    await rt.db.write(
        partial(
            _set_visibility,
            visitor_id=visitor_id,
            page_view_id=page_view_id,
            visible=visible,
            now=utcnow(),
            timeout=timedelta(seconds=rt.settings.visit_timeout_seconds),
        )
    )


def _set_visibility(
    connection: Connection,
    *,
    visitor_id: str,
    page_view_id: str,
    visible: bool,
    now: datetime,
    timeout: timedelta,
) -> None:
    visitor = _lock_visitor(connection, visitor_id)
    page = _page(connection, page_view_id)
    if page is None or page.left_at is not None or visitor is None:
        return
    changed = ["last_seen_at"]
    if visible and page.visible_since is None:
        if _idle(visitor, now, timeout) and not _has_visible_page(connection, visitor_id, None):
            _begin_visit(visitor)  # back after a long while in another tab or app
            changed += ("visits", "campaign")
        page.visible_since = now
        _update_page(connection, page, "visible_since")
    elif not visible and page.visible_since is not None:
        page.dwell_seconds = _dwell(page, now)
        page.visible_since = None
        _update_page(connection, page, "dwell_seconds", "visible_since")
    visitor.last_seen_at = now
    _update_visitor(connection, visitor, *changed)


async def leave(rt: Runtime, visitor_id: str, page_view_id: str | None) -> None:
    """The socket of one tab closed: its page is left, and the visitor was last seen now."""
    await rt.db.write(
        partial(_leave, visitor_id=visitor_id, page_view_id=page_view_id, now=utcnow())
    )


def _leave(
    connection: Connection, *, visitor_id: str, page_view_id: str | None, now: datetime
) -> None:
    visitor = _lock_visitor(connection, visitor_id)
    if visitor is None:
        return
    changed = ["last_seen_at"]
    page = _page(connection, page_view_id) if page_view_id else None
    if page is not None and page.left_at is None:
        row = connection.execute(
            _SUCCESSOR,
            {
                "visitor_id": visitor_id,
                "url": page.url,
                "page_id": page.id,
                "entered_at": page.entered_at,
                "fold_since": now - timedelta(seconds=FOLD_SECONDS),
            },
        ).first()
        if row is not None:
            _fold(connection, page, PageRecord(*row), now)
        else:
            _close_page(visitor, page, now)
            _update_page(connection, page, "dwell_seconds", "visible_since", "left_at")
            changed.append("dwell_closed_seconds")
    visitor.last_seen_at = now
    _update_visitor(connection, visitor, *changed)


def _fold(connection: Connection, page: PageRecord, successor: PageRecord, now: datetime) -> None:
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
    _update_page(connection, successor, "dwell_seconds", "entered_at", "referrer")
    connection.execute(_DELETE_PAGE, {"b_id": page.id})


# -- contact details -----------------------------------------------------------------------


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
    online = await rt.presence.visitor_online(visitor_id)
    journey = await rt.db.read(partial(_load_journey, visitor_id=visitor_id, page_limit=page_limit))
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


async def publish_visitor(rt: Runtime, visitor_id: str, journey: Journey | None = None) -> None:
    """``visitor.updated`` to agents (never for bots): from ``journey`` when the command
    that changed the visitor loaded it, else as stored now."""
    online = await rt.presence.visitor_online(visitor_id)
    if journey is None:
        journey = await rt.db.read(
            partial(_load_journey, visitor_id=visitor_id, page_limit=RECENT_PAGES)
        )
        if journey is None:
            return
    if journey.visitor.is_bot:
        return
    await rt.publish([VisitorMoved(journey, online, utcnow(), RECENT_PAGES)])


async def publish_left(rt: Runtime, visitor_id: str) -> None:
    await rt.publish([VisitorLeft(visitor_id)])


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
    for key in [key for key, known in _known_tokens.items() if known == visitor_id]:
        del _known_tokens[key]
    await rt.db.checkpoint()
