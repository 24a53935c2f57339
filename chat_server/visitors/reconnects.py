"""The write of a ``hello``: the visitor's row and the page view it shows, a
reconnect counted once (see :mod:`chat_server.visitors.rules`)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from chat_server.model.rows import Journey, KeywordRecord, PageRecord, VisitorRecord
from chat_server.model.tables import Conversation
from chat_server.storage.prepared import Prepared
from chat_server.visitors import statements as sql
from chat_server.visitors.rules import (
    RECENT_PAGES,
    RESUME_SECONDS,
    begin_visit,
    dwell,
    idle,
    same_page,
    set_campaign,
)
from chat_server.visitors.store import (
    keywords,
    lock_visitor,
    recent_pages,
    record_page_view,
    update_page,
    update_visitor,
)

# What every hello runs, with little per-call overhead (storage.prepared).
_OPEN_PAGES = Prepared(sql.OPEN_PAGES)
_OPEN_CONVERSATION = Prepared(sql.OPEN_CONVERSATION)
_INSERT_VISITOR = Prepared(sql.INSERT_VISITOR)
_LAST_LEFT_PAGE = Prepared(sql.LAST_LEFT_PAGE)

Locate = Callable[[str | None], dict[str, Any] | None]


@dataclass(slots=True)
class Arrival:
    """What a ``hello`` recorded, as committed."""

    visitor: VisitorRecord
    page_view_id: str
    conversation: Conversation | None
    new_visit: bool
    resumed: bool
    #: For ``visitor.updated``; None for a bot (agents never hear of bots).
    journey: Journey | None
    #: A visitor created by this hello: it has no history to read back.
    created: bool = False


def record_arrival(
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
) -> Arrival | None:
    """The write of :func:`~chat_server.visitors.arrival.arrive`; None if the known
    visitor no longer has ``token``.

    ``was_online``: whether another socket of the visitor was counted when this one
    was; without one, its open page views are orphans.
    """
    visitor: VisitorRecord | None
    if known:
        visitor = lock_visitor(connection, visitor_id)
        if visitor is None or visitor.token != token or visitor.site_id != site_id:
            return None
    else:
        visitor = VisitorRecord(
            visitor_id, site_id, secrets.token_urlsafe(24), None, None, now, now, 1, None, None,
            None, False, None, 0.0,
        )  # fmt: skip
    resumed: PageRecord | None = None
    new_visit = not known
    if known:
        open_pages = [
            PageRecord(*row) for row in _OPEN_PAGES.all(connection, {"visitor_id": visitor.id})
        ]
        if was_online:
            active = any(p.visible_since is not None for p in open_pages)
            new_visit = not active and idle(visitor, now, timeout)
        else:
            new_visit = idle(visitor, now, timeout)
            resumed = _settle_orphans(connection, visitor, open_pages, url, new_visit, now)
        if new_visit:
            begin_visit(visitor)
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
        update_page(connection, resumed, "title", "left_at", "visible_since")
        _save_arrived(connection, visitor, known)
        page_view_id = resumed.id
    else:
        set_campaign(visitor, url)
        _save_arrived(connection, visitor, known)  # before a new visitor's page view refers to it
        # A new visitor has no search words yet, so the page view's are all of them.
        searched: list[KeywordRecord] | None = None if known else []
        page = record_page_view(
            connection, search_params, visitor, url, title, referrer, now, searched
        )
        page_view_id = page.id
        if not known:
            # Created by this statement: no conversation and no other page to read back
            # (the hello of every new shopper, the commonest arrival, saves four queries).
            journey = None if visitor.is_bot else Journey(visitor, [page], searched or [], 1)
            return Arrival(visitor, page_view_id, None, True, False, journey, created=True)
    found = _OPEN_CONVERSATION.first_named(connection, {"visitor_id": visitor.id})
    conversation = Conversation.model_construct(**found) if found is not None else None
    journey = None
    if not visitor.is_bot:
        loaded, total = recent_pages(connection, visitor.id, RECENT_PAGES)
        journey = Journey(visitor, loaded, keywords(connection, visitor.id), total)
    return Arrival(visitor, page_view_id, conversation, new_visit, resumed is not None, journey)


def _save_arrived(connection: Connection, visitor: VisitorRecord, known: bool) -> None:
    if not known:
        _INSERT_VISITOR.run(
            connection, {name: getattr(visitor, name) for name in sql.VISITOR_FIELDS}
        )
        return
    update_visitor(
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
        if resumed is None and not new_visit and same_page(page.url, url):
            resumed = page
            continue
        left = max(visitor.last_seen_at, page.entered_at)
        page.dwell_seconds = dwell(page, left)
        page.visible_since = None
        page.left_at = left
        visitor.dwell_closed_seconds += page.dwell_seconds
        update_page(connection, page, "dwell_seconds", "visible_since", "left_at")
    if resumed is not None and resumed.visible_since is None:
        resumed.visible_since = now
    return resumed


def _reopen_left_page(
    connection: Connection, visitor: VisitorRecord, url: str, now: datetime
) -> PageRecord | None:
    """The page this visitor left last, if it is ``url`` and was left moments ago (the
    caller saves it)."""
    row = _LAST_LEFT_PAGE.first(connection, {"visitor_id": visitor.id})
    if row is None:
        return None
    last = PageRecord(*row)
    if last.left_at is None or not same_page(last.url, url):
        return None
    if (now - last.left_at).total_seconds() > RESUME_SECONDS:
        return None
    visitor.dwell_closed_seconds = max(0.0, visitor.dwell_closed_seconds - last.dwell_seconds)
    last.left_at = None
    last.visible_since = now
    return last
