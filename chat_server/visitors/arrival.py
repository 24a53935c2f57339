"""``hello``: who the visitor is, its socket counted, its page recorded; and what
agents hear of it once the socket has been welcomed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import Connection

from chat_server.model.events import DomainEvent
from chat_server.model.tables import Site, new_id, utcnow
from chat_server.runtime.state import Runtime
from chat_server.tracking.agents import parse_user_agent
from chat_server.tracking.referrers import DEFAULT_SITE_SEARCH_PARAMS
from chat_server.visitors import tokens
from chat_server.visitors.departure import cancel_departure
from chat_server.visitors.reconnects import Arrival, record_arrival
from chat_server.visitors.rules import stored_ip
from chat_server.visitors.store import lock_visitor
from chat_server.visitors.updates import visitor_moved

Write = Callable[..., Arrival | None]


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
    connected, and record the page view (or resume the one it reconnects to). A
    departure of the visitor still pending is called off.

    The tabs of one visitor arriving together are counted and recorded one after
    the other, so that they agree on which page views are orphans.

    Agents hear of the arrival through :func:`arrival_events`, once the caller has
    welcomed the socket.
    """
    agent = parse_user_agent(user_agent)
    given = token
    visitor_id = tokens.known_visitor(site.id, token) if token else None
    looked_up = False
    while True:
        if token and visitor_id is None and not looked_up:
            looked_up = True
            visitor_id = await rt.db.read(
                partial(tokens.visitor_id_by_token, site_id=site.id, token=token)
            )
        arrival = await _arrive_as(rt, site, token, visitor_id, url, title, referrer, ip, agent)
        if arrival is not None:
            tokens.remember(site.id, arrival.visitor.token, arrival.visitor.id)
            cancel_departure(arrival.visitor.id)
            return arrival
        # The visitor is gone (erased) or the remembered id was stale: look the token up
        # again, and if it is gone since, the token is an unknown one.
        if given:
            tokens.forget(site.id, given)
        if looked_up:
            token = None
        visitor_id = None


async def arrival_events(rt: Runtime, arrival: Arrival) -> list[DomainEvent]:
    """The ``visitor.updated`` an arrival leads to (none for a bot), online and as of
    now: asked for once the socket has its welcome."""
    if arrival.journey is None:
        return []
    return await visitor_moved(rt, arrival.visitor.id, arrival.journey)


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
        record_arrival,
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
    if rt.db.is_embedded or visitor_id is None:
        # A new visitor's id is known to no other socket or process yet: no row to hold,
        # and its write can share a batched transaction.
        return await _arrive_in_turn(rt, counted, write)
    return await _arrive_locked(rt, counted, visitor_id is not None, token, site.id, write)


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


async def _arrive_in_turn(rt: Runtime, visitor_id: str, write: Write) -> Arrival | None:
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
    rt: Runtime, visitor_id: str, known: bool, token: str | None, site_id: str, write: Write
) -> Arrival | None:
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
    visitor = lock_visitor(connection, visitor_id)
    return visitor is not None and visitor.token == token and visitor.site_id == site_id
