"""What a running installation holds for its lifetime: database, bus, presence, readers."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from chat_server.config.settings import Settings
from chat_server.model.events import DomainEvent
from chat_server.realtime.bus import Bus
from chat_server.realtime.presence import Presence
from chat_server.realtime.redis.ratelimit import AsyncLimiter, LocalLimiter
from chat_server.security.auth import LoginLimiter, Signer
from chat_server.storage.database import Database
from chat_server.tracking.geo import GeoLocator
from chat_server.wire.outbound import envelopes_for

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    db: Database
    bus: Bus
    presence: Presence
    signer: Signer
    geo: GeoLocator | None = None
    message_limiter: AsyncLimiter = field(
        default_factory=lambda: LocalLimiter(rate=5.0, burst=10.0)
    )
    login_limiter: LoginLimiter = field(default_factory=LoginLimiter)

    async def publish(self, events: Iterable[DomainEvent]) -> None:
        """Publish committed events as frames; a bus failure never undoes what is stored."""
        envelopes = envelopes_for(events)
        if not envelopes:
            return
        try:
            await self.bus.publish_many(envelopes)
        except Exception:
            log.warning("publish failed", exc_info=True)
