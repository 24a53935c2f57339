"""Waits: the time a visitor waits for an agent's answer.

A wait opens at a visitor message when none is open and closes at the next
public agent message (CONTRACT section 4), or unanswered when the conversation is
resolved or the visitor leaves. Every figure (live alerts, the stats API, the
dashboard, the CSV) is read from the wait rows written here.

The conversation's ``waiting_since`` and ``wait_kind`` mirror its open wait. Both
functions take the conversation as a dict of its columns (what the message hot
path holds), keep that mirror in it, and leave saving it to the caller. Both run
over a Core connection: the hot path's group-committed one, or an ORM session's,
whose caller passes the columns read and, when a wait closed, clears the mirror
on its object::

    mirror = {"id": conversation.id, "waiting_since": conversation.waiting_since}
    connection = await session.connection()
    if await connection.run_sync(close_wait, mirror, now, None):
        conversation.waiting_since = conversation.wait_kind = None
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from chat_server.model.tables import Wait, WaitKind, WaitStatus, new_id
from chat_server.sla.policy import Policy, due_time
from chat_server.storage.prepared import Prepared

_WAIT = Wait.__table__
_INSERT_WAIT = Prepared(insert(_WAIT))
_ANY_WAIT = Prepared(
    select(_WAIT.c.id).where(_WAIT.c.conversation_id == bindparam("conversation_id")).limit(1)
)
_CLOSE_OPEN_WAIT = Prepared(
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

    Reads the conversation's ``id``, ``site_id``, ``first_response_at`` and
    ``waiting_since``; sets ``waiting_since`` and ``wait_kind``.
    """
    if conversation["waiting_since"] is not None:
        return False
    answered_before = conversation["first_response_at"] is not None
    had_wait = (
        answered_before
        or _ANY_WAIT.first(connection, {"conversation_id": conversation["id"]}) is not None
    )
    kind = WaitKind.next_response.value if had_wait else WaitKind.first_response.value
    target = policy.target(kind)
    _INSERT_WAIT.run(
        connection,
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


def close_wait(
    connection: Connection,
    conversation: dict[str, Any],
    closed_at: datetime,
    answered_by: str | None,
) -> bool:
    """Close the open wait: answered by an agent, or unanswered (``answered_by`` None).

    Reads the conversation's ``id`` and ``waiting_since``; clears ``waiting_since``
    and ``wait_kind``. False when no wait was open.
    """
    if conversation["waiting_since"] is None:
        return False
    status = WaitStatus.answered if answered_by else WaitStatus.unanswered
    _CLOSE_OPEN_WAIT.run(
        connection,
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
