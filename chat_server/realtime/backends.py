"""The in-process or the Redis implementations, chosen by ``CHAT_REDIS_URL``.

The embedded default keeps bus, presence and the message limit in this process;
with Redis they are shared by every process. Everything else uses the interfaces.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis

from chat_server.realtime.bus import Bus, MemoryBus
from chat_server.realtime.presence import MemoryPresence, Presence
from chat_server.realtime.redis.bus import RedisBus
from chat_server.realtime.redis.presence import RedisPresence
from chat_server.realtime.redis.ratelimit import AsyncLimiter, LocalLimiter, RedisRateLimiter


def create_bus(redis_url: str | None) -> Bus:
    if redis_url is None:
        return MemoryBus()
    return RedisBus(redis_url)


def create_presence(redis_url: str | None, bus: Bus) -> Presence:
    if redis_url:
        return RedisPresence(redis_url, bus)
    return MemoryPresence()


def create_message_limiter(bus: Any, rate: float = 5.0, burst: float = 10.0) -> AsyncLimiter:
    """Shared through Redis when the bus is a RedisBus (its pool is reused), else in-process."""
    client = getattr(bus, "client", None)
    if isinstance(client, Redis):
        return RedisRateLimiter(client, rate, burst, bus=bus)
    return LocalLimiter(rate, burst)
