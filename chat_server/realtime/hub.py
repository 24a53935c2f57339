"""This process's sockets, by topic, each with one bounded send queue.

A socket that cannot keep up is dropped instead of slowing the others: its queue
fills, it is aborted, and its client reconnects and resumes from ``last_seq``.
Each :class:`Connection` also keeps, per conversation, the last ``seq`` it sent,
so an event is never sent twice and a gap is filled from the database before
anything later goes out (events from several processes may arrive out of order).

An idle socket costs as little as possible, since a shop has thousands of them:
a frame is written straight from the publishing side while the socket keeps up,
and the send queue and the task that drains it exist only while the socket is
backed up (its transport paused for writing, or a gap loading from the database).
The endpoint's receive loop runs in the endpoint's own task.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from typing import Any, Protocol

from starlette.websockets import WebSocketState

from chat_server.observe import metrics
from chat_server.realtime.bus import Bus
from chat_server.wire.envelope import Envelope

log = logging.getLogger(__name__)

# Loads the encoded message.created frames after a seq, in order: (seq, text).
GapLoader = Callable[[str, int], Awaitable[list[tuple[int, str]]]]

SLOW_CONSUMER = 1013  # "try again later": the client reconnects and resumes


class FrameSink(Protocol):
    """Where a connection writes its frames: a WebSocket, or an SSE stream
    (``web.endpoints.sse_stream``) that looks like one to this module."""

    @property
    def application_state(self) -> WebSocketState: ...

    async def send_text(self, data: str) -> None: ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


async def _finish(coro: Coroutine[Any, Any, Any], yielded: Any) -> None:
    """Drive ``coro``, which was started outside any task and suspended on ``yielded``
    (what it awaits), to its end from the current task, as a Task would have."""
    while True:
        throw: BaseException | None = None
        try:
            if yielded is None:  # a bare yield, as in asyncio.sleep(0)
                await asyncio.sleep(0)
            else:
                yielded._asyncio_future_blocking = False
                await yielded
        except BaseException as exc:
            # The future's own outcome reaches ``coro`` when it resumes; what happened
            # to this task (a cancellation) must be thrown into it.
            task = asyncio.current_task()
            if yielded is None or not yielded.done() or (task is not None and task.cancelling()):
                throw = exc
        try:
            yielded = coro.send(None) if throw is None else coro.throw(throw)
        except StopIteration:
            return


class Connection:
    __slots__ = (
        "_cancel_pending",
        "_fill_unknown",
        "_held",
        "_load_gap",
        "_pending",
        "_queue_size",
        "_sender",
        "_slow",
        "_task",
        "closed",
        "kind",
        "seen",
        "sites",
        "topics",
        "websocket",
    )

    def __init__(
        self,
        websocket: FrameSink,
        kind: str,
        queue_size: int,
        load_gap: GapLoader,
        fill_unknown_conversations: bool,
    ) -> None:
        self.websocket = websocket
        self.kind = kind
        self.topics: tuple[str, ...] = ()
        self.seen: dict[str, int] = {}
        # The sites whose frames this socket gets (an agent's scope); None: every site.
        self.sites: frozenset[str] | None = None
        self._queue_size = queue_size
        # What waits behind a send in progress; None while nothing does (no task either).
        self._pending: collections.deque[Envelope | str] | None = None
        self._sender: asyncio.Task[None] | None = None
        self._held: list[Envelope] | None = None
        self._load_gap = load_gap
        self._fill_unknown = fill_unknown_conversations
        self._task: asyncio.Task[Any] | None = None  # the task running the reader, in run()
        self._cancel_pending = False
        self._slow = False
        self.closed = False

    # -- what the endpoint calls ------------------------------------------

    def send(self, text: str) -> None:
        """Send a reply (ack, error, welcome...) behind what is already queued."""
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

    def offer(self, event: Envelope) -> None:
        """Called by the hub for each bus event on one of this socket's topics."""
        sites = self.sites
        if sites is not None and event.site_id is not None and event.site_id not in sites:
            return  # another site's: this socket's agent may not know it exists
        if self._held is not None:
            self._held.append(event)
        else:
            self._put(event)

    def abort(self, reason: str, slow: bool = False) -> None:
        """Close the socket: the receive loop is cancelled and ``run`` closes with 1013."""
        if self.closed:
            return
        log.info("closing %s socket: %s", self.kind, reason)
        if slow:
            metrics.SLOW_CONSUMERS.labels(self.kind).inc()
        self._stop(slow_close=True)

    async def run(self, reader: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run the endpoint's receive loop (in this task) until it ends, fails, or the
        socket is aborted or a send fails; then stop sending."""
        task = asyncio.current_task()
        assert task is not None
        self._task = task
        try:
            if not self.closed:
                await reader()
        except asyncio.CancelledError:
            if not self._cancel_pending:
                raise
            self._cancel_pending = False
            if task.uncancel() > 0:
                raise  # cancelled from outside as well
        except Exception:
            log.debug("%s socket: receive loop failed", self.kind, exc_info=True)
        finally:
            self._task = None
            if self._cancel_pending:
                # Cancelled by a send that failed (or an abort) in this very task, after
                # its last await: take the cancellation back before awaiting anything.
                self._cancel_pending = False
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.sleep(0)
                task.uncancel()
            self.closed = True  # nothing is sent any more
            self._pending = None
            sender, self._sender = self._sender, None
            if sender is not None:
                sender.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await sender
            if self._slow and self.websocket.application_state == WebSocketState.CONNECTED:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.websocket.close(SLOW_CONSUMER), 1.0)

    # -- internals -----------------------------------------------------

    def _stop(self, slow_close: bool) -> None:
        """No more sending; interrupt the receive loop (run() then cleans up)."""
        if self.closed:
            return
        self.closed = True
        self._slow = slow_close
        self._pending = None
        if self._task is not None and not self._cancel_pending:
            self._cancel_pending = True
            self._task.cancel()

    def _put(self, item: Envelope | str) -> None:
        if self.closed:
            return
        pending = self._pending
        if pending is not None:  # backed up: wait in line
            if len(pending) >= self._queue_size:
                self.abort("send queue full (slow consumer)", slow=True)
            else:
                pending.append(item)
            return
        try:
            self._put_now(item)
        except Exception:
            log.debug("%s socket: send failed", self.kind, exc_info=True)
            self._stop(slow_close=False)

    def _put_now(self, item: Envelope | str) -> None:
        """Write ``item`` now; what cannot complete now starts the queue and its task."""
        if isinstance(item, str):
            texts = [item]
        elif item.seq is None or item.conversation_id is None:
            texts = [item.text]
        else:
            in_order = self._in_order_now(item)
            if in_order is None:  # a gap: load it from the database, in a task
                self._back_up(None, None, [item])
                return
            texts = in_order
        for at, text in enumerate(texts):
            coro = self.websocket.send_text(text)
            try:
                yielded = coro.send(None)
            except StopIteration:
                continue
            # The transport is paused for writing: finish this send and what follows
            # in a task, and queue up whatever comes meanwhile.
            self._back_up(coro, yielded, texts[at + 1 :])
            return

    def _back_up(
        self,
        coro: Coroutine[Any, Any, Any] | None,
        yielded: Any,
        rest: Iterable[Envelope | str],
    ) -> None:
        self._pending = collections.deque(rest)
        self._sender = asyncio.get_running_loop().create_task(self._drain(coro, yielded))

    async def _drain(self, coro: Coroutine[Any, Any, Any] | None, yielded: Any) -> None:
        try:
            if coro is not None:
                await _finish(coro, yielded)
            send_text = self.websocket.send_text
            while self._pending:
                item = self._pending.popleft()
                if isinstance(item, str):
                    await send_text(item)
                elif item.seq is None or item.conversation_id is None:
                    await send_text(item.text)
                else:
                    for text in await self._in_order(item):
                        await send_text(text)
                        if self._pending is None:  # stopped meanwhile
                            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.debug("%s socket: send failed", self.kind, exc_info=True)
            self._stop(slow_close=False)
        finally:
            if asyncio.current_task() is self._sender:
                self._sender = None
                self._pending = None  # caught up: the next frame goes straight out

    def _in_order_now(self, event: Envelope) -> list[str] | None:
        """The texts to send for a message event, or None if a gap must be loaded first."""
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
        return None

    async def _in_order(self, event: Envelope) -> list[str]:
        texts = self._in_order_now(event)
        if texts is not None:
            return texts
        assert event.conversation_id is not None
        conversation_id = event.conversation_id
        # A gap: an earlier message is committed but its event has not come (or
        # it is an internal note this socket may not see). The database knows.
        last = self.seen.get(conversation_id, 0)
        texts = []
        for loaded_seq, text in await self._load_gap(conversation_id, last):
            if loaded_seq > self.seen.get(conversation_id, 0):
                self.seen[conversation_id] = loaded_seq
                texts.append(text)
        return texts


class Hub:
    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        # One subscriber is kept as itself (each visitor's own topic), more in a set.
        self._by_topic: dict[str, Connection | set[Connection]] = {}
        self.connections: set[Connection] = set()

    def deliver(self, event: Envelope) -> None:
        subscribers = self._by_topic.get(event.topic)
        if subscribers is None:
            return
        if isinstance(subscribers, Connection):
            subscribers.offer(event)
            return
        for connection in tuple(subscribers):
            connection.offer(event)

    async def attach(self, connection: Connection, topics: list[str]) -> None:
        self.connections.add(connection)
        for topic in topics:
            if topic in connection.topics:
                continue
            connection.topics += (topic,)
            subscribers = self._by_topic.get(topic)
            if subscribers is None:
                self._by_topic[topic] = connection
                await self.bus.subscribe(topic)
            elif isinstance(subscribers, Connection):
                self._by_topic[topic] = {subscribers, connection}
            else:
                subscribers.add(connection)

    async def detach(self, connection: Connection) -> None:
        self.connections.discard(connection)
        topics, connection.topics = connection.topics, ()
        for topic in topics:
            subscribers = self._by_topic.get(topic)
            if subscribers is None:
                continue
            if isinstance(subscribers, Connection):
                if subscribers is not connection:
                    continue
            else:
                subscribers.discard(connection)
                if len(subscribers) == 1:
                    self._by_topic[topic] = next(iter(subscribers))
                if subscribers:
                    continue
            del self._by_topic[topic]
            with contextlib.suppress(Exception):
                await self.bus.unsubscribe(topic)

    async def resync_all(self) -> None:
        """After the bus lost events: ask every socket to reconnect and resume."""
        for connection in tuple(self.connections):
            connection.abort("bus reconnected; resuming from the database")
