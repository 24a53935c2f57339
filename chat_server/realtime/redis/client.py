"""The connection to Redis: one owner of this process's pools.

The bus opens it; presence and the shared rate limit borrow its command pool, so a
process holds one bounded set of connections to Redis whatever uses it.
"""

from __future__ import annotations

from redis.asyncio import BlockingConnectionPool, ConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff


def connection_pools(url: str, max_connections: int) -> tuple[ConnectionPool, ConnectionPool]:
    """(a bounded pool for commands, a one-connection pool for the subscriptions).

    Short timeouts everywhere: Redis answers within a millisecond when it is
    there, and a caller must learn quickly when it is not. Neither pool retries
    by itself (a pooled connection that Redis closed is replaced when it is
    taken from the pool; anything else is the reader's job, which owns
    reconnection).
    """
    commands = BlockingConnectionPool.from_url(
        url,
        max_connections=max_connections,
        timeout=1.0,
        socket_connect_timeout=1.0,
        socket_timeout=1.0,
        retry=Retry(NoBackoff(), 0),
    )
    subscriptions = ConnectionPool.from_url(
        url,
        max_connections=1,
        socket_connect_timeout=1.0,
        socket_timeout=5.0,
        retry=Retry(NoBackoff(), 0),
    )
    return commands, subscriptions


class RedisConnection:
    """The pools of one process: ``client`` runs commands, ``subscriptions`` carries pub/sub."""

    def __init__(self, url: str, max_connections: int) -> None:
        self.commands, self.subscriptions = connection_pools(url, max_connections)
        self.client = Redis(connection_pool=self.commands)

    async def close(self) -> None:
        await self.commands.disconnect()
        await self.subscriptions.disconnect()
