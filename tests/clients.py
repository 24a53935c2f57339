"""Real WebSocket clients speaking the contract, for tests and nothing else."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

PAGE = {"url": "https://shop.example/", "title": "Home", "referrer": None}


class FrameInbox:
    """Frames a reader task puts in ``_inbox`` (an exception ends it), taken by tests in
    order; the WebSocket and the SSE clients share it."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []
        self._inbox: asyncio.Queue[dict[str, Any] | BaseException] = asyncio.Queue()

    async def recv(self, timeout: float = 5.0) -> dict[str, Any]:
        item = await asyncio.wait_for(self._inbox.get(), timeout)
        if isinstance(item, BaseException):
            self._inbox.put_nowait(item)
            raise item
        self.frames.append(item)
        return item

    async def expect(self, kind: str, timeout: float = 5.0, **match: Any) -> dict[str, Any]:
        """The next frame of this type (and fields), skipping others."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"no {kind} frame matching {match} within {timeout}s")
            frame = await self.recv(remaining)
            if frame.get("type") == kind and all(frame.get(k) == v for k, v in match.items()):
                return frame

    async def drain(self, quiet: float = 0.3) -> list[dict[str, Any]]:
        frames = []
        while True:
            try:
                frames.append(await self.recv(quiet))
            except TimeoutError:
                return frames


class Client(FrameInbox):
    """Reads continuously, as a browser does, so the server never sees a slow consumer."""

    def __init__(self, connection: ClientConnection) -> None:
        super().__init__()
        self.connection = connection
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.connection:
                self._inbox.put_nowait(json.loads(raw))
        except BaseException as exc:  # noqa: BLE001 - handed to the next recv()
            self._inbox.put_nowait(exc)
            return
        self._inbox.put_nowait(websockets.ConnectionClosedOK(self.connection.close_rcvd, None))

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        await self.connection.send(frame if isinstance(frame, (str, bytes)) else json.dumps(frame))

    async def close(self) -> None:
        await self.connection.close()
        self._reader.cancel()


class Visitor(Client):
    welcome: dict[str, Any]

    @classmethod
    async def connect(
        cls,
        ws_base: str,
        site_key: str,
        token: str | None = None,
        last_seq: int = 0,
        page: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        origin: str | None = None,
    ) -> Visitor:
        connection = await websockets.connect(
            f"{ws_base}/ws/visitor?site={site_key}",
            additional_headers=headers,
            origin=origin,  # type: ignore[arg-type]
            max_size=None,
        )
        visitor = cls(connection)
        await visitor.send(
            {"type": "hello", "visitor_token": token, "page": page or PAGE, "last_seq": last_seq}
        )
        visitor.welcome = await visitor.expect("welcome", timeout=15)
        return visitor

    @property
    def token(self) -> str:
        return str(self.welcome["visitor_token"])

    @property
    def id(self) -> str:
        return str(self.welcome["visitor_id"])

    async def say(self, text: str, client_id: str | None = None) -> dict[str, Any]:
        client_id = client_id or uuid.uuid4().hex
        await self.send({"type": "message.send", "client_id": client_id, "text": text})
        return await self.expect("ack", client_id=client_id)


class Agent(Client):
    welcome: dict[str, Any]

    @classmethod
    async def connect(cls, ws_base: str, token: str) -> Agent:
        """Authenticates as scripts do: an ``auth`` frame first (never a token in the URL)."""
        connection = await websockets.connect(f"{ws_base}/ws/agent", max_size=None)
        agent = cls(connection)
        await agent.send({"type": "auth", "token": token})
        agent.welcome = await agent.expect("welcome", timeout=15)
        return agent

    async def say(
        self, conversation_id: str, text: str, internal: bool = False, client_id: str | None = None
    ) -> dict[str, Any]:
        client_id = client_id or uuid.uuid4().hex
        await self.send(
            {
                "type": "message.send",
                "conversation_id": conversation_id,
                "client_id": client_id,
                "text": text,
                "internal": internal,
            }
        )
        return await self.expect("ack", client_id=client_id)
