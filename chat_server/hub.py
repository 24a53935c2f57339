"""This process's sockets, by topic, each with one bounded send queue.

A socket that cannot keep up is dropped instead of slowing the others: its queue
fills, it is aborted, and its client reconnects and resumes from ``last_seq``.
Each :class:`Connection` also keeps, per conversation, the last ``seq`` it sent,
so an event is never sent twice and a gap is filled from the database before
anything later goes out (events from several processes may arrive out of order).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from starlette.websockets import WebSocket, WebSocketState

from chat_server import metrics
from chat_server.bus import Bus, Event

log = logging.getLogger("chat_server.hub")

# Loads the encoded message.created frames after a seq, in order: (seq, text).
GapLoader = Callable[[str, int], Awaitable[list[tuple[int, str]]]]

SLOW_CONSUMER = 1013  # "try again later": the client reconnects and resumes


class Connection:
    def __init__(
        self,
        websocket: WebSocket,
        kind: str,
        queue_size: int,
        load_gap: GapLoader,
        fill_unknown_conversations: bool,
    ) -> None:
        self.websocket = websocket
        self.kind = kind
        self.topics: set[str] = set()
        self.seen: dict[str, int] = {}
        self.state: dict[str, Any] = {}
        self._queue: asyncio.Queue[Event | str | None] = asyncio.Queue(queue_size)
        self._held: list[Event] | None = None
        self._load_gap = load_gap
        self._fill_unknown = fill_unknown_conversations
        self._sender: asyncio.Task[None] | None = None
        self._reader: asyncio.Task[None] | None = None
        self.closed = False

    # -- what the endpoint calls ------------------------------------------

    def send(self, text: str) -> None:
        """Queue a reply (ack, error, welcome...) behind what is already queued."""
        self._put(text)

    def hold(self) -> None:
        """Keep live events aside until :meth:`release`, e.g. while a backlog loads."""
        self._held = []

    def release(self) -> None:
        held, self._held = self._held or [], None
        for event in held:
            self._put(event)

    def mark_sent(self, conversation_id: str, seq: int) -> None:
        if seq > self.seen.get(conversation_id, 0):
            self.seen[conversation_id] = seq

    def offer(self, event: Event) -> None:
        """Called by the hub for each bus event on one of this socket's topics."""
        if self._held is not None:
            self._held.append(event)
        else:
            self._put(event)

    def abort(self, reason: str, slow: bool = False) -> None:
        if self.closed:
            return
        self.closed = True
        log.info("closing %s socket: %s", self.kind, reason)
        if slow:
            metrics.SLOW_CONSUMERS.labels(self.kind).inc()
        if self._reader is not None:
            self._reader.cancel()

    async def run(self, reader: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run the endpoint's receive loop next to the sender until either ends."""
        self._sender = asyncio.create_task(self._send_loop())
        self._reader = asyncio.create_task(reader())
        try:
            await asyncio.wait({self._reader, self._sender}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (self._reader, self._sender):
                task.cancel()
            for task in (self._reader, self._sender):
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if self.closed and self.websocket.application_state == WebSocketState.CONNECTED:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.websocket.close(SLOW_CONSUMER), 1.0)

    # -- internals -----------------------------------------------------

    def _put(self, item: Event | str) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.abort("send queue full (slow consumer)", slow=True)

    async def _send_loop(self) -> None:
        send_text = self.websocket.send_text
        while True:
            item = await self._queue.get()
            if item is None:
                return
            if isinstance(item, str):
                await send_text(item)
                continue
            if item.seq is None or item.conversation_id is None:
                await send_text(item.text)
                continue
            for text in await self._in_order(item):
                await send_text(text)

    async def _in_order(self, event: Event) -> list[str]:
        assert event.conversation_id is not None and event.seq is not None
        conversation_id, seq = event.conversation_id, event.seq
        last = self.seen.get(conversation_id)
        if last is None and not self._fill_unknown:
            self.seen[conversation_id] = seq
            return [event.text]
        last = last or 0
        if seq <= last:
            return []
        if seq == last + 1:
            self.seen[conversation_id] = seq
            return [event.text]
        # A gap: an earlier message is committed but its event has not come (or
        # it is an internal note this socket may not see). The database knows.
        texts = []
        for loaded_seq, text in await self._load_gap(conversation_id, last):
            if loaded_seq > self.seen.get(conversation_id, 0):
                self.seen[conversation_id] = loaded_seq
                texts.append(text)
        return texts


class Hub:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._by_topic: dict[str, set[Connection]] = {}
        self.connections: set[Connection] = set()

    def deliver(self, event: Event) -> None:
        for connection in tuple(self._by_topic.get(event.topic, ())):
            connection.offer(event)

    async def attach(self, connection: Connection, topics: list[str]) -> None:
        self.connections.add(connection)
        for topic in topics:
            if topic in connection.topics:
                continue
            connection.topics.add(topic)
            subscribers = self._by_topic.setdefault(topic, set())
            subscribers.add(connection)
            if len(subscribers) == 1:
                await self.bus.subscribe(topic)

    async def detach(self, connection: Connection) -> None:
        self.connections.discard(connection)
        for topic in connection.topics:
            subscribers = self._by_topic.get(topic)
            if subscribers is None:
                continue
            subscribers.discard(connection)
            if not subscribers:
                del self._by_topic[topic]
                with contextlib.suppress(Exception):
                    await self.bus.unsubscribe(topic)
        connection.topics.clear()

    async def resync_all(self) -> None:
        """After the bus lost events: ask every socket to reconnect and resume."""
        for connection in tuple(self.connections):
            connection.abort("bus reconnected; resuming from the database")
