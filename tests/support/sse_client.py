"""A real client of the SSE fallback transport (an httpx stream and POSTs), for tests."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import httpx
from clients import FrameInbox

PAGE = {"url": "https://shop.example/", "title": "Home", "referrer": None}
#: A browser's user agent: httpx's own is taken for a bot, and bots are not listed online.
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


class StreamClosed(Exception):
    """The server ended the event stream."""


class SseVisitor(FrameInbox):
    """Reads the event stream continuously, as a browser's EventSource does."""

    def __init__(self, base: str, site_key: str, headers: dict[str, str] | None = None) -> None:
        super().__init__()
        self.base = base
        self.site_key = site_key
        self.headers = {"user-agent": BROWSER, **(headers or {})}
        self.http = httpx.AsyncClient(timeout=15)
        self.stream_id = ""
        self.welcome: dict[str, Any] = {}
        self._reader: asyncio.Task[None] | None = None
        self._opened: asyncio.Future[str] = asyncio.get_running_loop().create_future()

    @classmethod
    async def open(
        cls, base: str, site_key: str, headers: dict[str, str] | None = None
    ) -> SseVisitor:
        """Open the stream and wait for its ``stream.opened`` event."""
        visitor = cls(base, site_key, headers)
        visitor._reader = asyncio.create_task(visitor._read())
        visitor.stream_id = await asyncio.wait_for(visitor._opened, 10)
        return visitor

    @classmethod
    async def connect(
        cls, base: str, site_key: str, token: str | None = None, last_seq: int = 0
    ) -> SseVisitor:
        """Open the stream and say hello, as the widget does."""
        visitor = await cls.open(base, site_key)
        status = await visitor.post(
            {"type": "hello", "visitor_token": token, "page": PAGE, "last_seq": last_seq}
        )
        assert status == 202
        visitor.welcome = await visitor.expect("welcome", timeout=15)
        return visitor

    async def _read(self) -> None:
        url = f"{self.base}/sse/visitor?site={self.site_key}"
        try:
            async with self.http.stream("GET", url, headers=self.headers) as response:
                if response.status_code != 200:
                    body = json.loads(await response.aread())
                    self._opened.set_exception(AssertionError((response.status_code, body)))
                    return
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # comments (pings), blank separators, event ids
                    frame = json.loads(line[5:].strip())
                    if frame.get("type") == "stream.opened" and not self._opened.done():
                        self._opened.set_result(frame["stream_id"])
                        continue
                    self._inbox.put_nowait(frame)
        except BaseException as exc:  # noqa: BLE001 - handed to the next recv()
            self._inbox.put_nowait(exc)
            return
        self._inbox.put_nowait(StreamClosed())

    async def post(self, body: Any, stream_id: str | None = None, raw: bytes | None = None) -> int:
        status, _ = await self.post_answer(body, stream_id, raw)
        return status

    async def post_answer(
        self, body: Any, stream_id: str | None = None, raw: bytes | None = None
    ) -> tuple[int, Any]:
        response = await self.http.post(
            f"{self.base}/api/v1/visitor/frames?site={self.site_key}",
            content=raw if raw is not None else json.dumps(body).encode(),
            headers={
                "content-type": "application/json",
                "x-stream-id": self.stream_id if stream_id is None else stream_id,
                **self.headers,
            },
        )
        return response.status_code, response.json()

    async def say(self, text: str, client_id: str | None = None) -> dict[str, Any]:
        client_id = client_id or uuid.uuid4().hex
        assert await self.post({"type": "message.send", "client_id": client_id, "text": text}) == (
            202
        )
        return await self.expect("ack", client_id=client_id)

    @property
    def token(self) -> str:
        return str(self.welcome["visitor_token"])

    @property
    def id(self) -> str:
        return str(self.welcome["visitor_id"])

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            try:
                await self._reader
            except BaseException:  # noqa: BLE001, S110 - the stream is going away
                pass
        await self.http.aclose()
