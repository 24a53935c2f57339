"""Engine, sessions, and the group-committing writer of the hot paths.

Two ways in:

* :meth:`Database.reading` / :meth:`Database.writing`: an ORM ``AsyncSession``,
  for the many commands that run now and then (sites, accounts, settings).
* :meth:`Database.write` / :meth:`Database.read`: a plain function over a
  synchronous SQLAlchemy Core ``Connection``, for the paths every message and
  page view takes. Writes queued at the same moment share one transaction and
  one commit (group commit), and a function runs its statements without an
  ``await`` (and on SQLite without a thread hop) per statement: that is where
  the ORM over an async driver spent most of a message's CPU. On SQLite the
  functions run on a dedicated thread with the standard ``sqlite3`` driver; on
  PostgreSQL on the async connection through ``run_sync``.

SQLite allows one writer at a time; rather than let concurrent transactions
fail with "database is locked", writes in this process, batches and sessions
alike, queue on one lock. PostgreSQL needs no such lock: row locks order
concurrent writers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from chat_server.errors import DomainError
from chat_server.settings import Settings

log = logging.getLogger("chat_server.db")

T = TypeVar("T")

#: At most this many writes share one transaction; more wait for the next one.
MAX_BATCH = 256
#: PostgreSQL: batches in flight at once per process (each holds a pooled connection).
PG_CONCURRENT_BATCHES = 3


@dataclass
class _Write:
    fn: Callable[[Connection], Any]
    future: asyncio.Future[Any] = field(repr=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in (
        "journal_mode=WAL",
        "synchronous=NORMAL",
        "foreign_keys=ON",
        "busy_timeout=10000",
        "secure_delete=ON",
    ):
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url, pool_size=5, max_overflow=5)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A send must fail within seconds when PostgreSQL is away, not hang for minutes:
    # stale pooled connections are caught on checkout (pre-ping), connecting gives up
    # after 5 s, a statement after 10 s, a row lock wait after 5 s, and waiting for a
    # free pooled connection after 5 s.
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
        pool_pre_ping=True,
        pool_timeout=5,
        pool_recycle=1800,
        connect_args={
            "timeout": 5,
            "command_timeout": 10,
            "server_settings": {
                "application_name": "chat-server",
                "lock_timeout": "5s",
                "idle_in_transaction_session_timeout": "60s",
            },
        },
    )


def create_sqlite_sync_engine(settings: Settings) -> Engine:
    """The same SQLite file through the standard ``sqlite3`` driver, for :meth:`Database.write`."""
    url = make_url(settings.database_url).set(drivername="sqlite")
    engine = create_sync_engine(url, pool_size=4, max_overflow=4)
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _run_batch(connection: Connection, batch: list[_Write]) -> list[tuple[bool, Any]]:
    """Run each write on ``connection`` (inside the caller's transaction).

    A :class:`DomainError` fails only its own write: the functions raise those
    before they change anything. Any other error propagates, and the caller
    rolls the batch back and runs its writes one by one.
    """
    outcomes: list[tuple[bool, Any]] = []
    for write in batch:
        try:
            outcomes.append((True, write.fn(connection)))
        except DomainError as exc:
            outcomes.append((False, exc))
    return outcomes


class Database:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(settings)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if settings.is_sqlite else None
        self._queue: list[_Write] = []
        self._batches_running = 0
        self._sync_engine: Engine | None = None
        self._writer: ThreadPoolExecutor | None = None
        self._readers: ThreadPoolExecutor | None = None
        if settings.is_sqlite:
            self._sync_engine = create_sqlite_sync_engine(settings)
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="db-writer")
            self._readers = ThreadPoolExecutor(2, thread_name_prefix="db-reader")

    # -- the hot paths: plain functions over a Core connection, group-committed ----------

    async def write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a write transaction and return its result once committed.

        ``fn`` may run in another thread and may run twice (after a failed batch, it
        runs again alone), so it must only talk to the database and raise any
        :class:`DomainError` before it writes.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Write(fn, future))
        if self._batches_running < (1 if self._writer is not None else PG_CONCURRENT_BATCHES):
            self._batches_running += 1
            asyncio.get_running_loop().create_task(self._drain(), name="db-writer")
        return await future

    async def _drain(self) -> None:
        batch: list[_Write] = []
        try:
            while self._queue:
                batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
                outcomes = await self._outcomes(batch)
                for write, (ok, value) in zip(batch, outcomes, strict=True):
                    if write.future.done():
                        continue  # its caller gave up waiting
                    if ok:
                        write.future.set_result(value)
                    else:
                        write.future.set_exception(value)
        except BaseException:
            for write in batch:  # cancelled at shutdown: the callers must not wait forever
                if not write.future.done():
                    write.future.cancel()
            raise
        finally:
            self._batches_running -= 1

    async def _outcomes(self, batch: list[_Write]) -> list[tuple[bool, Any]]:
        try:
            return await self._commit_batch(batch)
        except Exception as exc:
            if len(batch) == 1:
                return [(False, exc)]
        # One write broke the shared transaction (say a unique key raced by another
        # process): run them one by one so only that one fails.
        log.debug("a batch of %d writes failed; running them one by one", len(batch))
        outcomes: list[tuple[bool, Any]] = []
        for write in batch:
            try:
                outcomes += await self._commit_batch([write])
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    async def _commit_batch(self, batch: list[_Write]) -> list[tuple[bool, Any]]:
        if self._writer is not None:
            assert self._write_lock is not None
            async with self._write_lock:
                loop = asyncio.get_running_loop()
                return await loop.run_in_executor(self._writer, self._sqlite_batch, batch)
        async with self.engine.begin() as connection:
            return await connection.run_sync(_run_batch, batch)

    def _sqlite_batch(self, batch: list[_Write]) -> list[tuple[bool, Any]]:
        assert self._sync_engine is not None
        with self._sync_engine.begin() as connection:
            return _run_batch(connection, batch)

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` over a read-only view of committed data."""
        if self._readers is not None:
            return await asyncio.get_running_loop().run_in_executor(
                self._readers, self._sqlite_read, fn
            )
        async with self.engine.connect() as connection:
            return await connection.run_sync(fn)

    def _sqlite_read(self, fn: Callable[[Connection], T]) -> T:
        assert self._sync_engine is not None
        with self._sync_engine.connect() as connection:
            return fn(connection)

    # -- the ORM sessions ------------------------------------------------------------------

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error."""
        if self._write_lock is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def checkpoint(self) -> None:
        """Fold the WAL into the main file so erased rows do not linger there."""
        if self.settings.is_sqlite:
            async with self.engine.connect() as connection:
                await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._sync_engine is not None:
            self._sync_engine.dispose()
        for pool in (self._writer, self._readers):
            if pool is not None:
                pool.shutdown(wait=True)
