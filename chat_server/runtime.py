"""What a running installation holds for its lifetime: database, bus, presence, readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chat_server.auth import LoginLimiter, Signer
from chat_server.bus import Bus, Event
from chat_server.db import Database
from chat_server.presence import Presence
from chat_server.redis_ratelimit import AsyncLimiter, LocalLimiter
from chat_server.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    db: Database
    bus: Bus
    presence: Presence
    signer: Signer
    geo: Any = None  # chat_server.tracking.geo.GeoLocator | None
    message_limiter: AsyncLimiter = field(
        default_factory=lambda: LocalLimiter(rate=5.0, burst=10.0)
    )
    login_limiter: LoginLimiter = field(default_factory=LoginLimiter)

    async def publish(self, events: list[Event]) -> None:
        """Publish after commit; a bus failure never undoes what is stored."""
        try:
            await self.bus.publish_many(events)
        except Exception:
            import logging

            logging.getLogger("chat_server.bus").warning("publish failed", exc_info=True)
