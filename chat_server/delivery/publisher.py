"""From committed domain events to frames on the bus."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from chat_server.model.events import DomainEvent
from chat_server.realtime.bus import Bus
from chat_server.wire.outbound import envelopes_for

log = logging.getLogger(__name__)


class BusPublisher:
    """The ``Runtime``'s publisher: every event's frames, encoded once, to the bus."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def __call__(self, events: Sequence[DomainEvent]) -> None:
        envelopes = envelopes_for(events)
        if not envelopes:
            return
        try:
            await self.bus.publish_many(envelopes)
        except Exception:
            # Stored is stored: sockets catch up from the database when they resume.
            log.warning("publish failed", exc_info=True)
