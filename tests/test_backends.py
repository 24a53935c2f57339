"""Storage, bus, presence and rate limits against the backends the environment selects.

Without CHAT_TEST_DATABASE_URL / CHAT_TEST_REDIS_URL these run on SQLite and the
in-process bus; in the `-m backends` pass of `make test`, on PostgreSQL and Redis.
One Database, bus or presence object here stands for one server process; tests
that need two processes to mean anything say so and skip on the embedded backends.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from conftest import fresh_database_url
from sqlalchemy import func, select

from chat_server.admin import accounts, sites
from chat_server.chat import commands, queries
from chat_server.config.settings import Settings, load_settings
from chat_server.model.tables import Message, Site, utcnow
from chat_server.realtime.backends import create_bus, create_message_limiter
from chat_server.realtime.bus import Bus, MemoryBus
from chat_server.realtime.presence import MemoryPresence, Presence
from chat_server.runtime.state import Runtime
from chat_server.security.tokens import Signer
from chat_server.storage.database import Database
from chat_server.storage.migrate import upgrade_to_head
from chat_server.visitors.arrival import arrive
from chat_server.wire.envelope import Envelope as Event

pytestmark = pytest.mark.backends

REDIS_URL = os.environ.get("CHAT_TEST_REDIS_URL") or None
ON_POSTGRES = bool(os.environ.get("CHAT_TEST_DATABASE_URL"))
needs_redis = pytest.mark.skipif(
    REDIS_URL is None, reason="several processes share nothing without Redis (CHAT_TEST_REDIS_URL)"
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    configured = load_settings(
        {
            "CHAT_DATA_DIR": str(tmp_path),
            "CHAT_DATABASE_URL": fresh_database_url(tmp_path),
            "CHAT_GEOIP_DB": "",
        }
    )
    upgrade_to_head(configured)
    return configured


@asynccontextmanager
async def process(settings: Settings) -> AsyncIterator[Runtime]:
    """What one server process holds of the storage: its own engine and pool."""
    rt = Runtime(
        settings, Database(settings), MemoryBus(), MemoryPresence(), Signer(settings.secret_key)
    )
    try:
        yield rt
    finally:
        await rt.db.dispose()


@asynccontextmanager
async def processes(settings: Settings) -> AsyncIterator[tuple[Runtime, Runtime]]:
    """Two processes on PostgreSQL; on SQLite (one process by design) one runtime, twice."""
    async with process(settings) as first:
        if not ON_POSTGRES:
            yield first, first
            return
        async with process(settings) as second:
            yield first, second


async def open_conversation(rt: Runtime) -> tuple[str, str, object]:
    site = await sites.create_site(rt, f"Shop {uuid.uuid4().hex[:6]}", [])
    arrival = await arrive(
        rt, site, None, "https://shop.example/", "Home", None, "81.2.69.142", None
    )
    visitor_id = arrival.visitor.id
    posted = await commands.post_visitor_message(rt, visitor_id, "first", "hello")
    agent = await accounts.create_agent(
        rt, f"{uuid.uuid4().hex[:8]}@example.com", "Agent", "agent", "long-enough-password"
    )
    return visitor_id, posted.conversation.id, agent


# -- storage -------------------------------------------------------------------


async def test_concurrent_posts_to_one_conversation_never_share_a_seq(settings: Settings) -> None:
    async with processes(settings) as (first, second):
        visitor_id, conversation_id, agent = await open_conversation(first)
        posts = [
            commands.post_agent_message(
                (first, second)[i % 2], agent, conversation_id, f"a-{i}", f"agent {i}", i % 5 == 0
            )
            for i in range(40)
        ] + [
            commands.post_visitor_message((second, first)[i % 2], visitor_id, f"v-{i}", "hi")
            for i in range(20)
        ]
        results = await asyncio.gather(*posts)
        seqs = sorted(posted.message.seq for posted in results)
        assert seqs == list(range(2, 62))
        stored = await queries.messages_after(second, conversation_id, 0, True)
        assert [m.seq for m in stored] == list(range(1, 62))
        visible = await queries.messages_after(second, conversation_id, 0, False)
        assert len(visible) == 61 - 8  # the internal notes are kept from the visitor


async def test_a_client_id_sent_twice_at_once_is_stored_once(settings: Settings) -> None:
    async with processes(settings) as (first, second):
        visitor_id, conversation_id, _ = await open_conversation(first)
        for round_number in range(5):
            client_id = f"twice-{round_number}"
            results = await asyncio.gather(
                commands.post_visitor_message(first, visitor_id, client_id, "once"),
                commands.post_visitor_message(second, visitor_id, client_id, "once"),
            )
            assert results[0].message.id == results[1].message.id
        async with first.db.reading() as session:
            count = (
                await session.execute(
                    select(func.count())
                    .select_from(Message)
                    .where(Message.conversation_id == conversation_id)
                )
            ).scalar_one()
        assert count == 6


async def test_times_are_stored_in_utc_with_microseconds(settings: Settings) -> None:
    async with process(settings) as rt:
        visitor_id, conversation_id, _ = await open_conversation(rt)
        posted = await commands.post_visitor_message(rt, visitor_id, "timed", "tick")
        (stored,) = await queries.messages_after(rt, conversation_id, 1, False)
        assert stored.created_at == posted.message.created_at
        assert stored.created_at.utcoffset() == timedelta(0)
        assert (
            stored.created_at.astimezone(UTC).microsecond == posted.message.created_at.microsecond
        )


async def test_a_failed_transaction_stores_nothing(settings: Settings) -> None:
    async with process(settings) as rt:
        with pytest.raises(RuntimeError):
            async with rt.db.writing() as session:
                session.add(Site(key="rolled-back", name="Never", created_at=utcnow()))
                await session.flush()
                raise RuntimeError("something failed after the write")
        async with rt.db.reading() as session:
            found = await session.execute(select(Site).where(Site.key == "rolled-back"))
            assert found.first() is None


# -- bus -------------------------------------------------------------------------


@asynccontextmanager
async def running_bus(
    received: list[Event], resyncs: list[float] | None = None
) -> AsyncIterator[Bus]:
    bus = create_bus(REDIS_URL)

    async def on_resync() -> None:
        if resyncs is not None:
            resyncs.append(time.monotonic())

    await bus.start(received.append, on_resync)
    try:
        yield bus
    finally:
        await bus.stop()


async def wait_for(condition: object, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def test_a_subscribed_topic_gets_every_event_once_and_in_order() -> None:
    topic = f"test:{uuid.uuid4().hex}"
    received: list[Event] = []
    async with running_bus(received) as bus:
        await bus.ping()
        await bus.subscribe(topic)
        await bus.publish(Event(topic, "first", "c1", 1))
        await bus.publish_many([Event(topic, f"e{i}", "c1", i + 2) for i in range(200)])
        await wait_for(lambda: len([e for e in received if e.topic == topic]) >= 201)
        await asyncio.sleep(0.1)
        mine = [e for e in received if e.topic == topic]
        assert [e.seq for e in mine] == list(range(1, 202))
        assert mine[0] == Event(topic, "first", "c1", 1)


@needs_redis
async def test_events_reach_every_process_subscribed_to_their_topic_and_no_other() -> None:
    topic, other = f"test:{uuid.uuid4().hex}", f"test:{uuid.uuid4().hex}"
    here: list[Event] = []
    there: list[Event] = []
    async with running_bus(here) as first, running_bus(there) as second:
        await first.subscribe(topic)
        await second.subscribe(topic)
        await second.subscribe(other)
        await second.unsubscribe(other)
        await first.publish(Event(topic, "to both"))
        await first.publish(Event(other, "to nobody"))
        await wait_for(lambda: here and there)
        await asyncio.sleep(0.2)
        assert here == there == [Event(topic, "to both")]


@needs_redis
async def test_redis_away_keeps_local_delivery_and_the_bus_catches_up_when_it_returns(
    tmp_path: Path,
) -> None:
    from test_scale_out import PrivateRedis

    from chat_server.realtime.redis.bus import RedisBus
    from chat_server.realtime.redis.presence import RedisPresence

    redis = PrivateRedis(tmp_path)
    redis.start()
    topic = f"test:{uuid.uuid4().hex}"
    here: list[Event] = []
    there: list[Event] = []
    here_resyncs: list[float] = []
    there_resyncs: list[float] = []
    first, second = RedisBus(redis.url), RedisBus(redis.url)
    presence_here, presence_there = RedisPresence(bus=first), RedisPresence(bus=second)
    try:
        await first.start(here.append, lambda: _note(here_resyncs))
        await second.start(there.append, lambda: _note(there_resyncs))
        for bus in (first, second):
            await bus.subscribe(topic)
        await presence_here.visitor_connected("shopper-here")
        await first.publish(Event(topic, "before", "c", 1))
        await wait_for(lambda: len(here) == len(there) == 1)

        redis.stop()  # and it comes back empty
        await wait_for(lambda: not first.healthy and not second.healthy)
        for bus in (first, second):
            with pytest.raises(ConnectionError):
                await bus.ping()
        started = time.monotonic()
        await first.publish(Event(topic, "during", "c", 2))  # must not raise, nor wait
        assert time.monotonic() - started < 0.05
        assert here[-1].text == "during"  # served locally at once
        assert len(there) == 1
        assert await presence_here.visitor_connected("arrived-during") is True
        assert await presence_here.online_visitors() == {"shopper-here", "arrived-during"}

        redis.start()
        await wait_for(lambda: first.healthy and second.healthy, 10)
        await wait_for(lambda: len(there) == 2)
        await asyncio.sleep(0.2)
        assert [e.text for e in there] == ["before", "during"]  # published once it came back
        assert [e.text for e in here] == ["before", "during"]  # and not twice here
        assert len(here_resyncs) == len(there_resyncs) == 1  # sockets resume from the database
        await first.ping()
        await second.publish(Event(topic, "after", "c", 3))
        await wait_for(lambda: here[-1].text == "after" and there[-1].text == "after")
        # The restarted Redis knew nobody; each process writes its presence back.
        await presence_here.refresh()
        assert await presence_there.online_visitors() == {"shopper-here", "arrived-during"}
    finally:
        await presence_here.close()
        await presence_there.close()
        await first.stop()
        await second.stop()
        redis.stop()


async def _note(resyncs: list[float]) -> None:
    resyncs.append(time.monotonic())


# -- presence ----------------------------------------------------------------------


def make_presence(prefix: str, ttl: float = 15.0) -> Presence:
    if REDIS_URL is None:
        return MemoryPresence()
    from chat_server.realtime.redis.presence import RedisPresence

    return RedisPresence(REDIS_URL, ttl=ttl, prefix=prefix)


async def close_presence(presence: Presence) -> None:
    close = getattr(presence, "close", None)
    if close is not None:
        await close()


async def test_presence_counts_sockets_per_visitor_and_agent() -> None:
    presence = make_presence(f"test:{uuid.uuid4().hex}:")
    try:
        assert await presence.visitor_connected("v1") is True
        assert await presence.visitor_connected("v1") is False  # a second tab
        assert await presence.visitor_connected("v2") is True
        assert await presence.online_visitors() == {"v1", "v2"}
        assert await presence.visitor_disconnected("v1") is False
        assert await presence.visitor_online("v1")
        assert await presence.visitor_disconnected("v1") is True
        assert not await presence.visitor_online("v1")
        assert await presence.online_visitors() == {"v2"}
        await presence.agent_connected("a1")
        await presence.agent_connected("a1")
        await presence.agent_connected("a2")
        assert await presence.agents_online() == 2
        await presence.agent_disconnected("a1")
        assert await presence.agents_online() == 2
        await presence.agent_disconnected("a1")
        assert await presence.agents_online() == 1
        await presence.refresh()
        assert await presence.online_visitors() == {"v2"}
    finally:
        await close_presence(presence)


@needs_redis
async def test_presence_is_shared_by_every_process() -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    first, second = make_presence(prefix), make_presence(prefix)
    try:
        assert await first.visitor_connected("v1") is True
        assert await second.visitor_connected("v1") is False  # first socket anywhere was on `first`
        assert await second.visitor_connected("v2") is True
        for presence in (first, second):
            assert await presence.online_visitors() == {"v1", "v2"}
            assert await presence.visitor_online("v2")
        assert await first.visitor_disconnected("v1") is False  # still open on `second`
        assert await second.visitor_disconnected("v1") is True  # none left anywhere
        assert not await first.visitor_online("v1")
        await first.agent_connected("a1")
        await second.agent_connected("a1")
        await second.agent_connected("a2")
        assert await first.agents_online() == await second.agents_online() == 2
    finally:
        await close_presence(first)
        await close_presence(second)


@needs_redis
async def test_a_crashed_process_visitors_go_offline_on_their_own() -> None:
    prefix = f"test:{uuid.uuid4().hex}:"
    crashed, alive = make_presence(prefix, ttl=1.0), make_presence(prefix, ttl=1.0)
    try:
        await crashed.visitor_connected("gone")
        await alive.visitor_connected("stays")
        assert await alive.online_visitors() == {"gone", "stays"}
        for _ in range(4):  # `crashed` stops refreshing; `alive` goes on
            await asyncio.sleep(0.4)
            await alive.refresh()
        assert await alive.online_visitors() == {"stays"}
        assert not await alive.visitor_online("gone")
        assert await alive.visitor_connected("gone") is True  # first socket anywhere again
    finally:
        await close_presence(alive)
        await close_presence(crashed)


# -- rate limits -------------------------------------------------------------------


async def test_the_message_limit_allows_a_burst_of_ten_then_five_a_second() -> None:
    received: list[Event] = []
    async with running_bus(received) as bus:
        limiter = create_message_limiter(bus)
        key = f"test:{uuid.uuid4().hex}"
        allowed = [await limiter.allow(key) for _ in range(15)]
        assert allowed.count(True) == 10
        await asyncio.sleep(0.45)
        assert await limiter.allow(key)  # ~2 tokens back after 0.4 s
        assert await limiter.allow(key)


@needs_redis
async def test_the_message_limit_holds_across_processes() -> None:
    async with running_bus([]) as first, running_bus([]) as second:
        limiters = [create_message_limiter(first), create_message_limiter(second)]
        key = f"test:{uuid.uuid4().hex}"
        started = time.monotonic()
        allowed = [await limiters[i % 2].allow(key) for i in range(20)]
        elapsed = time.monotonic() - started
        # One burst of 10 shared by both processes, plus what refills at 5/s meanwhile;
        # per-process buckets would have allowed all 20.
        refilled = int(5 * elapsed)
        assert 10 <= allowed.count(True) <= 10 + refilled
        assert allowed.count(True) < 20
