"""The conversations waiting for an answer right now, for the dashboard."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from chat_server.model.tables import (
    Conversation,
    ConversationStatus,
    Visitor,
    Wait,
    WaitStatus,
    utcnow,
)
from chat_server.stats.figures import MICRO, duration_us
from chat_server.stats.period import SiteSet, on_sites
from chat_server.storage.database import Database
from chat_server.wire.views import iso


async def waiting_now(
    db: Database, sites: SiteSet = None, now: datetime | None = None
) -> dict[str, Any]:
    """The open conversations with an open wait, longest first (at most 100)."""
    now = now or utcnow()
    async with db.reading() as session:
        query = (
            select(Wait, Conversation, Visitor.name)
            .join(Conversation, Conversation.id == Wait.conversation_id)
            .join(Visitor, Visitor.id == Conversation.visitor_id)
            .where(
                Wait.status == WaitStatus.open.value,
                Conversation.status == ConversationStatus.open.value,
            )
            .order_by(Wait.opened_at)
            .limit(100)
        )
        query = query.where(*on_sites(Wait.site_id, sites))
        rows = (await session.execute(query)).all()
    waiting = []
    for wait, conversation, name in rows:
        state = "ok"
        if now >= wait.due_at:
            state = "breached"
        elif now >= wait.warn_at:
            state = "warning"
        waiting.append(
            {
                "conversation_id": conversation.id,
                "visitor_id": conversation.visitor_id,
                "visitor_name": name,
                "assignee_id": conversation.assignee_id,
                "kind": wait.kind,
                "waiting_since": iso(wait.opened_at),
                "waited_seconds": duration_us(wait.opened_at, None, now) / MICRO,
                "target_seconds": wait.target_seconds,
                "warn_at": iso(wait.warn_at),
                "due_at": iso(wait.due_at),
                "state": state,
            }
        )
    return {"now": iso(now), "waiting": waiting}
