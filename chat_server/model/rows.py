"""Rows as the hot paths load and change them: one slotted shape per table.

Core statements build these from result rows (``Row(**row._mapping)``) and the wire
views read them; the SQLModel classes in :mod:`chat_server.model.tables` declare
the schema and serve the colder ORM paths. The field names are the columns'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple


@dataclass(slots=True)
class VisitorRecord:
    """A visitor's row (the fields of :class:`~chat_server.model.tables.Visitor`)."""

    id: str
    site_id: str
    token: str
    name: str | None
    email: str | None
    first_seen_at: datetime
    last_seen_at: datetime
    visits: int
    ip: str | None
    geo: dict[str, Any] | None
    user_agent: dict[str, Any] | None
    is_bot: bool
    campaign: dict[str, str] | None
    dwell_closed_seconds: float


@dataclass(slots=True)
class PageRecord:
    """A page view's row (the fields of :class:`~chat_server.model.tables.PageView`)."""

    id: str
    visitor_id: str
    url: str
    title: str | None
    referrer: str | None
    entered_at: datetime
    left_at: datetime | None
    dwell_seconds: float
    visible_since: datetime | None


class KeywordRecord(NamedTuple):
    keyword: str
    source: str
    at: datetime


@dataclass(slots=True)
class Journey:
    """What ``visitor.updated`` is made of, as committed: the visitor's row, its pages
    in the order they were entered (the latest ones, and every open one, whose running
    time counts in ``time_on_site_seconds``) and its search words."""

    visitor: VisitorRecord
    pages: list[PageRecord]
    keywords: list[KeywordRecord]
    #: How many pages the visitor has viewed in all (``pages`` holds the latest).
    pages_total: int = 0
