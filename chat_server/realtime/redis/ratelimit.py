"""Token buckets shared by every process, so a visitor's limit holds wherever it connects.

A visitor with tabs on two processes behind a load balancer must not get twice
the rate. Each bucket is a small Redis hash updated by one Lua script (atomic, so
concurrent processes cannot both take the last token), timed by the Redis clock
so that the hosts' clocks do not matter. The key expires once the bucket would be
full again.

Checking a limit must never fail a send: while Redis is away (or slow), this
process's own buckets decide, as in the embedded default.

The shared limiter is asynchronous (one round trip to Redis), so callers await
``allow``; :class:`LocalLimiter` gives the in-process buckets the same shape.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from chat_server.realtime.ratelimit import RateLimiter

log = logging.getLogger(__name__)

PREFIX = "chat:rate:"

#: KEYS[1]: the bucket. ARGV: rate (tokens/s), burst. Returns 1 if a token was taken.
TAKE = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(bucket[1]) or burst
local at = tonumber(bucket[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return allowed
"""


class AsyncLimiter(Protocol):
    async def allow(self, key: str) -> bool: ...


class LocalLimiter:
    """This process's token buckets behind the awaitable interface."""

    def __init__(self, rate: float, burst: float) -> None:
        self.buckets = RateLimiter(rate, burst)

    async def allow(self, key: str) -> bool:
        return self.buckets.allow(key)


class RedisRateLimiter:
    def __init__(
        self, client: Redis, rate: float, burst: float, name: str = "messages", bus: Any = None
    ) -> None:
        """``bus``, when given, tells whether Redis is reachable, so an outage costs no timeouts."""
        self.client = client
        self._bus = bus
        self.rate = rate
        self.burst = burst
        self.prefix = f"{PREFIX}{name}:"
        self.fallback = RateLimiter(rate, burst)
        self._take = client.register_script(TAKE)
        self._failing = False

    async def allow(self, key: str) -> bool:
        if not getattr(self._bus, "healthy", True):
            return self.fallback.allow(key)
        try:
            allowed = bool(await self._take(keys=[self.prefix + key], args=[self.rate, self.burst]))
        except (RedisError, OSError) as exc:
            if not self._failing:
                log.warning("shared rate limits unavailable (%s); limiting per process", exc)
            self._failing = True
            suspect = getattr(self._bus, "suspect", None)
            if suspect is not None:
                suspect()
            return self.fallback.allow(key)
        if self._failing:
            log.warning("shared rate limits are back")
            self._failing = False
        return allowed
