"""Engine and sessions.

SQLite allows one writer at a time; rather than let concurrent transactions
fail with "database is locked", writes in this process queue on one lock
(:meth:`Database.writing`). PostgreSQL needs no such lock: row locks order
concurrent writers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from chat_server.settings import Settings


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


class Database:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.engine = create_engine(settings)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if settings.is_sqlite else None

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
