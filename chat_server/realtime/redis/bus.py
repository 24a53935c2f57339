"""The bus over Redis pub/sub, so that several processes serve one installation.

One connection per process carries every subscription: a PubSub whose channels
follow the hub (subscribed on a topic's first local socket, unsubscribed on its
last). Publishing goes through a small bounded pool, pipelined.

Pub/sub forgets whatever is published while a subscriber is disconnected, so an
outage is handled in three parts:

- While Redis is away this process keeps serving its own sockets: an event is
  delivered locally at once and also kept (bounded) for later. Publishing never
  waits for Redis then, and never raises into the domain.
- The reader reconnects with backoff (0.1 s doubling to 5 s) and subscribes to
  every topic again. Then it publishes what it kept, marked with this process's
  origin so that it is not delivered here twice; other processes get the events
  they missed even if they came back before this one did.
- Finally it calls ``on_resync``: every local socket reconnects and resumes from
  the database, which lost nothing. Duplicates are harmless because each socket
  drops a ``(conversation_id, seq)`` it already sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections import deque
from collections.abc import Callable
from typing import Any

from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from chat_server.observe import metrics
from chat_server.realtime.bus import Bus, BusUnavailable, Deliver, Resync
from chat_server.realtime.redis.channels import channel_of, decode_message, replayed, topic_of
from chat_server.realtime.redis.client import RedisConnection
from chat_server.wire.envelope import Envelope

log = logging.getLogger(__name__)

INITIAL_BACKOFF = 0.1
MAX_BACKOFF = 5.0
READ_TICK = 0.25  # the reader wakes at least this often
PING_EVERY = 3.0
DEAD_AFTER = 10.0  # no reply at all for this long: the connection is dead
SUSPECT_GRACE = 1.0  # after a failed command, how long Redis has to answer a ping
SUBSCRIBE_TIMEOUT = 2.0
START_TIMEOUT = 5.0
SUBSCRIBE_CHUNK = 1000
KEEP_AT_MOST = 10_000  # events kept while Redis is away


class RedisBus(Bus):
    def __init__(self, url: str, max_connections: int = 16) -> None:
        self.healthy = False
        self.origin = secrets.token_hex(8).encode()
        self.connection = RedisConnection(url, max_connections)
        #: Commands for anything else in this process (presence, rate limits) share this pool.
        self.client = self.connection.client
        self._topics: set[str] = set()
        self._kept: deque[Envelope] = deque()
        self._waiters: dict[bytes, deque[asyncio.Future[None]]] = {}
        self._pubsub: PubSub | None = None
        self._deliver: Deliver | None = None
        self._on_resync: Resync | None = None
        self._reader: asyncio.Task[None] | None = None
        self._settler: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._publisher: asyncio.Task[None] | None = None
        self._outbox: list[Envelope] = []
        self._outbox_sent: asyncio.Future[None] | None = None
        self._first_attempt = asyncio.Event()
        self._pending: list[asyncio.Future[None]] = []
        self._settled = False
        self._suspect_at: float | None = None
        #: Called after an outage, before the resync: state kept in Redis may be gone.
        self.reconnected: list[Callable[[], None]] = []

    # -- Bus interface ---------------------------------------------------------

    async def start(self, deliver: Deliver, on_resync: Resync) -> None:
        """Start the reader; wait (a little) for the first connection so a fresh process starts healthy."""
        self._deliver, self._on_resync = deliver, on_resync
        self._reader = asyncio.create_task(self._run(), name="redis-bus-reader")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._first_attempt.wait(), START_TIMEOUT)

    async def stop(self) -> None:
        for task in (self._publisher, self._flusher, self._settler, self._reader):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        if self._outbox_sent is not None and not self._outbox_sent.done():
            self._outbox_sent.set_result(None)  # nobody waits forever on a stopped bus
        self._set_healthy(False)
        await self._close_pubsub()
        await self.connection.close()

    async def publish(self, event: Envelope) -> None:
        await self.publish_many([event])

    async def publish_many(self, events: list[Envelope]) -> None:
        """Publish in order; what is published while a pipeline is on its way to Redis
        goes in the next one, so a busy process sends one pipeline per round trip
        rather than one per message."""
        if not events:
            return
        if not self.healthy:
            self._keep(events)
            return
        self._outbox.extend(events)
        if self._outbox_sent is None:
            self._outbox_sent = asyncio.get_running_loop().create_future()
        sent = self._outbox_sent
        if self._publisher is None:
            self._publisher = asyncio.create_task(self._publish_outbox(), name="redis-publisher")
        await asyncio.shield(sent)

    async def _publish_outbox(self) -> None:
        try:
            while self._outbox:
                events, sent = self._outbox, self._outbox_sent
                self._outbox, self._outbox_sent = [], None
                try:
                    async with self.client.pipeline(transaction=False) as pipe:
                        for event in events:
                            pipe.publish(channel_of(event.topic), event.encode())
                        await pipe.execute()
                except (RedisError, OSError) as exc:
                    log.warning(
                        "publishing to Redis failed (%s); keeping %d events", exc, len(events)
                    )
                    self.suspect()
                    self._keep(events)
                finally:
                    if sent is not None and not sent.done():
                        sent.set_result(None)
        finally:
            self._publisher = None

    def suspect(self) -> None:
        """A command failed: stop waiting on Redis until it answers the reader's ping.

        A Redis that hangs without closing its sockets would otherwise cost every
        caller a timeout; this way one caller pays, and if Redis does not answer
        within ``SUSPECT_GRACE`` the reader treats it as an outage (resync included).
        Presence and rate limits call this too when their commands fail.
        """
        if self._suspect_at is None and self.healthy:
            self._suspect_at = asyncio.get_running_loop().time()
            self._set_healthy(False)

    async def subscribe(self, topic: str) -> None:
        """Subscribe, and wait until Redis confirms, so nothing published after this returns is missed.

        Never raises: while Redis is away the topic is remembered and subscribed on reconnection.
        """
        self._topics.add(topic)
        pubsub = self._pubsub
        if pubsub is None:
            return
        channel = channel_of(topic)
        confirmed = self._expect_confirmation(channel)
        try:
            await pubsub.subscribe(channel)
        except (RedisError, OSError) as exc:
            await self._lost(pubsub, exc)
            return
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), SUBSCRIBE_TIMEOUT)
        except TimeoutError:
            log.info("Redis did not confirm the subscription to %s in time", topic)

    async def unsubscribe(self, topic: str) -> None:
        self._topics.discard(topic)
        pubsub = self._pubsub
        if pubsub is None:
            return
        try:
            await pubsub.unsubscribe(channel_of(topic))
        except (RedisError, OSError) as exc:
            await self._lost(pubsub, exc)

    async def _lost(self, pubsub: PubSub, exc: Exception) -> None:
        """A command on the subscription connection failed: start over, resync included.

        redis-py may have reconnected that connection on its own already; events
        published in between were missed, so it must not be kept as if nothing happened.
        """
        log.warning("the Redis subscription connection failed (%s); reconnecting", exc)
        if self._pubsub is pubsub:
            await self._close_pubsub()

    async def ping(self) -> None:
        if not self.healthy:
            raise BusUnavailable("Redis is unreachable; reconnecting")
        await self.client.ping()

    # -- the outage path -----------------------------------------------------------

    def _keep(self, events: list[Envelope]) -> None:
        """Deliver here now; publish later, marked so this process skips them then."""
        metrics.BUS_KEPT.inc(len(events))
        for event in events:
            if len(self._kept) >= KEEP_AT_MOST:
                self._kept.popleft()
                metrics.BUS_DROPPED.inc()
            self._kept.append(event)
        for event in events:
            self._deliver_here(event)

    async def _publish_kept(self) -> None:
        while self._kept:
            batch = [self._kept.popleft() for _ in range(min(500, len(self._kept)))]
            try:
                async with self.client.pipeline(transaction=False) as pipe:
                    for event in batch:
                        pipe.publish(channel_of(event.topic), replayed(self.origin, event))
                    await pipe.execute()
            except BaseException:
                self._kept.extendleft(reversed(batch))
                raise

    # -- the reader ------------------------------------------------------------------

    async def _run(self) -> None:
        delay = INITIAL_BACKOFF
        outage = False
        while True:
            try:
                pubsub = await self._connect()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not outage:
                    log.warning("cannot reach Redis (%s); retrying", exc)
                outage = True
                self._first_attempt.set()
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF)
                continue
            delay = INITIAL_BACKOFF
            self._settler = asyncio.create_task(self._settle(outage), name="redis-bus-settle")
            try:
                await self._read(pubsub)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("lost the Redis connection (%s); reconnecting", exc)
            finally:
                self._settler.cancel()
                self._settled = False
                self._suspect_at = None
                self._set_healthy(False)
                self._release_waiters()
                await self._close_pubsub()
            outage = True

    async def _connect(self) -> PubSub:
        pubsub = PubSub(self.connection.subscriptions, ignore_subscribe_messages=False)
        try:
            await pubsub.connect()
            # From here on subscribe() and unsubscribe() talk to this connection themselves.
            self._pubsub = pubsub
            self._pending = []
            channels = sorted(channel_of(topic) for topic in self._topics)
            for start in range(0, len(channels), SUBSCRIBE_CHUNK):
                chunk = [c for c in channels[start : start + SUBSCRIBE_CHUNK] if self._wanted(c)]
                if chunk:
                    self._pending += [self._expect_confirmation(c) for c in chunk]
                    await pubsub.subscribe(*chunk)
            await pubsub.ping()
        except BaseException:
            self._pubsub = None
            await self._discard(pubsub)
            raise
        return pubsub

    async def _settle(self, after_outage: bool) -> None:
        """Once every subscription is confirmed: publish what was kept, turn healthy, resync."""
        try:
            pending = self._pending
            if pending:
                await asyncio.wait_for(asyncio.gather(*pending), SUBSCRIBE_TIMEOUT * 5)
            await self._publish_kept()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("re-subscribing to Redis did not complete (%s); reconnecting", exc)
            await self._close_pubsub()  # the reader notices and starts over
            return
        finally:
            self._first_attempt.set()
        self._settled = True
        self._suspect_at = None
        self._set_healthy(True)
        if after_outage:
            metrics.BUS_RECONNECTS.inc()
            for hook in self.reconnected:
                hook()
            log.warning("Redis is back; local sockets resume from the database")
            if self._on_resync is not None:
                await self._on_resync()

    async def _read(self, pubsub: PubSub) -> None:
        loop = asyncio.get_running_loop()
        last_heard = last_ping = loop.time()
        pinged_suspicion: float | None = None
        while True:
            if pubsub.connection is None:
                raise BusUnavailable("the subscription connection was closed")
            message = await pubsub.get_message(timeout=READ_TICK)
            now = loop.time()
            if message is not None:
                last_heard = now
                self._handle(message)
            suspected = self._suspect_at
            if suspected is not None:
                if last_heard > suspected:
                    self._suspect_at = None
                    if self._settled:
                        self._set_healthy(True)
                elif now - suspected > SUSPECT_GRACE:
                    raise BusUnavailable(f"no reply from Redis within {SUSPECT_GRACE:.0f} s")
                elif pinged_suspicion != suspected:
                    pinged_suspicion = last_ping = now
                    await pubsub.ping()
            if now - last_heard > DEAD_AFTER:
                raise BusUnavailable(f"no reply from Redis for {DEAD_AFTER:.0f} s")
            if now - last_ping >= PING_EVERY:
                last_ping = now
                await pubsub.ping()
            if self._kept and self.healthy and (self._flusher is None or self._flusher.done()):
                self._flusher = asyncio.create_task(self._flush_kept(), name="redis-bus-flush")

    async def _flush_kept(self) -> None:
        """Publish what a failed publish kept although the subscription stayed up (e.g. a pool timeout)."""
        try:
            await self._publish_kept()
        except (RedisError, OSError) as exc:
            log.warning("publishing kept events failed (%s); will retry", exc)

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "message":
            event = decode_message(message["channel"], message["data"], self.origin)
            if event is not None:
                self._deliver_here(event)
        elif kind == "subscribe":
            waiters = self._waiters.get(message["channel"])
            if waiters:
                waiter = waiters.popleft()
                if not waiters:
                    del self._waiters[message["channel"]]
                if not waiter.done():
                    waiter.set_result(None)

    def _deliver_here(self, event: Envelope) -> None:
        if self._deliver is None:
            return
        try:
            self._deliver(event)
        except Exception:
            log.exception("delivering an event on %s failed", event.topic)

    # -- bookkeeping -------------------------------------------------------------------

    def _wanted(self, channel: bytes) -> bool:
        return topic_of(channel) in self._topics

    def _expect_confirmation(self, channel: bytes) -> asyncio.Future[None]:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(channel, deque()).append(waiter)
        return waiter

    def _release_waiters(self) -> None:
        """The connection is gone: nobody waits for its confirmations any longer."""
        for waiters in self._waiters.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)
        self._waiters.clear()

    def _set_healthy(self, healthy: bool) -> None:
        self.healthy = healthy
        metrics.BUS_HEALTHY.set(1 if healthy else 0)

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            await self._discard(pubsub)

    @staticmethod
    async def _discard(pubsub: PubSub) -> None:
        with contextlib.suppress(Exception):
            await pubsub.aclose()
