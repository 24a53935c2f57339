"""Failed-login counts shared by every process through Redis.

Each key is one integer with a time to live: the first failure creates it and starts
its window, later ones only count (one Lua script, so concurrent processes cannot
both start a window). Keys are the hashed keys of ``security.limits``, never an
e-mail. While Redis is away this process's own bounded counters (handed in, as
``security`` is a sibling layer) decide, as in the embedded default: a login is never
refused or let through because Redis failed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Protocol, TypeVar

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "chat:login:"

#: KEYS: the counters. ARGV[1]: the window in milliseconds.
ADD = """
for _, key in ipairs(KEYS) do
  if redis.call('INCR', key) == 1 then
    redis.call('PEXPIRE', key, ARGV[1])
  end
end
return 1
"""


class FailureCounter(Protocol):
    """The shape of ``security.limits.FailureCounter``."""

    async def counts(self, keys: Sequence[str]) -> list[int]: ...

    async def add(self, keys: Sequence[str], window_seconds: float) -> None: ...

    async def forget(self, keys: Sequence[str]) -> None: ...


Counter = TypeVar("Counter", bound=FailureCounter)


class RedisFailureCounter:
    def __init__(self, client: Redis, fallback: FailureCounter, bus: Any = None) -> None:
        """``fallback`` counts in this process all along, so it is ready when Redis is not;
        ``bus``, when given, tells whether Redis is reachable, so an outage costs no timeouts."""
        self.client = client
        self._bus = bus
        self.fallback = fallback
        self._add = client.register_script(ADD)
        self._failing = False

    def _usable(self) -> bool:
        return bool(getattr(self._bus, "healthy", True))

    def _failed(self, exc: Exception) -> None:
        if not self._failing:
            log.warning("shared login limits unavailable (%s); limiting per process", exc)
        self._failing = True
        suspect = getattr(self._bus, "suspect", None)
        if suspect is not None:
            suspect()

    def _worked(self) -> None:
        if self._failing:
            log.warning("shared login limits are back")
            self._failing = False

    async def counts(self, keys: Sequence[str]) -> list[int]:
        if self._usable():
            try:
                values = await self.client.mget([PREFIX + key for key in keys])
            except (RedisError, OSError) as exc:
                self._failed(exc)
            else:
                self._worked()
                return [int(value) if value is not None else 0 for value in values]
        return await self.fallback.counts(keys)

    async def add(self, keys: Sequence[str], window_seconds: float) -> None:
        await self.fallback.add(keys, window_seconds)
        if not self._usable():
            return
        try:
            await self._add(keys=[PREFIX + key for key in keys], args=[int(window_seconds * 1000)])
        except (RedisError, OSError) as exc:
            self._failed(exc)

    async def forget(self, keys: Sequence[str]) -> None:
        await self.fallback.forget(keys)
        if not self._usable():
            return
        try:
            await self.client.delete(*[PREFIX + key for key in keys])
        except (RedisError, OSError) as exc:
            self._failed(exc)


def shared_failure_counter(bus: Any, local: Counter) -> RedisFailureCounter | Counter:
    """Shared through Redis when the bus is a RedisBus (its pool is reused), else ``local``."""
    client = getattr(bus, "client", None)
    if isinstance(client, Redis):
        return RedisFailureCounter(client, local, bus)
    return local
