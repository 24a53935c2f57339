"""Waits and SLA targets.

A wait opens at a visitor message when none is open and closes at the next
public agent message (CONTRACT section 4). Every figure (live alerts, the stats
API, the dashboard, the CSV) is read from the wait rows written here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.errors import DomainError
from chat_server.model.tables import (
    Conversation,
    SlaPolicy,
    Wait,
    WaitKind,
    WaitStatus,
    new_id,
    utcnow,
)
from chat_server.runtime.state import Runtime

DEFAULT_SCOPE = "*"
_CACHE_SECONDS = 2.0


@dataclass(frozen=True)
class Policy:
    first_response_seconds: float = 30.0
    next_response_seconds: float = 60.0
    warning_fraction: float = 0.8
    business_hours: dict[str, Any] | None = None

    def target(self, kind: str) -> float:
        if kind == WaitKind.first_response:
            return self.first_response_seconds
        return self.next_response_seconds

    @classmethod
    def of(cls, row: Any) -> Policy:
        """The policy stored in ``row`` (an ``SlaPolicy`` or a Core row of its table)."""
        return cls(
            row.first_response_seconds,
            row.next_response_seconds,
            row.warning_fraction,
            row.business_hours,
        )

    def view(self) -> dict[str, Any]:
        return {
            "first_response_seconds": self.first_response_seconds,
            "next_response_seconds": self.next_response_seconds,
            "warning_fraction": self.warning_fraction,
            "business_hours": self.business_hours,
        }


_policy_cache: dict[str, tuple[float, Policy]] = {}

_POLICY = SlaPolicy.__table__
_POLICIES_OF = select(_POLICY).where(_POLICY.c.scope.in_(bindparam("scopes", expanding=True)))


def policy_in(connection: Connection, site_id: str | None) -> Policy:
    """The site's policy, else the installation default; cached briefly in process."""
    scope = site_id or DEFAULT_SCOPE
    cached = _policy_cache.get(scope)
    if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    rows = connection.execute(_POLICIES_OF, {"scopes": [scope, DEFAULT_SCOPE]})
    by_scope = {row.scope: row for row in rows}
    row = by_scope.get(scope) or by_scope.get(DEFAULT_SCOPE)
    policy = Policy.of(row) if row else Policy()
    _policy_cache[scope] = (time.monotonic(), policy)
    return policy


async def policy_for(session: AsyncSession, site_id: str | None) -> Policy:
    return await session.run_sync(
        lambda sync_session: policy_in(sync_session.connection(), site_id)
    )


async def current_policy(rt: Runtime, site_id: str | None = None) -> Policy:
    async with rt.db.reading() as session:
        return await policy_for(session, site_id)


async def save_policy(
    rt: Runtime,
    first_response_seconds: float,
    next_response_seconds: float,
    warning_fraction: float | None = None,
    business_hours: dict[str, Any] | None = None,
    site_id: str | None = None,
) -> Policy:
    async with rt.db.writing() as session:
        return await store_policy(
            session,
            first_response_seconds,
            next_response_seconds,
            warning_fraction,
            business_hours,
            site_id,
        )


async def store_policy(
    session: AsyncSession,
    first_response_seconds: float,
    next_response_seconds: float,
    warning_fraction: float | None = None,
    business_hours: dict[str, Any] | None = None,
    site_id: str | None = None,
) -> Policy:
    scope = site_id or DEFAULT_SCOPE
    row = await session.get(SlaPolicy, scope)
    if row is None:
        row = SlaPolicy(scope=scope, updated_at=utcnow())
        session.add(row)
    row.first_response_seconds = first_response_seconds
    row.next_response_seconds = next_response_seconds
    if warning_fraction is not None:
        row.warning_fraction = warning_fraction
    row.business_hours = business_hours
    row.updated_at = utcnow()
    _policy_cache.clear()
    return Policy.of(row)


def due_time(policy: Policy, opened_at: datetime, seconds: float) -> datetime:
    """When ``seconds`` of counted time have passed since ``opened_at``."""
    if policy.business_hours:
        from chat_server.sla.business_hours import add_business_seconds

        try:
            return add_business_seconds(policy.business_hours, opened_at, seconds)
        except DomainError:
            pass  # the shop never opens in the calendar it gave: count wall-clock time
    return opened_at + timedelta(seconds=seconds)


_WAIT = Wait.__table__
_INSERT_WAIT = insert(_WAIT)
_ANY_WAIT = (
    select(_WAIT.c.id).where(_WAIT.c.conversation_id == bindparam("conversation_id")).limit(1)
)
_CLOSE_OPEN_WAIT = (
    update(_WAIT)
    .where(
        _WAIT.c.conversation_id == bindparam("b_conversation_id"),
        _WAIT.c.status == WaitStatus.open.value,
    )
    .values(
        status=bindparam("b_status"),
        closed_at=bindparam("b_closed_at"),
        answered_by=bindparam("b_answered_by"),
    )
)


def open_wait(
    connection: Connection, conversation: dict[str, Any], opened_at: datetime, policy: Policy
) -> bool:
    """Open a wait at a visitor message unless one is open already.

    ``conversation`` holds the conversation's columns; its ``waiting_since`` and
    ``wait_kind`` are set here (the mirror of the open wait), and the caller saves it.
    """
    if conversation["waiting_since"] is not None:
        return False
    answered_before = conversation["first_response_at"] is not None
    had_wait = (
        answered_before
        or connection.execute(_ANY_WAIT, {"conversation_id": conversation["id"]}).first()
        is not None
    )
    kind = WaitKind.next_response.value if had_wait else WaitKind.first_response.value
    target = policy.target(kind)
    connection.execute(
        _INSERT_WAIT,
        {
            "id": new_id(),
            "conversation_id": conversation["id"],
            "site_id": conversation["site_id"],
            "kind": kind,
            "status": WaitStatus.open.value,
            "opened_at": opened_at,
            "closed_at": None,
            "answered_by": None,
            "target_seconds": target,
            "due_at": due_time(policy, opened_at, target),
            "warn_at": due_time(policy, opened_at, target * policy.warning_fraction),
            "warned_at": None,
            "breach_announced_at": None,
        },
    )
    conversation["waiting_since"] = opened_at
    conversation["wait_kind"] = kind
    return True


def close_open_wait(
    connection: Connection,
    conversation: dict[str, Any],
    closed_at: datetime,
    answered_by: str | None,
) -> bool:
    """Close the open wait: answered by an agent, or unanswered (``answered_by`` None)."""
    if conversation["waiting_since"] is None:
        return False
    status = WaitStatus.answered if answered_by else WaitStatus.unanswered
    connection.execute(
        _CLOSE_OPEN_WAIT,
        {
            "b_conversation_id": conversation["id"],
            "b_status": status.value,
            "b_closed_at": closed_at,
            "b_answered_by": answered_by,
        },
    )
    conversation["waiting_since"] = None
    conversation["wait_kind"] = None
    return True


async def close_wait(
    session: AsyncSession,
    conversation: Conversation,
    closed_at: datetime,
    answered_by: str | None,
) -> bool:
    """:func:`close_open_wait` for a conversation loaded in an ORM session."""
    if conversation.waiting_since is None:
        return False
    mirror = {"id": conversation.id, "waiting_since": conversation.waiting_since}
    await session.run_sync(
        lambda sync_session: close_open_wait(
            sync_session.connection(), mirror, closed_at, answered_by
        )
    )
    conversation.waiting_since = None
    conversation.wait_kind = None
    return True
