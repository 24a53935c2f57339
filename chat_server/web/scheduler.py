"""Periodic work run from the lifespan: SLA announcements, departed visitors, presence,
retention, routing (:class:`~chat_server.routing.router.Router`), the stats rollups'
fold and the scheduled full garbage collection.

The jobs decide what must happen once in the database, so any number of processes
may run these loops side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from chat_server.admin import retention
from chat_server.admin.sessions import close_revoked_sockets, purge_ended_sessions
from chat_server.observe import garbage
from chat_server.routing.router import Router
from chat_server.runtime.state import Runtime
from chat_server.sla.announcements import announce_sla, close_waits_of_departed
from chat_server.sla.rollup.fold import fold_pending

#: Waits folded per run at most, so a backlog (after an upgrade) is folded in steps,
#: and per transaction, which on SQLite holds the one writer (a few milliseconds).
FOLD_PER_RUN = 20_000
FOLD_BATCH = 500

log = logging.getLogger(__name__)


class JobRunner:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._tasks: list[asyncio.Task[None]] = []
        self.router = Router(rt)

    def start(self) -> None:
        # The router hears this process's committed events to route right after them.
        if self.rt.publisher is not None:
            self.rt.publisher = self.router.watch(self.rt.publisher)
        self.router.start()
        interval = self.rt.settings.jobs_interval_seconds
        self._tasks = [
            asyncio.create_task(self._every(interval, announce_sla), name="sla"),
            asyncio.create_task(
                self._every(max(1.0, interval * 4), close_waits_of_departed), name="departed"
            ),
            asyncio.create_task(self._every(5.0, self._refresh_presence), name="presence"),
            asyncio.create_task(
                self._every(self.rt.settings.stats_fold_seconds, self._fold_stats), name="stats"
            ),
        ]
        self._tasks.append(
            asyncio.create_task(self._every(3600.0, retention.purge_expired), name="retention")
        )
        self._tasks += [
            asyncio.create_task(
                self._every(self.rt.settings.session_check_seconds, close_revoked_sockets),
                name="sessions",
            ),
            asyncio.create_task(self._every(3600.0, purge_ended_sessions), name="old-sessions"),
        ]
        self._tasks.append(
            asyncio.create_task(
                self._after(garbage.FULL_COLLECTION_SECONDS, garbage.collect_fully), name="gc"
            )
        )

    async def _refresh_presence(self, rt: Runtime) -> object:
        await rt.presence.refresh()
        return None

    async def _fold_stats(self, rt: Runtime) -> object:
        return await fold_pending(rt.db, batch=FOLD_BATCH, most=FOLD_PER_RUN)

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
        await self.router.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
