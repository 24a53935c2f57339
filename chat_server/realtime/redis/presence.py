"""Who is online across processes, in Redis keys that expire on their own.

Each process counts its own sockets in memory, exactly like
:class:`~chat_server.realtime.presence.MemoryPresence`, and mirrors only *which* visitors
and agents it holds into two Redis sets of its own (``…:proc:ID:v`` and
``…:proc:ID:a``). The sets and the process's entry in the ``…:procs`` sorted set
(score: when it expires) are renewed by :meth:`RedisPresence.refresh` every few
seconds; a process that dies stops renewing them, and its visitors go offline by
themselves once ``ttl`` has passed. Readers only look at processes whose entry
has not expired.

Each change runs as one Lua script (atomic in Redis), so "the first socket
anywhere" and "none left anywhere" are decided without races between
processes. The scripts read every live process's set, which keeps them simple
and cheap for the handful of processes an installation runs, but ties them to
one Redis server (no Redis Cluster).

While Redis is away, answers come from this process's own sockets and
:meth:`refresh` writes the whole local state back once Redis returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.exceptions import RedisError

from chat_server.realtime.presence import Presence
from chat_server.realtime.redis.client import connection_pools

log = logging.getLogger(__name__)

PREFIX = "chat:presence:"
DEFAULT_TTL = 15.0  # three missed refreshes (jobs.py refreshes every 5 s)

_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""

# Is ARGV[2] in the set of a live process other than ARGV[1]? (KEYS[1]: procs; ARGV[3]: suffix)
_ELSEWHERE = """
local function elsewhere(now)
  for _, p in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
    if p ~= ARGV[1] and redis.call('SISMEMBER', ARGV[4] .. p .. ARGV[3], ARGV[2]) == 1 then
      return 1
    end
  end
  return 0
end
"""

#: KEYS: procs, own set. ARGV: proc, member, suffix, prefix, op (add|rem), ttl ms.
#: Returns 1 if another live process holds the member too.
CHANGE = (
    _NOW
    + _ELSEWHERE
    + """
local ttl = tonumber(ARGV[6])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
if ARGV[5] == 'add' then
  redis.call('SADD', KEYS[2], ARGV[2])
else
  redis.call('SREM', KEYS[2], ARGV[2])
end
redis.call('PEXPIRE', KEYS[2], ttl)
return elsewhere(now)
"""
)

#: KEYS: procs. ARGV: proc ('' for none), member, suffix, prefix. 1 if any live process holds it.
HOLDS = (
    _NOW
    + _ELSEWHERE
    + """
return elsewhere(now)
"""
)

#: KEYS: procs. ARGV: suffix, prefix. Every member of every live process's set.
MEMBERS = (
    _NOW
    + """
local keys = {}
for _, p in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')) do
  table.insert(keys, ARGV[2] .. p .. ARGV[1])
end
if #keys == 0 then return {} end
return redis.call('SUNION', unpack(keys))
"""
)

#: KEYS: procs, own visitors set, own agents set. ARGV: proc, ttl ms, visitor count,
#: visitors..., agents... Rewrites this process's sets whole and renews its entry.
REWRITE = (
    _NOW
    + """
local ttl = tonumber(ARGV[2])
local visitors = tonumber(ARGV[3])
redis.call('DEL', KEYS[2], KEYS[3])
local function fill(key, first, last)
  local i = first
  while i <= last do
    local j = math.min(i + 999, last)
    redis.call('SADD', key, unpack(ARGV, i, j))
    i = j + 1
  end
  if last >= first then redis.call('PEXPIRE', key, ttl) end
