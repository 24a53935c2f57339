"""Alembic environment: the URL comes from chat_server.config.settings, never from an ini file."""

import asyncio

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import chat_server.model.assistant_tables  # registers the FAQ and unanswered questions
import chat_server.model.attachment_tables  # registers the uploads
import chat_server.model.outbox_tables  # registers the outbox and the webhooks
import chat_server.model.tables  # noqa: F401  (registers the tables)

target_metadata = SQLModel.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """The search index (``0004``) is no model: its shape differs per dialect, and FTS5
    keeps shadow tables (``message_search_data``, ``_idx``, ...) beside it."""
    return not (type_ == "table" and name is not None and name.startswith("message_search"))


def do_run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Processes starting together: one migrates, the others wait for it here,
            # then find the schema at head and do nothing.
            connection.execute(text("SELECT pg_advisory_xact_lock(727011)"))
        context.run_migrations()


async def run_async_migrations() -> None:
    url = context.config.get_main_option("sqlalchemy.url")
    assert url
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(do_run_migrations)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    do_run_migrations(connection)
else:
    asyncio.run(run_async_migrations())
