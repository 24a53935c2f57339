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
from dataclasses import dataclass

import orjson

log = logging.getLogger("chat_server.bus")

AGENTS_TOPIC = "agents"
# Every visitor socket: news for all shoppers, such as how many agents are online.
VISITORS_TOPIC = "visitors"


def visitor_topic(visitor_id: str) -> str:
    return f"visitor:{visitor_id}"


@dataclass(frozen=True, slots=True)
class Event:
    """One encoded frame for every socket subscribed to ``topic``.

    ``conversation_id`` and ``seq`` are set on ``message.created`` so that each
    socket can drop what it already has and fill gaps from the database.
    """

    topic: str
    text: str
    conversation_id: str | None = None
    seq: int | None = None

    def encode(self) -> bytes:
        return orjson.dumps([self.conversation_id, self.seq, self.text])

    @classmethod
    def decode(cls, topic: str, data: bytes) -> Event:
        conversation_id, seq, text = orjson.loads(data)
        return cls(topic, text, conversation_id, seq)


Deliver = Callable[[Event], None]
Resync = Callable[[], Awaitable[None]]


class Bus:
    healthy: bool = True

    async def start(self, deliver: Deliver, on_resync: Resync) -> None:
        raise NotImplementedError

    async def stop(self) -> None:
        raise NotImplementedError

    async def publish(self, event: Event) -> None:
        raise NotImplementedError

    async def publish_many(self, events: list[Event]) -> None:
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

    async def publish(self, event: Event) -> None:
        if self._deliver is not None:
            self._deliver(event)


def create_bus(redis_url: str | None) -> Bus:
    if redis_url is None:
        return MemoryBus()
    from chat_server.redis_bus import RedisBus

    return RedisBus(redis_url)
