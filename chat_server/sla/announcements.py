"""SLA announcements and the end of unanswered waits, run periodically by the scheduler.

Whatever must happen once is decided by a conditional UPDATE in the database
(only the process whose update changed the row announces), never by process
memory, so any number of processes may run these side by side.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import select, update

from chat_server.model.events import ConversationChanged, SlaAlerted
from chat_server.model.tables import Conversation, Visitor, Wait, WaitStatus, utcnow
from chat_server.observe import metrics
from chat_server.runtime.state import Runtime
from chat_server.sla.waits import close_wait

OPEN = WaitStatus.open.value


async def announce_sla(rt: Runtime, now: datetime | None = None) -> int:
    """Announce each wait's warning and breach once; returns how many were announced."""
    now = now or utcnow()
    sent = 0
    levels: tuple[tuple[Any, Any, Literal["warning", "breached"]], ...] = (
        (Wait.warn_at, Wait.warned_at, "warning"),
        (Wait.due_at, Wait.breach_announced_at, "breached"),
    )
    for column_due, column_done, level in levels:
        async with rt.db.reading() as session:
            due = list(
                (
                    await session.execute(
                        select(Wait).where(
                            Wait.status == OPEN,
                            column_done.is_(None),
                            column_due <= now,
                        )
                    )
                ).scalars()
            )
        for wait in due:
            async with rt.db.writing() as session:
                result = await session.execute(
                    update(Wait)
                    .where(Wait.id == wait.id, Wait.status == OPEN, column_done.is_(None))
                    .values({column_done.key: now})
                )
            if result.rowcount != 1:
                continue  # another process announced it
            sent += 1
            if level == "breached":
                metrics.SLA_BREACHES.labels(wait.kind).inc()
            waited = (now - wait.opened_at).total_seconds()
            await rt.publish(
                [
                    SlaAlerted(
                        level,
                        wait.conversation_id,
                        wait.kind,
                        waited,
                        wait.target_seconds,
                        wait.site_id,
                    )
                ]
            )
    return sent


async def close_waits_of_departed(rt: Runtime, now: datetime | None = None) -> int:
    """A wait whose visitor has had no socket for ``visitor_left_seconds`` ends unanswered."""
    if not rt.bus.healthy:
        return 0  # while Redis is away, visitors on other processes look offline from here
    now = now or utcnow()
    cutoff = now - timedelta(seconds=rt.settings.visitor_left_seconds)
    async with rt.db.reading() as session:
        rows = (
            await session.execute(
                select(Conversation.id, Visitor.id)
                .join(Visitor, Visitor.id == Conversation.visitor_id)
                .where(Conversation.waiting_since.is_not(None), Visitor.last_seen_at <= cutoff)
            )
        ).all()
    if not rows:
        return 0
    online = await rt.presence.online_visitors()
    closed = 0
    for conversation_id, visitor_id in rows:
        if visitor_id in online:
            continue
        async with rt.db.writing() as session:
            conversation = (
                await session.execute(
                    select(Conversation)
                    .where(Conversation.id == conversation_id)
                    .with_for_update(key_share=True)
                )
            ).scalar_one_or_none()
            visitor = await session.get(Visitor, visitor_id)
            if conversation is None or visitor is None:
                continue
            # The wait ends when the visitor was judged gone, not at this job's tick.
            gone_at = visitor.last_seen_at + timedelta(seconds=rt.settings.visitor_left_seconds)
            ended_at = max(conversation.waiting_since or gone_at, min(gone_at, now))
            mirror = {"id": conversation.id, "waiting_since": conversation.waiting_since}
            connection = await session.connection()
            if not await connection.run_sync(close_wait, mirror, ended_at, None):
                continue
            conversation.waiting_since = conversation.wait_kind = None
        closed += 1
        await rt.publish([ConversationChanged(conversation, visitor, False)])
    return closed
