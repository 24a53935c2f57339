"""The garbage collector, tuned for thousands of long-lived sockets.

CPython collects its oldest generation whenever it has grown by a quarter, and
that collection walks every object of the process: with 10,000 idle sockets
that is about half a second during which no socket is served (measured with the
``chat_gc_pause_seconds`` metric during the benchmark: ten such pauses of
0.1-0.5 s while 10,000 sockets opened, each finding 0-50 unreachable objects,
since almost all garbage dies young and goes with the young generations).

So the oldest generation is collected on a schedule instead (every
``FULL_COLLECTION_SECONDS``, by the jobs) and the objects of the started
application (modules, routes, settings) are frozen out of every collection.
The young generations keep their default thresholds.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

from chat_server.observe import metrics

log = logging.getLogger(__name__)

FULL_COLLECTION_SECONDS = 600.0
#: A count of young-generation collections no process reaches between two scheduled
#: full collections: the oldest generation is collected only when the job says so.
_NEVER = 1_000_000_000
LONG_PAUSE = 0.1

_started_at: float | None = None


def _time_collection(phase: str, info: dict[str, Any]) -> None:
    global _started_at
    if phase == "start":
        _started_at = time.perf_counter()
        return
    if _started_at is None:
        return
    paused, _started_at = time.perf_counter() - _started_at, None
    metrics.GC_PAUSE_SECONDS.labels(str(info["generation"])).observe(paused)
    if paused >= LONG_PAUSE:
        log.warning(
            "garbage collection of generation %d stalled the process for %.0f ms (%d collected)",
            info["generation"],
            paused * 1000,
            info["collected"],
        )


def take_over_full_collections() -> None:
    """Call once the application is set up: freeze what exists, schedule the rest."""
    gc.collect()
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    gc.set_threshold(young, middle, _NEVER)
    if _time_collection not in gc.callbacks:
        gc.callbacks.append(_time_collection)


async def collect_fully(_rt: object) -> None:
    """The scheduled full collection (a job)."""
    gc.collect(2)
