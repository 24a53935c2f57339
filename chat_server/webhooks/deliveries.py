"""A webhook's delivery log: every attempt, newest first, with what comes next; and
its deliveries one row each (state, attempts, the last answer), for the console's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from chat_server.model.outbox_tables import OutboxAttempt, OutboxItem, OutboxState
from chat_server.outbox.store import retry_now
from chat_server.wire.views import iso

OUTBOX = OutboxItem.__table__
ATTEMPT = OutboxAttempt.__table__


def delivery_log(connection: Connection, webhook_id: str, limit: int) -> list[dict[str, Any]]:
    """Attempts of the webhook's deliveries, newest first; ``next_retry_at`` on the
    latest attempt of a delivery still pending (when it will be tried again)."""
    rows = connection.execute(
        select(
            ATTEMPT.c.id,
            ATTEMPT.c.number,
            ATTEMPT.c.at,
            ATTEMPT.c.ok,
            ATTEMPT.c.status_code,
            ATTEMPT.c.error,
            ATTEMPT.c.duration_ms,
            OUTBOX.c.id.label("item_id"),
            OUTBOX.c.payload,
            OUTBOX.c.state,
            OUTBOX.c.due_at,
            OUTBOX.c.attempts,
        )
        .join(OUTBOX, OUTBOX.c.id == ATTEMPT.c.item_id)
        .where(OUTBOX.c.target_id == webhook_id)
        .order_by(ATTEMPT.c.at.desc(), ATTEMPT.c.number.desc())
        .limit(limit)
    ).all()
    return [
        {
            "id": row.id,
            "event": row.payload.get("type"),
            "webhook_id": row.item_id,
            "attempt": row.number,
            "at": iso(row.at),
            "ok": row.ok,
            "status_code": row.status_code,
            "error": row.error,
            "duration_ms": row.duration_ms,
            "state": row.state,
            "next_retry_at": iso(row.due_at)
            if row.state == OutboxState.pending.value and row.number == row.attempts
            else None,
        }
        for row in rows
    ]


def delivery_states(connection: Connection, webhook_id: str, limit: int) -> list[dict[str, Any]]:
    """The webhook's deliveries, newest first, one row each: its state, how many attempts,
    the last attempt's answer, and (still pending) when it is tried next. A delivery not
    tried yet has no attempt, so it shows here while the attempt log has nothing of it."""
    last = ATTEMPT.alias("last_attempt")
    rows = connection.execute(
        select(
            OUTBOX.c.id,
            OUTBOX.c.payload,
            OUTBOX.c.state,
            OUTBOX.c.attempts,
            OUTBOX.c.due_at,
            OUTBOX.c.created_at,
            OUTBOX.c.sent_at,
            OUTBOX.c.last_error,
            last.c.at.label("last_at"),
            last.c.status_code,
            last.c.error,
        )
        .outerjoin(last, and_(last.c.item_id == OUTBOX.c.id, last.c.number == OUTBOX.c.attempts))
        .where(OUTBOX.c.target_id == webhook_id)
        .order_by(OUTBOX.c.created_at.desc(), OUTBOX.c.id.desc())
        .limit(limit)
    ).all()
    seen: set[str] = set()
    states: list[dict[str, Any]] = []
    for row in rows:
        if row.id in seen:  # a repeated attempt number must not repeat the delivery
            continue
        seen.add(row.id)
        pending = row.state == OutboxState.pending.value
        states.append(
            {
                "id": row.id,
                "event": row.payload.get("type"),
                "state": row.state,
                "attempts": row.attempts,
                "status_code": row.status_code,
                # The attempt log may be purged before its item: then the item's own note.
                "error": row.error if row.last_at is not None else row.last_error,
                "last_attempt_at": iso(row.last_at),
                "next_attempt_at": iso(row.due_at) if pending else None,
                "created_at": iso(row.created_at),
                "sent_at": iso(row.sent_at),
            }
        )
    return states


def retry(connection: Connection, webhook_id: str, delivery_id: str, now: datetime) -> bool:
    """Make one of the webhook's deliveries (pending or given up) due now."""
    found = connection.execute(
        select(OUTBOX.c.id).where(OUTBOX.c.id == delivery_id, OUTBOX.c.target_id == webhook_id)
    ).first()
    return found is not None and retry_now(connection, delivery_id, now)
