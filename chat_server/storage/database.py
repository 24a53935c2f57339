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
  functions run on the event loop with the standard ``sqlite3`` driver (the WAL
  is checkpointed on a thread); on PostgreSQL on the async connection through
  ``run_sync``.

SQLite allows one writer at a time; rather than let concurrent transactions
fail with "database is locked", writes in this process, batches and sessions
alike, queue on one lock. PostgreSQL needs no such lock: row locks order
concurrent writers.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine as create_sync_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from chat_server.config.settings import Settings
from chat_server.model.errors import DomainError
from chat_server.storage import deferred

log = logging.getLogger(__name__)

T = TypeVar("T")

#: At most this many writes share one transaction; more wait for the next one.
MAX_BATCH = 256
#: SQLite: how often the WAL is folded into the database file while writes go on.
WAL_FOLD_SECONDS = 1.0
#: An erasure retries a busy checkpoint this often, this far apart (3 s in all).
CHECKPOINT_TRIES = 30
CHECKPOINT_RETRY_SECONDS = 0.1
#: PostgreSQL: batches in flight at once per process (each holds a pooled connection).
PG_CONCURRENT_BATCHES = 3


#: Called inside the transaction of every committed change with the domain events it
#: returns, so what those events cause (an outbox item) commits with the change. Storage
#: knows no domain: the application hands this in at start-up (``Database.react``).
ChangeHook = Callable[[Connection, Sequence[Any]], None]


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


def keep_sqlite_private(database_url: str) -> None:
    """Create the SQLite file owner-only (0600), or make an existing one so.

    SQLite gives its ``-wal`` and ``-shm`` files the main file's mode, so they follow.
    """
    name = make_url(database_url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    for path in (name, f"{name}-wal", f"{name}-shm"):
        if os.path.exists(path):
            os.chmod(path, 0o600)
    if not os.path.exists(name) and os.path.isdir(os.path.dirname(name) or "."):
        os.close(os.open(name, os.O_WRONLY | os.O_CREAT, 0o600))


def create_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        keep_sqlite_private(settings.database_url)
        engine = create_async_engine(settings.database_url, pool_size=5, max_overflow=5)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # A send must fail within seconds when PostgreSQL is away, not hang for minutes:
    # connecting gives up after 5 s, a statement after 10 s, a row lock wait after 5 s,
    # and waiting for a free pooled connection after 5 s. No ping on checkout (a round
    # trip per transaction): the first statement that meets a connection PostgreSQL
    # closed fails, and SQLAlchemy then discards every pooled connection of that age.
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,
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


def _no_automatic_checkpoint(dbapi_connection: Any, _record: Any) -> None:
    # Folding the WAL into the database file writes and syncs the disk: done at a
    # commit on the event loop, that would stall every socket. Database._fold_wal_soon
    # does it on a thread instead.
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def create_sqlite_sync_engine(settings: Settings) -> Engine:
    """The same SQLite file through the standard ``sqlite3`` driver, for :meth:`Database.write`."""
    url = make_url(settings.database_url).set(drivername="sqlite")
    engine = create_sync_engine(url, pool_size=2, max_overflow=2)
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "connect", _no_automatic_checkpoint)
    return engine


def _run_batch(
    connection: Connection, batch: list[_Write], react: ChangeHook | None = None
) -> list[tuple[bool, Any]]:
    """Run each write on ``connection`` (inside the caller's transaction), then ``react``
    to the events its result carries; last, insert the rows the writes deferred
    (:mod:`~chat_server.storage.deferred`).

    A :class:`DomainError` fails only its own write: the functions raise those
    before they change anything. Any other error propagates, and the caller
    rolls the batch back and runs its writes one by one.
    """
    outcomes: list[tuple[bool, Any]] = []
    deferred.begin(connection)
    try:
        for write in batch:
            try:
                result = write.fn(connection)
            except DomainError as exc:
                outcomes.append((False, exc))
                continue
            events = getattr(result, "events", None)
            if react is not None and events:
                react(connection, events)
            outcomes.append((True, result))
        deferred.flush(connection)
    finally:
        deferred.discard(connection)
    return outcomes


