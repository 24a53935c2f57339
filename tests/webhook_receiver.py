"""A real HTTP receiver of webhook deliveries on loopback, for the webhook tests.

It records every POST (headers and body exactly as received), answers with the status
the test sets, and can be started and stopped on the same port to stage an outage.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    at: float

    def verify(self, secret: str) -> dict[str, Any]:
        """The payload, once its Standard Webhooks signature checks out (raises if not)."""
        payload: dict[str, Any] = Webhook(secret).verify(self.body, self.headers)
        return payload


class Receiver:
    def __init__(self, port: int) -> None:
        self.port = port
        self.status = 200
        self.deliveries: list[Delivery] = []
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                with receiver._lock:
                    receiver.deliveries.append(
                        Delivery({k.lower(): v for k, v in self.headers.items()}, body, time.time())
                    )
                    status = receiver.status
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def received(self) -> list[Delivery]:
        with self._lock:
            return list(self.deliveries)

    def wait_for(
        self, done: Callable[[list[Delivery]], bool], timeout: float = 15.0
    ) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if done(got):
                return got
            time.sleep(0.05)
        raise AssertionError(f"receiver: condition not met in {timeout}s; got {self.received()}")

    async def until(
        self, done: Callable[[list[Delivery]], bool], timeout: float = 15.0
    ) -> list[Delivery]:
        """:meth:`wait_for` without blocking the event loop (the test's sockets keep reading)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if done(got):
                return got
            await asyncio.sleep(0.05)
        raise AssertionError(f"receiver: condition not met in {timeout}s; got {self.received()}")