end
fill(KEYS[2], 4, 3 + visitors)
fill(KEYS[3], 4 + visitors, #ARGV)
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
return 1
"""
)

#: KEYS: procs, own visitors set, own agents set. ARGV: proc, ttl ms, has visitors (0|1),
#: has agents (0|1). Renews the entry and the sets; 0 if a set that should exist is gone.
RENEW = (
    _NOW
    + """
local ttl = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
local intact = 1
for i, key in ipairs({KEYS[2], KEYS[3]}) do
  if redis.call('PEXPIRE', key, ttl) == 0 and ARGV[2 + i] == '1' then intact = 0 end
end
return intact
"""
)

VISITORS = ":v"
AGENTS = ":a"


class RedisPresence(Presence):
    def __init__(
        self,
        url: str | None = None,
        bus: Any = None,
        ttl: float = DEFAULT_TTL,
        prefix: str = PREFIX,
    ) -> None:
        """Share ``bus.client`` (the bus's bounded pool) when given a RedisBus, else connect to ``url``."""
        client = getattr(bus, "client", None)
        self._own_pool: ConnectionPool | None = None
        if client is None:
            if url is None:
                raise ValueError("RedisPresence needs a Redis URL or a RedisBus")
            self._own_pool = connection_pools(url, 4)[0]
            client = Redis(connection_pool=self._own_pool)
        self.client: Redis = client
        self._bus = bus
        self.proc = secrets.token_hex(8)
        self.ttl_ms = int(ttl * 1000)
        self._prefix = prefix + "proc:"
        self._procs = prefix + "procs"
        self._away, self._away_here = prefix + "away", set[str]()  # no expiry: rows rule
        self._own = {kind: f"{self._prefix}{self.proc}{kind}" for kind in (VISITORS, AGENTS)}
        self._counts: dict[str, dict[str, int]] = {VISITORS: {}, AGENTS: {}}
        self._change = self.client.register_script(CHANGE)
        self._holds = self.client.register_script(HOLDS)
        self._members = self.client.register_script(MEMBERS)
        self._rewrite = self.client.register_script(REWRITE)
        self._renew = self.client.register_script(RENEW)
        self._gate = _Gate()
        self._dirty = False
        hooks = getattr(bus, "reconnected", None)
        if hooks is not None:
            hooks.append(self._forget_mirror)

    # -- Presence interface ------------------------------------------------------

    async def visitor_connected(self, visitor_id: str) -> bool:
        return await self._connected(VISITORS, visitor_id)

    async def visitor_disconnected(self, visitor_id: str) -> bool:
        return await self._disconnected(VISITORS, visitor_id)

    async def visitor_online(self, visitor_id: str) -> bool:
        if visitor_id in self._counts[VISITORS]:
            return True
        if not await self._ready():
            return False
        try:
            return bool(
                await self._holds(keys=[self._procs], args=["", visitor_id, VISITORS, self._prefix])
            )
        except RedisError as exc:
            self._failed(exc)
            return False

    async def online_visitors(self) -> set[str]:
        return await self._all(VISITORS)

    async def agent_connected(self, agent_id: str) -> None:
        await self._connected(AGENTS, agent_id)

    async def agent_disconnected(self, agent_id: str) -> None:
        await self._disconnected(AGENTS, agent_id)

    async def agents_online(self) -> int:
        online, away = await self._all(AGENTS), self._away_here
        if online and self._reachable():
            try:
                members = await self.client.smembers(self._away)
                away = {m if isinstance(m, str) else m.decode() for m in members}
            except RedisError as exc:
                self._failed(exc)
        return len(online - away)

    async def set_agent_away(self, agent_id: str, away: bool) -> None:
        (self._away_here.add if away else self._away_here.discard)(agent_id)
        with contextlib.suppress(RedisError):  # the row is the truth, written again on connect
            await (self.client.sadd if away else self.client.srem)(self._away, agent_id)

    async def online_agents(self) -> set[str]:
        return await self._all(AGENTS)

    async def refresh(self) -> None:
        """Renew this process's entries; rewrite them whole if they were lost (an outage, a stall)."""
        if not self._reachable():
            self._dirty = True
            return
        if not self._dirty:
            try:
                intact = await self._renew(
                    keys=[self._procs, self._own[VISITORS], self._own[AGENTS]],
                    args=[
                        self.proc,
                        self.ttl_ms,
                        int(bool(self._counts[VISITORS])),
                        int(bool(self._counts[AGENTS])),
                    ],
                )
            except RedisError as exc:
                self._failed(exc)
                return
            if intact:
                return
        async with self._gate.alone():
            visitors = list(self._counts[VISITORS])
            agents = list(self._counts[AGENTS])
            try:
                await self._rewrite(
                    keys=[self._procs, self._own[VISITORS], self._own[AGENTS]],
                    args=[self.proc, self.ttl_ms, len(visitors), *visitors, *agents],
                )
            except RedisError as exc:
                self._failed(exc)
                return
            log.warning("presence of this process written to Redis again")
            self._dirty = False

    async def close(self) -> None:
        """Forget this process's entries at once (a clean shutdown)."""
        try:
            await self.client.delete(*self._own.values())
            await self.client.zrem(self._procs, self.proc)
        except RedisError:
            pass
        if self._own_pool is not None:
            await self._own_pool.disconnect()

    # -- internals -----------------------------------------------------------------

    async def _connected(self, kind: str, member: str) -> bool:
        counts = self._counts[kind]
        count = counts.get(member, 0)
        counts[member] = count + 1
        if count > 0:
            return False
        return not await self._mirror(kind, member, "add")

    async def _disconnected(self, kind: str, member: str) -> bool:
        counts = self._counts[kind]
        count = counts.get(member, 0) - 1
        if count > 0:
            counts[member] = count
            return False
        counts.pop(member, None)
        return not await self._mirror(kind, member, "rem")

    async def _mirror(self, kind: str, member: str, op: str) -> bool:
        """Apply a local 0<->1 change in Redis; True if another process holds the member.

        While the mirror is known to be stale (``_dirty``), changes stay local: the
        next :meth:`refresh` (or read) writes the whole state back in one piece.
        """
        async with self._gate.ordered((kind, member)):
            if self._dirty or not self._reachable():
                self._dirty = True
                return False
            try:
                return bool(
                    await self._change(
                        keys=[self._procs, self._own[kind]],
                        args=[self.proc, member, kind, self._prefix, op, self.ttl_ms],
                    )
                )
            except RedisError as exc:
                self._failed(exc)
                return False

    async def _all(self, kind: str) -> set[str]:
        local = set(self._counts[kind])
        if not await self._ready():
            return local
        try:
            members = await self._members(keys=[self._procs], args=[kind, self._prefix])
        except RedisError as exc:
            self._failed(exc)
            return local
        return local | {m.decode() if isinstance(m, bytes) else str(m) for m in members}

    async def _ready(self) -> bool:
        """Whether to ask Redis; after an outage, write this process's state back first."""
        if not self._reachable():
            return False
        if self._dirty:
            await self.refresh()
        return not self._dirty

    def _reachable(self) -> bool:
        """Skip Redis at once while the bus knows it is down (no timeouts on every call)."""
        return bool(getattr(self._bus, "healthy", True))

    def _forget_mirror(self) -> None:
        """Redis came back, perhaps empty (a restart): write everything again before relying on it."""
        self._dirty = True

    def _failed(self, exc: Exception) -> None:
        self._dirty = True
        suspect = getattr(self._bus, "suspect", None)
        if suspect is not None:
            suspect()
        log.warning("presence in Redis unavailable (%s); answering from this process", exc)


class _Gate:
    """Changes run side by side, each member's in the order they happened here; a rewrite runs alone.

    Per member order matters (a socket's "add" must not overtake the "rem" of the
    one before it); across members it does not, so hundreds of arrivals do not
    queue behind one another's round trips to Redis.
    """

    def __init__(self) -> None:
        self._condition = asyncio.Condition()
        self._running = 0
        self._alone = False
        self._waiting_alone = 0
        self._members: dict[tuple[str, str], tuple[asyncio.Lock, int]] = {}

    @contextlib.asynccontextmanager
    async def ordered(self, member: tuple[str, str]) -> AsyncIterator[None]:
        async with self._condition:
            await self._condition.wait_for(lambda: not self._alone and not self._waiting_alone)
            self._running += 1
        lock, users = self._members.get(member, (None, 0))
        if lock is None:
            lock = asyncio.Lock()
        self._members[member] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._members[member]
            if users == 1:
                del self._members[member]
            else:
                self._members[member] = (lock, users - 1)
            async with self._condition:
                self._running -= 1
                self._condition.notify_all()

    @contextlib.asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        async with self._condition:
            self._waiting_alone += 1
            try:
                await self._condition.wait_for(lambda: not self._alone and self._running == 0)
            finally:
                self._waiting_alone -= 1
            self._alone = True
        try:
            yield
        finally:
            async with self._condition:
                self._alone = False
                self._condition.notify_all()
