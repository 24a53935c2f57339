"""What a running installation holds for its lifetime: database, bus, presence, readers.

Publishing is handed in (``publisher``) by the layer above the domain, which owns the
translation of events into frames: the domain can announce what it committed without
ever importing the wire translator.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from chat_server.config.settings import Settings
from chat_server.model.events import DomainEvent
from chat_server.realtime.bus import Bus
from chat_server.realtime.presence import Presence
from chat_server.realtime.redis.ratelimit import AsyncLimiter, LocalLimiter
from chat_server.security.limits import LocalFailureCounter, LoginGuard
from chat_server.security.sockets import SessionSockets
from chat_server.security.tokens import Signer
from chat_server.storage.database import Database
from chat_server.tracking.geo import GeoLocator

#: Publishes committed events to every socket that should hear of them.
Publisher = Callable[[Sequence[DomainEvent]], Awaitable[None]]


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
    #: A visitor's uploads (20 an hour); app.py shares it through Redis when there is one.
    upload_limiter: AsyncLimiter = field(
        default_factory=lambda: LocalLimiter(rate=20 / 3600, burst=20.0)
    )
    #: Failed-login limits; app.py gives it the shared Redis counter when there is one.
    login_guard: LoginGuard = field(
        default_factory=lambda: LoginGuard(LocalFailureCounter(), "login-limits")
    )
    #: The stored sessions this process's open agent sockets hold.
    session_sockets: SessionSockets = field(default_factory=SessionSockets)
    #: None for a runtime that only reads and writes (the CLI's commands).
    publisher: Publisher | None = None

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Publish committed events; a bus failure never undoes what is stored."""
        if not events:
            return
        if self.publisher is None:
            raise RuntimeError("this runtime was started without a publisher")
        await self.publisher(events)
