"""The outbox (issue 13): what must be sent because of a committed change, every
attempt to send it, and the webhook subscriptions that cause deliveries.

An item is written in the same transaction as the change that causes it, so a crash
can delay it but never lose it. ``target_id`` names what the item is for (a webhook's
id for a delivery), so a webhook's delivery log is one indexed query. Attempts carry
no foreign key to items on purpose: they are the log, and purging old items need not
wait for them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from chat_server.model.tables import new_id, time_column


class OutboxState(StrEnum):
    pending = "pending"
    sent = "sent"
    dead = "dead"


class OutboxItem(SQLModel, table=True):
    __tablename__ = "outbox_item"
    __table_args__ = (
        Index("ix_outbox_item_state_due", "state", "due_at"),
        Index("ix_outbox_item_target", "target_id", "created_at"),
        Index("ix_outbox_item_dedupe_key", "dedupe_key", unique=True),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    kind: str
    site_id: str | None = Field(default=None, index=True)
    target_id: str | None = None
    payload: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # A second item with the same key is not written (null: no deduplication).
    dedupe_key: str | None = None
    state: str = OutboxState.pending.value
    due_at: datetime = time_column()
    attempts: int = 0
    last_error: str | None = None
    created_at: datetime = time_column()
    sent_at: datetime | None = time_column(nullable=True)
    # Set while a process sends the item; a crashed process's claim runs out.
    claimed_until: datetime | None = time_column(nullable=True)
    claim_token: str | None = None


class OutboxAttempt(SQLModel, table=True):
    __tablename__ = "outbox_attempt"
    __table_args__ = (Index("ix_outbox_attempt_item", "item_id", "number"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    item_id: str
    number: int
    at: datetime = time_column()
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: float = 0.0


class Webhook(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    url: str
    events: list[str] = Field(sa_column=Column(JSON, nullable=False))
    secret: str
    # None: every site's events.
    site_id: str | None = Field(default=None, index=True)
    created_at: datetime = time_column()
    created_by: str | None = None
