"""Periodic work run from the lifespan: SLA warnings and breaches, departed visitors.

Whatever must happen once is decided by a conditional UPDATE in the database
(only the process whose update changed the row announces), never by process
memory, so any number of processes may run these loops side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta

from sqlalchemy import select, update

from chat_server import metrics, sla
from chat_server.bus import AGENTS_TOPIC, Event
from chat_server.models import Conversation, Visitor, Wait, WaitStatus, utcnow
from chat_server.protocol import dump
from chat_server.runtime import Runtime
from chat_server.views import conversation_view

log = logging.getLogger("chat_server.jobs")

OPEN = WaitStatus.open.value


async def announce_sla(rt: Runtime, now: datetime | None = None) -> int:
    """Send ``sla.warning`` and ``sla.breached`` once per wait; returns how many were sent."""
    now = now or utcnow()
    sent = 0
    for column_due, column_done, frame_type in (
        (Wait.warn_at, Wait.warned_at, "sla.warning"),
        (Wait.due_at, Wait.breach_announced_at, "sla.breached"),
    ):
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
            if frame_type == "sla.breached":
                metrics.SLA_BREACHES.labels(wait.kind).inc()
            waited = (now - wait.opened_at).total_seconds()
            await rt.publish(
                [
                    Event(
                        AGENTS_TOPIC,
                        dump(
                            {
                                "type": frame_type,
                                "conversation_id": wait.conversation_id,
                                "kind": wait.kind,
                                "waited_seconds": round(waited, 3),
                                "target_seconds": wait.target_seconds,
                            }
                        ),
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
            if not await sla.close_wait(session, conversation, ended_at, None):
                continue
        closed += 1
        await rt.publish(
            [
                Event(
                    AGENTS_TOPIC,
                    dump(
                        {
                            "type": "conversation.updated",
                            "conversation": conversation_view(conversation, visitor),
                        }
                    ),
                )
            ]
        )
    return closed


class JobRunner:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        interval = self.rt.settings.jobs_interval_seconds
        self._tasks = [
            asyncio.create_task(self._every(interval, announce_sla), name="sla"),
            asyncio.create_task(
                self._every(max(1.0, interval * 4), close_waits_of_departed), name="departed"
            ),
            asyncio.create_task(self._every(5.0, self._refresh_presence), name="presence"),
        ]
        from chat_server import garbage, retention

        self._tasks.append(
            asyncio.create_task(self._every(3600.0, retention.purge_expired), name="retention")
        )
        self._tasks.append(
            asyncio.create_task(
                self._after(garbage.FULL_COLLECTION_SECONDS, garbage.collect_fully), name="gc"
            )
        )

    async def _refresh_presence(self, rt: Runtime) -> object:
        await rt.presence.refresh()
        return None

    async def _every(self, seconds: float, job: object) -> None:
        while True:
            try:
                await job(self.rt)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("job %s failed", getattr(job, "__name__", job), exc_info=True)
            await asyncio.sleep(seconds)

    async def _after(self, seconds: float, job: object) -> None:
        """``job`` every ``seconds``, the first time after ``seconds``."""
        await asyncio.sleep(seconds)
        await self._every(seconds, job)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
