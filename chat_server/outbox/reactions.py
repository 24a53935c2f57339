"""Reactors: what a committed change causes besides frames, written in its transaction.

A reactor gets the Core connection of the change's transaction and the domain events
the change returns; it writes outbox items (``items.enqueue``) and nothing else slow.
The application registers the reactors at start-up and hands :func:`react` to the
database (``Database.react``), which calls it inside every group-committed write and
every ORM session that records its events (``Database.record_events``). A reactor that
raises fails the change: an item that must not be lost is never skipped silently.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import Connection

from chat_server.model.events import DomainEvent

Reactor = Callable[[Connection, Sequence[DomainEvent]], None]

_reactors: list[Reactor] = []


def register(reactor: Reactor) -> None:
    """Add ``reactor`` (once: registering it again changes nothing)."""
    if reactor not in _reactors:
        _reactors.append(reactor)


def unregister(reactor: Reactor) -> None:
    if reactor in _reactors:
        _reactors.remove(reactor)


def react(connection: Connection, events: Sequence[DomainEvent]) -> None:
    """Run every registered reactor over ``events`` in the caller's transaction."""
    for reactor in _reactors:
        reactor(connection, events)
