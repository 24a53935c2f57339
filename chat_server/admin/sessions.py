"""Stored sessions (``auth_session``): every API token and console login is one row.

A credential counts while its row is not revoked, not expired, its agent is active,
and the agent's ``credential_version`` is still the one the row was issued under (a
password change or a deactivation bumps it, refusing everything issued before). The
check is one indexed query, run on every request and, for the open sockets of this
process, every ``CHAT_SESSION_CHECK_SECONDS``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, delete, insert, select, update

from chat_server.model.tables import Agent, AuthSession, SessionKind, new_id, utcnow
from chat_server.runtime.state import Runtime

log = logging.getLogger(__name__)

#: Ids asked about in one query when checking open sockets.
CHECK_BATCH = 500
#: Rows of sessions that ended longer ago than this are deleted.
KEEP_ENDED = timedelta(days=7)


def _counts(kind: str | None = None) -> ColumnElement[bool]:
    now = utcnow()
    conditions = [
        AuthSession.revoked_at.is_(None),
        AuthSession.expires_at > now,
        Agent.active.is_(True),
        AuthSession.credential_version == Agent.credential_version,
    ]
    if kind is not None:
        conditions.append(AuthSession.kind == kind)
    return and_(*conditions)


async def open_session(rt: Runtime, agent: Agent, kind: SessionKind, seconds: float) -> str:
    """A new session of ``agent`` (under its current credential version); its id."""
    session_id = new_id()
    now = utcnow()
    values: dict[str, Any] = {
        "id": session_id,
        "agent_id": agent.id,
        "kind": kind.value,
        "credential_version": agent.credential_version,
        "created_at": now,
        "expires_at": now + timedelta(seconds=seconds),
    }
    await rt.db.write(lambda connection: connection.execute(insert(AuthSession).values(values)))
    return session_id


def _agent_of(connection: Connection, session_id: str, kind: str) -> Agent | None:
    row = connection.execute(
        select(Agent)
        .join(AuthSession, AuthSession.agent_id == Agent.id)
        .where(AuthSession.id == session_id, _counts(kind))
    ).first()
    return Agent(**row._mapping) if row is not None else None


async def agent_of_session(rt: Runtime, session_id: str | None, kind: SessionKind) -> Agent | None:
    """The agent of a session that still counts, or None."""
    if not session_id:
        return None
    return await rt.db.read(lambda connection: _agent_of(connection, session_id, kind.value))


async def revoke_session(rt: Runtime, session_id: str) -> None:
    def revoke(connection: Connection) -> None:
        connection.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )

    await rt.db.write(revoke)


def _still_counting(connection: Connection, session_ids: Sequence[str]) -> set[str]:
    rows = connection.execute(
        select(AuthSession.id)
        .join(Agent, AuthSession.agent_id == Agent.id)
        .where(AuthSession.id.in_(session_ids), _counts())
    )
    return {session_id for (session_id,) in rows}


async def close_revoked_sockets(rt: Runtime) -> int:
    """Closes this process's agent sockets whose session stopped counting; how many."""
    held = rt.session_sockets.session_ids()
    if not held:
        return 0
    ended: list[str] = []
    for start in range(0, len(held), CHECK_BATCH):
        batch = held[start : start + CHECK_BATCH]
        counting = await rt.db.read(partial(_still_counting, session_ids=batch))
        ended += [session_id for session_id in batch if session_id not in counting]
    closed = await rt.session_sockets.close(ended)
    if closed:
        log.info("closed %d agent sockets of %d ended sessions", closed, len(ended))
    return closed


async def purge_ended_sessions(rt: Runtime) -> None:
    """Deletes the rows of sessions that expired or were revoked a week ago."""
    before = utcnow() - KEEP_ENDED

    def purge(connection: Connection) -> None:
        connection.execute(
            delete(AuthSession).where(
                (AuthSession.expires_at < before) | (AuthSession.revoked_at < before)
            )
        )

    await rt.db.write(purge)
