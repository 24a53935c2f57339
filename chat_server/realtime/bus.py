"""Fan-out between processes: one small interface, two implementations.

Every event goes through the bus, local delivery included, so one process and
many behave alike. :class:`MemoryBus` serves the embedded default;
:class:`RedisBus` carries events between processes over Redis pub/sub.

Pub/sub is lossy while a connection to Redis is down. The database is not: when
the Redis connection comes back, the bus calls ``on_resync`` so that every local
socket catches up from the database.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from chat_server.wire.envelope import Envelope

log = logging.getLogger(__name__)


class BusUnavailable(ConnectionError):
    """The bus cannot carry events right now (``/healthz`` answers 503)."""


Deliver = Callable[[Envelope], None]
Resync = Callable[[], Awaitable[None]]


class Bus:
    healthy: bool = True

    async def start(self, deliver: Deliver, on_resync: Resync) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def publish(self, event: Envelope) -> None:
        raise NotImplementedError

    async def publish_many(self, events: list[Envelope]) -> None:
        for event in events:
            await self.publish(event)

    async def subscribe(self, topic: str) -> None:
        """Start receiving ``topic`` in this process (called on the first local subscriber)."""

    async def unsubscribe(self, topic: str) -> None:
        """Stop receiving ``topic`` (called when its last local subscriber leaves)."""

    async def ping(self) -> None:
        """Raise if the bus cannot carry events right now."""


class MemoryBus(Bus):
    def __init__(self) -> None:
        self._deliver: Deliver | None = None

    async def start(self, deliver: Deliver, on_resync: Resync) -> None:
        self._deliver = deliver

    async def stop(self) -> None:
        self._deliver = None

    async def publish(self, event: Envelope) -> None:
        if self._deliver is not None:
            self._deliver(event)
