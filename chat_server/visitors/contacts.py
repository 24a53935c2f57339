"""Contact details a visitor gives: its name and e-mail address."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.errors import DomainError, NotFound
from chat_server.model.events import VisitorIdentified
from chat_server.model.tables import Visitor, utcnow
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.visitors.rules import RECENT_PAGES
from chat_server.visitors.store import load_journey
from chat_server.visitors.updates import Update, visitor_moved

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


async def identify_contact(
    rt: Runtime,
    visitor_id: str,
    name: str | None,
    email: str | None,
    on_stored: Callable[[Update], None] | None = None,
) -> Update:
    """Store what the visitor gave (blanks keep what is stored); agents hear of it
    after ``on_stored``."""
    return await deliver(rt, _identify(rt, visitor_id, name, email), on_stored)


async def _identify(rt: Runtime, visitor_id: str, name: str | None, email: str | None) -> Update:
    name = (name or "").strip() or None
    email = (email or "").strip() or None
    if email is not None and not EMAIL.match(email):
        raise DomainError("invalid_email", "that e-mail address does not look right")
    async with rt.db.writing() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "this visitor no longer exists")
        changed = (name is not None and name != visitor.name) or (
            email is not None and email != visitor.email
        )
        if name is not None:
            visitor.name = name
        if email is not None:
            visitor.email = email
        if changed:
            await _announce_identified(rt, session, visitor_id)
    return Update(await visitor_moved(rt, visitor_id))


async def _announce_identified(rt: Runtime, session: AsyncSession, visitor_id: str) -> None:
    """``VisitorIdentified`` with the visitor as it commits, for the reactors (webhooks)."""
    await session.flush()
    connection = await session.connection()
    journey = await connection.run_sync(load_journey, visitor_id, RECENT_PAGES)
    if journey is not None and not journey.visitor.is_bot:
        await rt.db.record_events(session, [VisitorIdentified(journey, utcnow())])
