"""What an account may see: its role and its sites, resolved once per request or socket.

Every list, event, search, export and figure is filtered through a :class:`Scope`,
so no query has to remember tenancy on its own. ``site_ids`` is ``None`` for an
account that belongs to every site (admins, and accounts created without sites).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from chat_server.model.errors import NotFound


@dataclass(frozen=True, slots=True)
class Scope:
    agent_id: str
    role: str
    site_ids: frozenset[str] | None

    @property
    def all_sites(self) -> bool:
        return self.site_ids is None

    def allows(self, site_id: str | None) -> bool:
        """Whether a thing of ``site_id`` is visible (``None``: shared by every site)."""
        return self.site_ids is None or site_id is None or site_id in self.site_ids

    def require(self, site_id: str | None, what: str = "conversation") -> None:
        """Raise ``not_found`` for a thing of another site: its existence is not revealed."""
        if not self.allows(site_id):
            raise NotFound("not_found", f"no such {what}")

    def narrow(self, site_id: str | None) -> frozenset[str] | None:
        """The sites a query asked for ``site_id`` covers; an outside site covers none."""
        if site_id is None:
            return self.site_ids
        return frozenset([site_id]) if self.allows(site_id) else frozenset()

    def filter_sites(self, site_ids: Iterable[str]) -> list[str]:
        return [site_id for site_id in site_ids if self.allows(site_id)]
