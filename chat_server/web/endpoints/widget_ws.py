"""The visitor socket ``/ws/visitor?site=KEY``: a WebSocket transport for a
:class:`~chat_server.web.visitor_session.VisitorSession`, which owns what frames mean."""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect

from chat_server.admin import sites
from chat_server.observe import metrics
from chat_server.realtime.hub import Hub
from chat_server.runtime.state import Runtime
from chat_server.security.origins import origin_allowed
from chat_server.web.visitor_session import Peer, VisitorSession

log = logging.getLogger(__name__)

POLICY_VIOLATION = 1008


class SocketReader:
    """Reads a visitor socket's frames into its session, one at a time."""

    def __init__(self, session: VisitorSession, websocket: WebSocket) -> None:
        self.session = session
        self.websocket = websocket

    async def read_loop(self) -> None:
        if not await self._read_until_hello():
            return
        # One frame per call, so nothing of the last frame (the message, its text, the
        # parsed hello) stays referenced while an idle socket waits (~1.5 KB per socket).
        while await self._read_frame():
            pass

    async def _read_until_hello(self) -> bool:
        """Read frames until a hello succeeds; a socket that sends none within
        ``hello_timeout_seconds`` is closed with 1008. Only the wait for a frame is
        timed: a hello that arrived in time is never cut off while it is handled."""
        deadline = time.monotonic() + self.session.rt.settings.hello_timeout_seconds
        while self.session.visitor_id is None:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                async with asyncio.timeout(remaining):
                    message = await self.websocket.receive()
            except TimeoutError:
                log.info("closing visitor socket: no hello within the deadline")
                await self.websocket.close(POLICY_VIOLATION)
                return False
            if not await self._read_frame(message):
                return False
        return True

    async def _read_frame(self, message: Message | None = None) -> bool:
        if message is None:
            message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return False
        await self.session.handle_text(message.get("text"))
        return True


async def visitor_endpoint(websocket: WebSocket) -> None:
    rt: Runtime = websocket.app.state.runtime
    hub: Hub = websocket.app.state.hub
    site = await sites.site_by_key(rt, websocket.query_params.get("site"))
    if site is None or not origin_allowed(site.origins, websocket.headers.get("origin")):
        # Refused at the handshake: the client sees HTTP 403.
        await websocket.close(POLICY_VIOLATION)
        return
    await websocket.accept()
    metrics.CONNECTIONS.labels("visitor").inc()
    peer = Peer(
        websocket.client.host if websocket.client else None,
        websocket.headers,
        rt.settings.trusted_proxies,
    )
    session = VisitorSession(rt, hub, site, websocket, peer)
    reader = SocketReader(session, websocket)
    try:
        await session.connection.run(reader.read_loop)
    except WebSocketDisconnect:
        pass
    finally:
        metrics.CONNECTIONS.labels("visitor").dec()
        await session.closed()
