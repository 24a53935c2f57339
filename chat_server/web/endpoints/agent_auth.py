"""Who is on an agent socket: the console's session cookie, or a first ``auth`` frame.

Secrets never travel in the URL (URLs end up in logs), so ``?token=`` is refused at
the handshake. A browser's cookie is accepted only from the server's own pages: the
browser attaches it to a WebSocket opened by any page, and the ``Origin`` header is
what tells a cross-site hijack apart. Scripts connect without a cookie and send
``{"type": "auth", "token": TOKEN}`` within ``CHAT_AUTH_FRAME_SECONDS`` (5).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from chat_server.admin import sessions
from chat_server.model.tables import Agent, SessionKind
from chat_server.runtime.state import Runtime
from chat_server.security.origins import is_own_origin
from chat_server.web.endpoints.guards import SESSION_COOKIE
from chat_server.wire.outbound import error_frame

#: Closing before the handshake is accepted answers HTTP 403.
REFUSED_AT_HANDSHAKE = 1008
#: Not (or no longer) authenticated: a bad token, no auth frame, or the session ended.
UNAUTHORIZED = 4401


@dataclass(frozen=True)
class SocketLogin:
    agent: Agent
    session_id: str


async def authenticate_agent_socket(websocket: WebSocket, rt: Runtime) -> SocketLogin | None:
    """The agent and session of an accepted socket; None once it has been refused."""
    if "token" in websocket.query_params:
        await websocket.close(REFUSED_AT_HANDSHAKE)
        return None
    origin = websocket.headers.get("origin")
    cookie_value = websocket.cookies.get(SESSION_COOKIE)
    if cookie_value is not None:
        host = websocket.headers.get("host")
        if origin is not None and not is_own_origin(origin, host, rt.settings.public_url):
            await websocket.close(REFUSED_AT_HANDSHAKE)
            return None
        cookie = rt.signer.read_console_cookie(cookie_value)
        if cookie is not None:
            agent = await sessions.agent_of_session(rt, cookie.session_id, SessionKind.console)
            if agent is not None:
                await websocket.accept()
                return SocketLogin(agent, cookie.session_id)
        if origin is not None:  # the console, whose session ended: tell it at once
            await websocket.accept()
            await refuse(websocket, "your console session has ended; log in again")
            return None
    await websocket.accept()
    return await _auth_frame_login(websocket, rt)


async def _auth_frame_login(websocket: WebSocket, rt: Runtime) -> SocketLogin | None:
    try:
        message = await asyncio.wait_for(websocket.receive(), rt.settings.auth_frame_seconds)
    except TimeoutError:
        await refuse(websocket, 'send {"type": "auth", "token": ...} first, within 5 seconds')
        return None
    except WebSocketDisconnect:
        return None
    if message["type"] == "websocket.disconnect":
        return None
    token = auth_frame_token(message.get("text"))
    session_id = rt.signer.read_api_token(token)
    agent = await sessions.agent_of_session(rt, session_id, SessionKind.api)
    if agent is None or session_id is None:
        await refuse(websocket, "a valid token is required (an auth frame first)")
        return None
    return SocketLogin(agent, session_id)


def auth_frame_token(text: str | None) -> str | None:
    """The token of an ``auth`` frame; None for anything else."""
    if not text:
        return None
    try:
        frame = orjson.loads(text)
    except (orjson.JSONDecodeError, RecursionError):
        return None
    if not isinstance(frame, dict) or frame.get("type") != "auth":
        return None
    token = frame.get("token")
    return token if isinstance(token, str) else None


async def refuse(websocket: WebSocket, message: str) -> None:
    """``error`` code ``unauthorized``, then close with 4401."""
    with contextlib.suppress(Exception):
        await websocket.send_text(error_frame("unauthorized", message))
        await websocket.close(UNAUTHORIZED)


async def close_ended_session(websocket: WebSocket) -> None:
    """Closes an authenticated socket whose session stopped counting (4401)."""
    if websocket.application_state != WebSocketState.CONNECTED:
        return
    with contextlib.suppress(Exception):
        await asyncio.wait_for(websocket.close(UNAUTHORIZED, "session ended"), 2.0)
