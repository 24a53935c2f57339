"""The period a figure covers: the waits (and conversations) that began in ``[since, until)``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

DEFAULT_PERIOD = timedelta(hours=24)

#: The sites a figure covers (the caller's scope, or the one asked for); None: every site.
SiteSet = frozenset[str] | None


def on_sites(column: Any, sites: SiteSet) -> list[Any]:
    """The condition that keeps rows of ``sites`` (none for every site; an empty set keeps none)."""
    return [] if sites is None else [column.in_(sorted(sites))]


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
