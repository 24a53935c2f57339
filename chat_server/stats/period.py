"""The period a figure covers: the waits (and conversations) that began in ``[since, until)``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

DEFAULT_PERIOD = timedelta(hours=24)


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime
