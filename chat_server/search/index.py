"""The search index beside the messages: the one place with dialect SQL for search.

SQLite: an FTS5 table ``message_search(body, message_id UNINDEXED, conversation_id
UNINDEXED)``; PostgreSQL: a table ``message_search(message_id, conversation_id,
document tsvector)`` with a GIN index (``migrations/versions/0004_search_index.py``).
Both hold :func:`~chat_server.search.folding.document`, the folded words, so both
dialects match the same words. A message is indexed in the transaction that stores it
(:func:`index_message`, called by ``chat.posting``; the index rows of a write batch go
in with one ``executemany`` just before its commit): it is searchable as soon as it is
committed. Erasure and retention call :func:`forget` before they delete messages, and
:func:`compact` after, so an erased word leaves FTS5's segments.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Select, column, delete, table, text
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.search.folding import document
from chat_server.storage import deferred

TABLE_NAME = "message_search"
SEARCH = table(TABLE_NAME, column("message_id"), column("conversation_id"))

_INSERT = {
    "sqlite": text(
        "INSERT INTO message_search (body, message_id, conversation_id)"
        " VALUES (:body, :message_id, :conversation_id)"
    ),
    "postgresql": text(
        "INSERT INTO message_search (message_id, conversation_id, document)"
        " VALUES (:message_id, :conversation_id, to_tsvector('simple', :body))"
    ),
}
# Merges FTS5's segments into one, dropping deleted rows' words for good.
_OPTIMIZE = text("INSERT INTO message_search (message_search) VALUES ('optimize')")


def index_message(connection: Connection, message: Mapping[str, Any]) -> None:
    """Index a message being stored (``message``: its row as inserted). Nothing in the
    same write batch searches, so the row joins the batch's other index rows in one
    ``executemany`` before the commit (``storage.deferred``)."""
    deferred.add(
        connection,
        _INSERT[connection.dialect.name],
        {
            "body": document(message["text"]),
            "message_id": message["id"],
            "conversation_id": message["conversation_id"],
        },
    )


def index_rows(connection: Connection, rows: list[Mapping[str, Any]]) -> None:
    """Index existing messages (the backfill of the migration)."""
    if rows:
        connection.execute(
            _INSERT[connection.dialect.name],
            [
                {
                    "body": document(row["text"]),
                    "message_id": row["id"],
                    "conversation_id": row["conversation_id"],
                }
                for row in rows
            ],
        )


async def forget(session: AsyncSession, conversation_ids: Select[Any]) -> None:
    """Drop the index rows of the conversations ``conversation_ids`` selects (before
    their messages are deleted, in the same transaction)."""
    await session.execute(
        delete(SEARCH).where(SEARCH.c.conversation_id.in_(conversation_ids)),
        execution_options={"synchronize_session": False},
    )


async def compact(session: AsyncSession) -> None:
    """After deleting: on SQLite rewrite the FTS5 segments so no erased word lingers in
    them (PostgreSQL drops dead tuples itself, as for the messages)."""
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        await session.execute(_OPTIMIZE)
