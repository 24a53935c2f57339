"""SLA policies: the response-time targets, per site or for the whole installation.

A policy is stored per *scope*: a site's id, or :data:`DEFAULT_SCOPE` for the
installation's default, which a site without its own policy follows. Reading and
saving are plain functions over a Core connection: the message hot path calls
:func:`load_policy` inside its group-committed write, the other callers through
``Database.read``/``Database.write`` or an ORM session's connection.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from chat_server.model.errors import DomainError
from chat_server.model.tables import SlaPolicy, WaitKind, utcnow
from chat_server.sla.business_hours import add_business_seconds

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
        """The policy stored in ``row`` (a Core row of the ``sla_policy`` table)."""
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
_WARNING_FRACTION_OF = select(_POLICY.c.warning_fraction).where(
    _POLICY.c.scope == bindparam("scope")
)


def load_policy(connection: Connection, site_id: str | None = None) -> Policy:
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


def save_policy(
    connection: Connection,
    first_response_seconds: float,
    next_response_seconds: float,
    warning_fraction: float | None = None,
    business_hours: dict[str, Any] | None = None,
    site_id: str | None = None,
) -> Policy:
    """Store the scope's policy (a ``warning_fraction`` of None keeps the stored one)."""
    scope = site_id or DEFAULT_SCOPE
    stored = connection.execute(_WARNING_FRACTION_OF, {"scope": scope}).first()
    if warning_fraction is None:
        warning_fraction = Policy.warning_fraction if stored is None else stored.warning_fraction
    policy = Policy(first_response_seconds, next_response_seconds, warning_fraction, business_hours)
    values = {
        "first_response_seconds": first_response_seconds,
        "next_response_seconds": next_response_seconds,
        "warning_fraction": warning_fraction,
        "business_hours": business_hours,
        "updated_at": utcnow(),
    }
    if stored is None:
        connection.execute(insert(_POLICY).values(scope=scope, **values))
    else:
        connection.execute(update(_POLICY).where(_POLICY.c.scope == scope).values(**values))
    _policy_cache.clear()
    return policy


def due_time(policy: Policy, opened_at: datetime, seconds: float) -> datetime:
    """When ``seconds`` of counted time have passed since ``opened_at``."""
    if policy.business_hours:
        try:
            return add_business_seconds(policy.business_hours, opened_at, seconds)
        except DomainError:
            pass  # the shop never opens in the calendar it gave: count wall-clock time
    return opened_at + timedelta(seconds=seconds)
