"""The rules of a journey: visits, dwell time, reconnects; small and pure.

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

from datetime import datetime, timedelta
from operator import attrgetter
from typing import cast

from chat_server.model.rows import PageRecord, VisitorRecord
from chat_server.model.tables import IpMode, PageView, Site
from chat_server.tracking.privacy import truncate_ip
from chat_server.tracking.referrers import extract_campaign
from chat_server.wire.views import running_dwell

#: How many of a visitor's latest pages agents are sent (every open one besides).
RECENT_PAGES = 5
RESUME_SECONDS = 10.0
FOLD_SECONDS = 60.0


def stored_ip(site: Site, ip: str | None) -> str | None:
    """What the site's ``ip_mode`` lets us keep of an address (after geolocation)."""
    if site.ip_mode == IpMode.none:
        return None
    if site.ip_mode == IpMode.truncate:
        return truncate_ip(ip)
    return ip


def same_page(a: str, b: str) -> bool:
    return a.partition("#")[0] == b.partition("#")[0]


def idle(visitor: VisitorRecord, now: datetime, timeout: timedelta) -> bool:
    return now - visitor.last_seen_at > timeout


def dwell(page: PageRecord, now: datetime) -> float:
    return running_dwell(cast(PageView, page), now)


def begin_visit(visitor: VisitorRecord) -> None:
    visitor.visits += 1
    visitor.campaign = None


def close_page(visitor: VisitorRecord, page: PageRecord, now: datetime) -> None:
    page.dwell_seconds = dwell(page, now)
    page.visible_since = None
    page.left_at = now
    visitor.dwell_closed_seconds += page.dwell_seconds


def set_campaign(visitor: VisitorRecord, url: str) -> bool:
    """The page's ``utm_*`` parameters are the visit's campaign; whether there were any
    (the caller saves the visitor)."""
    campaign = extract_campaign(url)
    if campaign:
        visitor.campaign = campaign
    return bool(campaign)


def latest(pages: list[PageRecord]) -> list[PageRecord]:
    """``pages`` by entry, keeping the latest :data:`RECENT_PAGES` and every open one."""
    pages.sort(key=attrgetter("entered_at"))
    cut = len(pages) - RECENT_PAGES
    if cut <= 0:
        return pages
    return [page for i, page in enumerate(pages) if i >= cut or page.left_at is None]
