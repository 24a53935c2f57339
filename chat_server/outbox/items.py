"""Writing outbox items inside the caller's transaction.

:func:`enqueue` is plain Core over the caller's connection (the group-committed
writes and the reactors use it); :func:`enqueue_in` is the same for ORM sessions. A
second item with the same ``dedupe_key`` is skipped with ``INSERT ... ON CONFLICT DO
NOTHING`` (SQLite and PostgreSQL alike), which leaves the caller's transaction intact
where a failed INSERT would abort it on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, String, cast, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.outbox_tables import OutboxAttempt, OutboxItem, OutboxState
from chat_server.model.tables import new_id, utcnow

OUTBOX = OutboxItem.__table__


@dataclass(frozen=True, slots=True)
class OutboxItemView:
    """An item as a handler sees it while sending it (``attempt`` counts from 1)."""

    id: str
    kind: str
    site_id: str | None
    target_id: str | None
    payload: dict[str, Any]
    attempt: int
    created_at: datetime


def enqueue(
    connection: Connection,
    *,
    kind: str,
    payload: dict[str, Any],
    site_id: str | None,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
    target_id: str | None = None,
) -> bool:
    """Write an item in the caller's transaction; False when ``dedupe_key`` exists already."""
    now = utcnow()
    values = {
        "id": new_id(),
        "kind": kind,
        "site_id": site_id,
        "target_id": target_id,
        "payload": payload,
        "dedupe_key": dedupe_key,
        "state": OutboxState.pending.value,
        "due_at": due_at or now,
        "attempts": 0,
        "created_at": now,
    }
    if dedupe_key is None:
        connection.execute(OUTBOX.insert().values(**values))
        return True
    insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(OUTBOX).values(**values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
    return bool(connection.execute(statement).rowcount)


async def enqueue_in(
    session: AsyncSession,
    *,
    kind: str,
    payload: dict[str, Any],
    site_id: str | None,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
    target_id: str | None = None,
) -> bool:
    """:func:`enqueue` in an ORM session's transaction."""
    return await session.run_sync(
        lambda sync_session: enqueue(
            sync_session.connection(),
            kind=kind,
            payload=payload,
            site_id=site_id,
            due_at=due_at,
            dedupe_key=dedupe_key,
            target_id=target_id,
        )
    )


async def forget_about(session: AsyncSession, ids: Sequence[str]) -> None:
    """Erasure (KVKK/GDPR): every item whose payload names one of ``ids`` (a visitor and
    its conversations), with its attempts: pending e-mails and webhook deliveries carry
    the shopper's words, and sent ones stay in the delivery log. Ids are random tokens,
    so finding one in the stored JSON text is exact; erasing is rare, a scan is fine."""
    if not ids:
        return
    text = cast(OUTBOX.c.payload, String)
    named = select(OUTBOX.c.id).where(or_(*(text.contains(i, autoescape=True) for i in ids)))
    item_ids = list((await session.execute(named)).scalars())
    for start in range(0, len(item_ids), 500):
        chunk = item_ids[start : start + 500]
        await session.execute(delete(OutboxAttempt).where(OutboxAttempt.item_id.in_(chunk)))
        await session.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(chunk)))
