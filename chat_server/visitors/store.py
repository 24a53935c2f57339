"""Loading and saving a visitor's rows over a Core connection (see :mod:`.statements`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Connection

from chat_server.model.rows import Journey, KeywordRecord, PageRecord, VisitorRecord
from chat_server.model.tables import new_id
from chat_server.storage.prepared import Prepared
from chat_server.tracking.referrers import extract_keywords
from chat_server.visitors import statements as sql

# What every page view and hello runs, with little per-call overhead (storage.prepared).
_UPDATE_VISITOR = Prepared(sql.UPDATE_VISITOR)
_UPDATE_PAGE = Prepared(sql.UPDATE_PAGE)
_LOCK_VISITOR = Prepared(sql.LOCK_VISITOR)
_VISITOR_BY_ID = Prepared(sql.VISITOR_BY_ID)
_PAGE_BY_ID = Prepared(sql.PAGE_BY_ID)
_ALL_PAGES = Prepared(sql.ALL_PAGES)
_LATEST_AND_OPEN_PAGES = Prepared(sql.LATEST_AND_OPEN_PAGES)
_PAGE_COUNT = Prepared(sql.PAGE_COUNT)
_KEYWORDS = Prepared(sql.KEYWORDS)
_VISIBLE_PAGE = Prepared(sql.VISIBLE_PAGE)
_INSERT_PAGE = Prepared(sql.INSERT_PAGE)
_INSERT_KEYWORD = Prepared(sql.INSERT_KEYWORD)


def update_visitor(connection: Connection, visitor: VisitorRecord, *columns: str) -> None:
    params: dict[str, Any] = {name: getattr(visitor, name) for name in columns}
    params["b_id"] = visitor.id
    _UPDATE_VISITOR.run(connection, params)


def update_page(connection: Connection, page: PageRecord, *columns: str) -> None:
    params: dict[str, Any] = {name: getattr(page, name) for name in columns}
    params["b_id"] = page.id
    _UPDATE_PAGE.run(connection, params)


def lock_visitor(connection: Connection, visitor_id: str) -> VisitorRecord | None:
    row = _LOCK_VISITOR.first(connection, {"visitor_id": visitor_id})
    return VisitorRecord(*row) if row is not None else None


def page(connection: Connection, page_view_id: str) -> PageRecord | None:
    row = _PAGE_BY_ID.first(connection, {"page_id": page_view_id})
    return PageRecord(*row) if row is not None else None


def pages(connection: Connection, visitor_id: str) -> list[PageRecord]:
    """Every page of the visitor, by entry."""
    return [PageRecord(*row) for row in _ALL_PAGES.all(connection, {"visitor_id": visitor_id})]


def recent_pages(
    connection: Connection, visitor_id: str, page_limit: int
) -> tuple[list[PageRecord], int]:
    """The visitor's latest ``page_limit`` pages and every open one, by entry, and how
    many pages the visitor has viewed in all."""
    rows = _LATEST_AND_OPEN_PAGES.all(
        connection, {"visitor_id": visitor_id, "page_limit": page_limit}
    )
    total = 0
    found: dict[str, PageRecord] = {}
    for *fields, pages_total in rows:
        if pages_total is not None:
            total = pages_total
        if fields[0] not in found:  # an open page among the latest comes twice
            found[fields[0]] = PageRecord(*fields)
    return sorted(found.values(), key=attrgetter("entered_at")), total


def page_count(connection: Connection, visitor_id: str) -> int:
    return int(_PAGE_COUNT.scalar(connection, {"visitor_id": visitor_id}))


def keywords(connection: Connection, visitor_id: str) -> list[KeywordRecord]:
    rows = _KEYWORDS.all(connection, {"visitor_id": visitor_id})
    return [KeywordRecord(*row) for row in rows]


def load_journey(connection: Connection, visitor_id: str, page_limit: int | None) -> Journey | None:
    row = _VISITOR_BY_ID.first(connection, {"visitor_id": visitor_id})
    if row is None:
        return None
    if page_limit is None:
        loaded, total = pages(connection, visitor_id), page_count(connection, visitor_id)
    else:
        loaded, total = recent_pages(connection, visitor_id, page_limit)
    return Journey(VisitorRecord(*row), loaded, keywords(connection, visitor_id), total)


def has_visible_page(
    connection: Connection, visitor_id: str, known_pages: list[PageRecord] | None
) -> bool:
    """Whether an open page of the visitor is visible; ``known_pages``, when given, hold
    every open page of the visitor."""
    if known_pages is not None:
        return any(p.left_at is None and p.visible_since is not None for p in known_pages)
    return _VISIBLE_PAGE.first(connection, {"visitor_id": visitor_id}) is not None


def record_page_view(
    connection: Connection,
    search_params: Sequence[str],
    visitor: VisitorRecord,
    url: str,
    title: str | None,
    referrer: str | None,
    now: datetime,
    known_keywords: list[KeywordRecord] | None,
) -> PageRecord:
    """Insert the page view and the search words it brings (see also
    :func:`~chat_server.visitors.rules.set_campaign`).

    ``known_keywords``, when given, are the visitor's search words, which the new ones join.
    """
    entered = PageRecord(new_id(), visitor.id, url, title, referrer or None, now, None, 0.0, now)
    _INSERT_PAGE.run(connection, {name: getattr(entered, name) for name in sql.PAGE_FIELDS})
    found = extract_keywords(url, referrer, search_params)
    if found:
        if known_keywords is None:
            known = {(row.keyword, row.source) for row in keywords(connection, visitor.id)}
        else:
            known = {(k.keyword, k.source) for k in known_keywords}
        new = [k for k in found if (k.keyword, k.source) not in known]
        if new:
            _INSERT_KEYWORD.run_many(
                connection,
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
            if known_keywords is not None:
                known_keywords.extend(KeywordRecord(k.keyword, k.source, now) for k in new)
                known_keywords.sort(key=attrgetter("at"))
    return entered
