"""The dispatcher's SQL: claim due items, record an attempt, count what waits.

A claim marks items with a lease (``claimed_until``) and a token in one short
transaction; on PostgreSQL the rows are picked ``FOR UPDATE SKIP LOCKED``, so
processes claiming at the same moment take different items. An item whose claim ran
out (its process died while sending) is due again. Finishing checks the token, so a
process that outlived its lease cannot undo another's result.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, func, or_, select, update

from chat_server.model.outbox_tables import OutboxAttempt, OutboxItem, OutboxState
from chat_server.model.tables import new_id
from chat_server.outbox.items import OutboxItemView

OUTBOX = OutboxItem.__table__
ATTEMPT = OutboxAttempt.__table__
PENDING = OutboxState.pending.value


@dataclass(frozen=True, slots=True)
class Result:
    """How one attempt went, and what becomes of the item."""

    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float
    #: When to try again (None: sent, or given up).
    retry_at: datetime | None
    dead: bool = False


def claim(
    connection: Connection,
    kinds: Collection[str],
    now: datetime,
    lease_until: datetime,
    token: str,
    limit: int,
) -> list[OutboxItemView]:
    """Take up to ``limit`` due items of ``kinds`` for this process until ``lease_until``."""
    if not kinds:
        return []
    due = (
        select(OUTBOX.c.id)
        .where(
            OUTBOX.c.state == PENDING,
            OUTBOX.c.due_at <= now,
            OUTBOX.c.kind.in_(sorted(kinds)),
            or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until < now),
        )
        .order_by(OUTBOX.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list(connection.execute(due).scalars())
    if not ids:
        return []
    connection.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(ids))
        .values(claimed_until=lease_until, claim_token=token)
    )
    rows = connection.execute(select(OUTBOX).where(OUTBOX.c.id.in_(ids))).all()
    return [
        OutboxItemView(
            id=row.id,
            kind=row.kind,
            site_id=row.site_id,
            target_id=row.target_id,
            payload=row.payload,
            attempt=row.attempts + 1,
            created_at=row.created_at,
        )
        for row in rows
    ]


def finish(
    connection: Connection, item: OutboxItemView, token: str, at: datetime, result: Result
) -> None:
    """Record the attempt; mark the item sent, dead, or due again at ``retry_at``."""
    connection.execute(
        ATTEMPT.insert().values(
            id=new_id(),
            item_id=item.id,
            number=item.attempt,
            at=at,
            ok=result.ok,
            status_code=result.status_code,
            error=result.error,
            duration_ms=round(result.duration_ms, 1),
        )
    )
    values: dict[str, object] = {
        "attempts": item.attempt,
        "claimed_until": None,
        "claim_token": None,
        "last_error": result.error,
    }
    if result.ok:
        values.update(state=OutboxState.sent.value, sent_at=at)
    elif result.dead or result.retry_at is None:
        values.update(state=OutboxState.dead.value)
    else:
        values.update(due_at=result.retry_at)
    connection.execute(
        update(OUTBOX).where(OUTBOX.c.id == item.id, OUTBOX.c.claim_token == token).values(**values)
    )


def counts(connection: Connection) -> dict[tuple[str, str], int]:
    """How many items wait or were given up, by (state, kind)."""
    rows = connection.execute(
        select(OUTBOX.c.state, OUTBOX.c.kind, func.count())
        .where(OUTBOX.c.state.in_([PENDING, OutboxState.dead.value]))
        .group_by(OUTBOX.c.state, OUTBOX.c.kind)
    ).all()
    return {(state, kind): int(count) for state, kind, count in rows}


def retry_now(connection: Connection, item_id: str, now: datetime) -> bool:
    """Make a pending or dead item due at once (an operator's "retry now")."""
    result = connection.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == item_id, OUTBOX.c.state != OutboxState.sent.value)
        .values(state=PENDING, due_at=now, claimed_until=None, claim_token=None)
    )
    return bool(result.rowcount)


def purge(connection: Connection, before: datetime, limit: int = 1000) -> int:
    """Forget up to ``limit`` items sent or given up before ``before``, and their attempts."""
    ids = list(
        connection.execute(
            select(OUTBOX.c.id)
            .where(OUTBOX.c.state != PENDING, OUTBOX.c.created_at < before)
            .limit(limit)
        ).scalars()
    )
    if ids:
        connection.execute(delete(ATTEMPT).where(ATTEMPT.c.item_id.in_(ids)))
        connection.execute(delete(OUTBOX).where(OUTBOX.c.id.in_(ids)))
    return len(ids)
