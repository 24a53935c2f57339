"""A tab closing, and a visitor leaving: the page left (or folded into the same page of
a newer socket), then ``visitor.left`` once no socket came back for the grace period.

A socket counted by :func:`~chat_server.visitors.arrival.arrive` is uncounted here,
by :func:`close_tab`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Connection

from chat_server.model.rows import PageRecord
from chat_server.model.tables import utcnow
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.storage.prepared import Prepared
from chat_server.visitors import statements as sql
from chat_server.visitors.queries import site_of_visitor
from chat_server.visitors.rules import FOLD_SECONDS, close_page
from chat_server.visitors.store import lock_visitor, page, update_page, update_visitor
from chat_server.visitors.updates import as_stored, gone

# What every closed tab runs, with little per-call overhead (storage.prepared).
_SUCCESSOR = Prepared(sql.SUCCESSOR)
_DELETE_PAGE = Prepared(sql.DELETE_PAGE)

log = logging.getLogger("chat_server.visitors.departure")

# Pending departures of this process, one per visitor: a visitor who comes back
# within the grace period cancels it, and leaving again replaces it, so agents
# get one visitor.left per departure.
_departures: dict[str, asyncio.Task[None]] = {}


async def close_tab(rt: Runtime, visitor_id: str, page_view_id: str | None, is_bot: bool) -> None:
    """The socket of one tab closed: its page is left and the socket uncounted. Agents
    hear which tab is current now, or, if it was the last one, that the visitor left
    once the grace period passes without a socket. Failures are logged, not raised."""
    try:
        await leave(rt, visitor_id, page_view_id)
    except Exception:
        log.warning("could not record that visitor %s left", visitor_id, exc_info=True)
    try:
        last = await rt.presence.visitor_disconnected(visitor_id)
        if is_bot:
            return
        if last:
            schedule_departure(rt, visitor_id)
        else:  # another tab is current now
            await deliver(rt, as_stored(rt, visitor_id))
    except Exception:
        log.warning("could not announce that visitor %s left", visitor_id, exc_info=True)


def schedule_departure(rt: Runtime, visitor_id: str) -> None:
    cancel_departure(visitor_id)
    task = asyncio.get_running_loop().create_task(
        _announce_departure(rt, visitor_id), name=f"departure:{visitor_id}"
    )
    _departures[visitor_id] = task

    def forget(done: asyncio.Task[None]) -> None:
        if _departures.get(visitor_id) is done:
            del _departures[visitor_id]

    task.add_done_callback(forget)


def cancel_departure(visitor_id: str) -> None:
    task = _departures.pop(visitor_id, None)
    if task is not None:
        task.cancel()


async def _announce_departure(rt: Runtime, visitor_id: str) -> None:
    """``visitor.left`` once the visitor has had no socket for the grace period."""
    await asyncio.sleep(rt.settings.visitor_grace_seconds)
    if not await rt.presence.visitor_online(visitor_id):
        await deliver(rt, gone(visitor_id, await site_of_visitor(rt, visitor_id)))


async def leave(rt: Runtime, visitor_id: str, page_view_id: str | None) -> None:
    """The socket of one tab closed: its page is left, and the visitor was last seen now."""
    await rt.db.write(
        partial(_leave, visitor_id=visitor_id, page_view_id=page_view_id, now=utcnow())
    )


def _leave(
    connection: Connection, *, visitor_id: str, page_view_id: str | None, now: datetime
) -> None:
    visitor = lock_visitor(connection, visitor_id)
    if visitor is None:
        return
    changed = ["last_seen_at"]
    left = page(connection, page_view_id) if page_view_id else None
    if left is not None and left.left_at is None:
        row = _SUCCESSOR.first(
            connection,
            {
                "visitor_id": visitor_id,
                "url": left.url,
                "page_id": left.id,
                "entered_at": left.entered_at,
                "fold_since": now - timedelta(seconds=FOLD_SECONDS),
            },
        )
        if row is not None:
            _fold(connection, left, PageRecord(*row), now)
        else:
            close_page(visitor, left, now)
            update_page(connection, left, "dwell_seconds", "visible_since", "left_at")
            changed.append("dwell_closed_seconds")
    visitor.last_seen_at = now
    update_visitor(connection, visitor, *changed)


def _fold(connection: Connection, left: PageRecord, successor: PageRecord, now: datetime) -> None:
    """``successor`` (open, same URL, entered later) continues ``left``: one view, not two.

    ``left`` was visible at most until ``successor`` began, since that is when the
    visitor was already looking at the new socket's copy of it.
    """
    if left.visible_since is not None:
        until = min(now, successor.entered_at)
        left.dwell_seconds += max(0.0, (until - left.visible_since).total_seconds())
    successor.dwell_seconds += left.dwell_seconds
    successor.entered_at = left.entered_at
    successor.referrer = left.referrer
    update_page(connection, successor, "dwell_seconds", "entered_at", "referrer")
    _DELETE_PAGE.run(connection, {"b_id": left.id})
