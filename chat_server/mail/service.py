"""E-mail in a running process: registered with the outbox, the missed sweep, the listener.

The web application's lifespan starts one :class:`MailService` and stops it. With no
``CHAT_SMTP_URL`` nothing is queued or sent; with ``CHAT_INBOUND_SMTP`` the process
also listens for replies (whether or not it sends).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from chat_server.mail.inbound import InboundListener
from chat_server.mail.outgoing import register_handlers
from chat_server.mail.triggers import mail_reactor, queue_missed_conversations
from chat_server.outbox import reactions
from chat_server.outbox.reactions import Reactor
from chat_server.runtime.state import Runtime

log = logging.getLogger(__name__)


class MailService:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.listener = InboundListener(rt)
        self._reactor: Reactor | None = None
        self._sweep: asyncio.Task[None] | None = None

    async def start(self) -> None:
        settings = self.rt.settings.mail
        # The handlers are registered even without SMTP, so items queued while it was
        # configured are given up with a reason rather than left unknown.
        register_handlers()
        if settings.enabled:
            self._reactor = mail_reactor(settings)
            reactions.register(self._reactor)
            self._sweep = asyncio.create_task(self._sweep_missed(), name="mail-missed")
        await self.listener.start()

    async def _sweep_missed(self) -> None:
        while True:
            try:
                await queue_missed_conversations(self.rt)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("the missed-conversation sweep failed", exc_info=True)
            await asyncio.sleep(self.rt.settings.mail.missed_sweep_seconds)

    async def stop(self) -> None:
        await self.listener.stop()
        if self._reactor is not None:
            reactions.unregister(self._reactor)
            self._reactor = None
        if self._sweep is not None:
            self._sweep.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweep
            self._sweep = None
