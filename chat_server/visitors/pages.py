"""``page.view`` and visibility: the pages a visitor enters, leaves, looks at."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Connection

from chat_server.model.errors import NotFound
from chat_server.model.events import DomainEvent
from chat_server.model.rows import Journey
from chat_server.model.tables import Site, utcnow
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.tracking.referrers import DEFAULT_SITE_SEARCH_PARAMS
from chat_server.visitors.rules import (
    RECENT_PAGES,
    begin_visit,
    close_page,
    dwell,
    idle,
    latest,
    set_campaign,
)
from chat_server.visitors.store import (
    has_visible_page,
    keywords,
    lock_visitor,
    page,
    recent_pages,
    record_page_view,
    update_page,
    update_visitor,
)
from chat_server.visitors.updates import visitor_moved


@dataclass(slots=True)
class Entered:
    page_view_id: str
    #: For ``visitor.updated``; None for a bot (agents never hear of bots).
    journey: Journey | None
    events: list[DomainEvent] = field(default_factory=list)


async def enter_page(
    rt: Runtime,
    site: Site,
    visitor_id: str,
    previous_page_view_id: str | None,
    url: str,
    title: str | None,
    referrer: str | None,
    on_stored: Callable[[Entered], None] | None = None,
) -> Entered:
    """A page view in the same tab: the previous page is left, the new one entered;
    agents hear of it after ``on_stored``."""
    return await deliver(
        rt,
        _enter_page(
            rt,
            search_params=site.search_params or DEFAULT_SITE_SEARCH_PARAMS,
            visitor_id=visitor_id,
            previous_page_view_id=previous_page_view_id,
            url=url,
            title=title,
            referrer=referrer,
        ),
        on_stored,
    )


async def _enter_page(
    rt: Runtime,
    *,
    search_params: Sequence[str],
    visitor_id: str,
    previous_page_view_id: str | None,
    url: str,
    title: str | None,
    referrer: str | None,
) -> Entered:
    entered = await rt.db.write(
        partial(
            _enter_page_write,
            search_params=search_params,
            visitor_id=visitor_id,
            previous_page_view_id=previous_page_view_id,
            url=url,
            title=title,
            referrer=referrer,
            now=utcnow(),
            timeout=timedelta(seconds=rt.settings.visit_timeout_seconds),
        )
    )
    if entered.journey is not None:
        entered.events = await visitor_moved(rt, visitor_id, entered.journey)
    return entered


def _enter_page_write(
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
    visitor = lock_visitor(connection, visitor_id)
    if visitor is None:
        raise NotFound("visitor_not_found", "this visitor no longer exists")
    loaded, total = (
        (None, 0) if visitor.is_bot else recent_pages(connection, visitor_id, RECENT_PAGES)
    )
    previous = None
    if previous_page_view_id:
        if loaded is not None:
            previous = next((p for p in reversed(loaded) if p.id == previous_page_view_id), None)
        if previous is None:
            previous = page(connection, previous_page_view_id)
    changed = ["last_seen_at"]
    watching = (
        previous is not None and previous.left_at is None and previous.visible_since is not None
    )
    if (
        not watching
        and idle(visitor, now, timeout)
        and not has_visible_page(connection, visitor_id, loaded)
    ):
        begin_visit(visitor)
        changed += ("visits", "campaign")
    if previous is not None and previous.left_at is None:
        close_page(visitor, previous, now)
        update_page(connection, previous, "dwell_seconds", "visible_since", "left_at")
        changed.append("dwell_closed_seconds")
    visitor.last_seen_at = now
    searched = None if loaded is None else keywords(connection, visitor_id)
    new = record_page_view(connection, search_params, visitor, url, title, referrer, now, searched)
    if set_campaign(visitor, url) and "campaign" not in changed:
        changed.append("campaign")
    update_visitor(connection, visitor, *changed)
    if loaded is None or searched is None:
        return Entered(new.id, None)
    loaded.append(new)
    return Entered(new.id, Journey(visitor, latest(loaded), searched, total + 1))


async def set_visibility(rt: Runtime, visitor_id: str, page_view_id: str, visible: bool) -> None:
    """The tab showing the page was shown or hidden (agents are not told)."""
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
    visitor = lock_visitor(connection, visitor_id)
    shown = page(connection, page_view_id)
    if shown is None or shown.left_at is not None or visitor is None:
        return
    changed = ["last_seen_at"]
    if visible and shown.visible_since is None:
        if idle(visitor, now, timeout) and not has_visible_page(connection, visitor_id, None):
            begin_visit(visitor)  # back after a long while in another tab or app
            changed += ("visits", "campaign")
        shown.visible_since = now
        update_page(connection, shown, "visible_since")
    elif not visible and shown.visible_since is not None:
        shown.dwell_seconds = dwell(shown, now)
        shown.visible_since = None
        update_page(connection, shown, "dwell_seconds", "visible_since")
    visitor.last_seen_at = now
    update_visitor(connection, visitor, *changed)
