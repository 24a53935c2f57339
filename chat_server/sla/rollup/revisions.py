"""Which business hours each site keeps now, and their revisions.

A business length is folded under the hours its site keeps at the time, and the
revision of those hours (a digest of their canonical form) is kept beside it. When
a manager changes the hours, the stored lengths of the old revision stop counting:
the stats compute them again row by row, and the fold job measures them again under
the new hours.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Connection, select

from chat_server.model.tables import SlaPolicy
from chat_server.sla.policy import DEFAULT_SCOPE

AROUND_THE_CLOCK = "always"


def revision_of(hours: dict[str, Any] | None) -> str:
    if not hours:
        return AROUND_THE_CLOCK
    canonical = json.dumps(hours, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


class Revisions:
    """The installation's hours, and those of the sites with a policy of their own,
    with their revisions (computed once: the fold asks for each wait's)."""

    def __init__(
        self,
        default_hours: dict[str, Any] | None = None,
        own_hours: dict[str, dict[str, Any] | None] | None = None,
    ) -> None:
        self.default_hours = default_hours
        self.own_hours = own_hours or {}
        self.default_revision = revision_of(default_hours)
        self._own_revisions = {site: revision_of(hours) for site, hours in self.own_hours.items()}

    def hours_of(self, site_id: str) -> dict[str, Any] | None:
        if site_id in self.own_hours:
            return self.own_hours[site_id]
        return self.default_hours

    def revision(self, site_id: str) -> str:
        return self._own_revisions.get(site_id, self.default_revision)

    def is_shared(self) -> bool:
        """Whether every site keeps the installation's hours."""
        return all(rev == self.default_revision for rev in self._own_revisions.values())

    def shared(self) -> tuple[dict[str, Any] | None, str]:
        """The hours every site keeps, and their revision (see :meth:`is_shared`)."""
        if not self.is_shared():
            raise ValueError("the sites keep different business hours")
        return self.default_hours, self.default_revision


def load_revisions(connection: Connection) -> Revisions:
    rows = connection.execute(select(SlaPolicy.scope, SlaPolicy.business_hours)).all()
    by_scope = {scope: hours or None for scope, hours in rows}
    default = by_scope.pop(DEFAULT_SCOPE, None)
    return Revisions(default, by_scope)