class Database:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(settings)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if settings.is_sqlite else None
        # Sessions of writing() hold a pooled connection while they await other things
        # (Redis, row locks). Thousands of them at once (a reconnect storm) would take
        # every connection and leave the group commits and the reads to time out after
        # the pool's 5 s: they queue here instead, keeping half the pool for the rest.
        self._writing_slots = asyncio.Semaphore(max(1, settings.db_pool_size))
        self._queue: list[_Write] = []
        self._batches_running = 0
        self._sync_engine: Engine | None = None
        self._connection: Connection | None = None
        self._checkpointer: ThreadPoolExecutor | None = None
        self._folding = False
        self._folded_at = 0.0
        #: What every committed change's events cause, written in its transaction.
        self.react: ChangeHook | None = None
        if settings.is_sqlite:
            self._sync_engine = create_sqlite_sync_engine(settings)
            self._checkpointer = ThreadPoolExecutor(1, thread_name_prefix="db-checkpoint")

    # -- the hot paths: plain functions over a Core connection, group-committed ----------

    async def write(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` in a write transaction and return its result once committed.

        ``fn`` runs without awaiting (on SQLite on the event loop itself, so it must
        be a few quick statements) and may run twice (after a failed batch it runs
        again alone), so it must only talk to the database and raise any
        :class:`DomainError` before it writes.
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Write(fn, future))
        if self._batches_running < (1 if self._sync_engine is not None else PG_CONCURRENT_BATCHES):
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
        if self._sync_engine is not None:
            # On SQLite a batch runs right here on the event loop: its statements take
            # microseconds, less than handing them to a thread and back (and a busy
            # thread would make the loop wait for the GIL). The lock keeps ORM write
            # sessions, whose statements run on aiosqlite's thread, out meanwhile. (A
            # CLI command writing to the same file from another process can make a
            # batch wait for SQLite's lock, up to busy_timeout; those are brief.)
            assert self._write_lock is not None
            async with self._write_lock:
                return self._sqlite_batch(batch)
        async with self.engine.begin() as connection:
            return await connection.run_sync(_run_batch, batch, self.react)

    def _sqlite_batch(self, batch: list[_Write]) -> list[tuple[bool, Any]]:
        connection = self._loop_connection()
        with connection.begin():
            outcomes = _run_batch(connection, batch, self.react)
        self._fold_wal_soon()
        return outcomes

    def _loop_connection(self) -> Connection:
        """The SQLite connection of the event loop's reads and write batches: one
        connection, kept open, since they run one at a time on the loop (a pool
        checkout and its reset cost as much as a small batch)."""
        if self._connection is None or self._connection.closed:
            assert self._sync_engine is not None
            self._connection = self._sync_engine.connect()
        return self._connection

    def _fold_wal_soon(self) -> None:
        """Checkpoint the WAL on a thread at most every second while writes go on."""
        now = time.monotonic()
        if self._folding or now - self._folded_at < WAL_FOLD_SECONDS:
            return
        self._folding, self._folded_at = True, now
        assert self._checkpointer is not None
        future = asyncio.get_running_loop().run_in_executor(self._checkpointer, self._fold_wal)
        future.add_done_callback(self._folded)

    def _fold_wal(self) -> None:
        assert self._sync_engine is not None
        with self._sync_engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")

    def _folded(self, future: asyncio.Future[None]) -> None:
        self._folding = False
        if not future.cancelled() and future.exception() is not None:
            log.warning("could not checkpoint the SQLite WAL: %s", future.exception())

    async def read(self, fn: Callable[[Connection], T]) -> T:
        """Run ``fn`` over a read-only view of committed data (on SQLite right here:
        the hot paths read a few rows by index, quicker than a thread hand-off)."""
        if self._sync_engine is not None:
            loop_connection = self._loop_connection()
            with loop_connection.begin():  # the transaction ends the read snapshot at once
                return fn(loop_connection)
        async with self.engine.connect() as connection:
            return await connection.run_sync(fn)

    # -- the ORM sessions ------------------------------------------------------------------

    @asynccontextmanager
    async def reading(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[AsyncSession]:
        """A session whose transaction commits on success and rolls back on error."""
        if self._write_lock is None:
            async with self._writing_slots, self._sessions() as session, session.begin():
                yield session
            return
        async with self._write_lock, self._sessions() as session, session.begin():
            yield session

    async def record_events(self, session: AsyncSession, events: Sequence[Any]) -> None:
        """Let :attr:`react` write what ``events`` cause in ``session``'s transaction
        (the ORM sessions' counterpart of what :meth:`write` does for its functions)."""
        react = self.react
        if react is None or not events:
            return
        await session.flush()
        await session.run_sync(lambda sync_session: react(sync_session.connection(), events))

    @property
    def is_embedded(self) -> bool:
        """One process owns the database file: row locks mean nothing across processes."""
        return self.settings.is_sqlite

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def checkpoint(self) -> None:
        """Fold the WAL into the main file so erased rows do not linger there.

        A reader holding an old snapshot makes the checkpoint answer "busy" and leave
        the log as it is, erased rows included; so it is tried again for a while."""
        if not self.settings.is_sqlite:
            return
        for _ in range(CHECKPOINT_TRIES):
            async with self.engine.connect() as connection:
                busy = (await connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))).scalar()
            if not busy:
                return
            await asyncio.sleep(CHECKPOINT_RETRY_SECONDS)
        log.warning(
            "the SQLite WAL stayed busy; erased rows remain in it until the next checkpoint"
        )

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._connection is not None:
            self._connection.close()
        if self._sync_engine is not None:
            self._sync_engine.dispose()
        if self._checkpointer is not None:
            self._checkpointer.shutdown(wait=True)
