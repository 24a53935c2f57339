"""The background task that sends what the outbox holds.

Every poll it reads presence for :mod:`~chat_server.outbox.availability`, claims the
due items of the kinds this process has handlers for (``store.claim``), sends them
at once through their handlers and records each attempt. A failed attempt is retried
after 1, 2, 4, 8 ... seconds (``backoff_base_seconds`` doubling, capped at
``backoff_cap_seconds``) until the item is ``give_up_seconds`` old, then it is dead.
Any number of processes may run this side by side: claims never overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from datetime import datetime, timedelta
from functools import partial

from chat_server.model.tables import utcnow
from chat_server.outbox import availability, handlers, metrics, store
from chat_server.outbox.items import OutboxItemView
from chat_server.runtime.state import Runtime

log = logging.getLogger(__name__)

#: The depth gauges are refreshed at most this often.
COUNT_SECONDS = 2.0
#: Old items are purged this often.
PURGE_SECONDS = 3600.0


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """How long to wait after failed attempt number ``attempt`` (1, 2, 3 ...)."""
    return min(cap, base * 2 ** min(attempt - 1, 40))


class Dispatcher:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.settings = rt.settings.outbox
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._counted_at = 0.0
        self._purged_at = 0.0
        self._kinds_seen: set[str] = set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox")

    def wake(self) -> None:
        """Look for due items now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        if self._task is None:
            return
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def _run(self) -> None:
        while True:
            busy = False
            try:
                await availability.refresh(self.rt)
                busy = await self.dispatch_once()
                await self._count()
                await self._purge()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the outbox dispatcher failed a round", exc_info=True)
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.settings.poll_seconds)
                self._wake.clear()

    async def dispatch_once(self) -> bool:
        """Claim and send one batch; True when the batch was full (more may be due)."""
        now = utcnow()
        token = secrets.token_hex(8)
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)
        claimed = await self.rt.db.write(
            partial(
                store.claim,
                kinds=handlers.kinds(),
                now=now,
                lease_until=lease_until,
                token=token,
                limit=self.settings.batch_size,
            )
        )
        if claimed:
            await asyncio.gather(*(self._send(item, token) for item in claimed))
        return len(claimed) >= self.settings.batch_size

    async def _send(self, item: OutboxItemView, token: str) -> None:
        handler = handlers.handler_for(item.kind)
        started = time.perf_counter()
        metrics.ATTEMPTS.labels(item.kind).inc()
        try:
            if handler is None:
                raise handlers.AttemptFailed(f"no handler for {item.kind!r} in this process")
            status = await asyncio.wait_for(handler(self.rt, item), self.settings.lease_seconds)
            result = store.Result(True, status, None, _ms(started), None)
        except asyncio.CancelledError:
            raise
        except handlers.PermanentFailure as exc:
            result = store.Result(False, exc.status_code, str(exc), _ms(started), None, dead=True)
        except Exception as exc:
            status_code = getattr(exc, "status_code", None)
            error = str(exc) or type(exc).__name__
            result = store.Result(
                False, status_code, error[:500], _ms(started), self._retry_at(item)
            )
        if not result.ok:
            metrics.FAILURES.labels(item.kind, str(result.retry_at is None).lower()).inc()
            log.info(
                "outbox item %s (%s) attempt %d failed: %s",
                item.id,
                item.kind,
                item.attempt,
                result.error,
            )
        await self.rt.db.write(
            partial(store.finish, item=item, token=token, at=utcnow(), result=result)
        )

    def _retry_at(self, item: OutboxItemView) -> datetime | None:
        """When to try again, or None once the item is old enough to give up."""
        now = utcnow()
        if (now - item.created_at).total_seconds() >= self.settings.give_up_seconds:
            return None
        delay = backoff_seconds(
            item.attempt, self.settings.backoff_base_seconds, self.settings.backoff_cap_seconds
        )
        return now + timedelta(seconds=delay)

    async def _count(self) -> None:
        if time.monotonic() - self._counted_at < COUNT_SECONDS:
            return
        self._counted_at = time.monotonic()
        counts = await self.rt.db.read(store.counts)
        self._kinds_seen.update(handlers.kinds(), (kind for _, kind in counts))
        for kind in self._kinds_seen:
            metrics.DEPTH.labels(kind).set(counts.get((store.PENDING, kind), 0))
            metrics.DEAD.labels(kind).set(counts.get(("dead", kind), 0))

    async def _purge(self) -> None:
        if time.monotonic() - self._purged_at < PURGE_SECONDS and self._purged_at:
            return
        self._purged_at = time.monotonic()
        before = utcnow() - timedelta(days=self.settings.keep_days)
        await self.rt.db.write(partial(store.purge, before=before))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
