"""What agents hear of a visitor: the events of ``visitor.updated`` and ``visitor.left``.

Commands return an outcome whose ``events`` these build, and
:func:`~chat_server.runtime.delivery.deliver` publishes them once committed. Agents
never hear of bots.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

from chat_server.model.events import DomainEvent, VisitorLeft, VisitorMoved
from chat_server.model.rows import Journey
from chat_server.model.tables import utcnow
from chat_server.runtime.state import Runtime
from chat_server.visitors.rules import RECENT_PAGES
from chat_server.visitors.store import load_journey


@dataclass(slots=True)
class Update:
    """The outcome of a command that changes only what agents see of a visitor."""

    events: list[DomainEvent] = field(default_factory=list)


async def visitor_moved(
    rt: Runtime, visitor_id: str, journey: Journey | None = None
) -> list[DomainEvent]:
    """``visitor.updated`` (none for a bot): from ``journey`` when the command that
    changed the visitor loaded it, else as stored now; online as presence says now."""
    online = await rt.presence.visitor_online(visitor_id)
    if journey is None:
        journey = await rt.db.read(
            partial(load_journey, visitor_id=visitor_id, page_limit=RECENT_PAGES)
        )
        if journey is None:
            return []
    if journey.visitor.is_bot:
        return []
    return [VisitorMoved(journey, online, utcnow(), RECENT_PAGES)]


async def as_stored(rt: Runtime, visitor_id: str) -> Update:
    """The visitor as stored now, for agents (nothing to commit: a change another
    command stored, such as which tab is current once one closed)."""
    return Update(await visitor_moved(rt, visitor_id))


async def gone(visitor_id: str, site_id: str | None) -> Update:
    """``visitor.left``: the consoles of the visitor's site drop the visitor."""
    return Update([VisitorLeft(visitor_id, site_id)])
