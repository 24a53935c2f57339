"""The outbox on a real database (SQLite, and PostgreSQL in `make test`): writing items in
the caller's transaction, claims that never overlap, retries with backoff, giving up.

The handlers here are the tests' own senders (a kind of item only these tests write);
the dispatcher, the claims and the database are the server's.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import fresh_database_url
from sqlalchemy import Connection, select, update

from chat_server.config.settings import Settings, load_settings
from chat_server.model.outbox_tables import OutboxAttempt, OutboxItem
from chat_server.model.tables import utcnow
from chat_server.outbox import handlers, store
from chat_server.outbox.dispatcher import Dispatcher, backoff_seconds
from chat_server.outbox.handlers import AttemptFailed, PermanentFailure
from chat_server.outbox.items import OutboxItemView, enqueue, enqueue_in
from chat_server.realtime.bus import MemoryBus
from chat_server.realtime.presence import MemoryPresence
from chat_server.runtime.state import Runtime
from chat_server.security.tokens import Signer
from chat_server.storage.database import Database
from chat_server.storage.migrate import upgrade_to_head

pytestmark = pytest.mark.backends
ITEM = OutboxItem.__table__
ATTEMPT = OutboxAttempt.__table__


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    configured = load_settings(
        {
            "CHAT_DATA_DIR": str(tmp_path),
            "CHAT_DATABASE_URL": fresh_database_url(tmp_path),
            "CHAT_GEOIP_DB": "",
            "CHAT_OUTBOX_BACKOFF_SECONDS": "0.05",
            "CHAT_OUTBOX_LEASE_SECONDS": "5",
        }
    )
    upgrade_to_head(configured)
    return configured


@asynccontextmanager
async def process(settings: Settings) -> AsyncIterator[Runtime]:
    rt = Runtime(
        settings, Database(settings), MemoryBus(), MemoryPresence(), Signer(settings.secret_key)
    )
    try:
        yield rt
    finally:
        await rt.db.dispose()


def items(connection: Connection, kind: str) -> list[dict[str, object]]:
    rows = connection.execute(select(ITEM).where(ITEM.c.kind == kind).order_by(ITEM.c.created_at))
    return [dict(row._mapping) for row in rows]


def attempts(connection: Connection, item_id: str) -> list[dict[str, object]]:
    rows = connection.execute(
        select(ATTEMPT).where(ATTEMPT.c.item_id == item_id).order_by(ATTEMPT.c.number)
    )
    return [dict(row._mapping) for row in rows]


def test_backoff_doubles_from_one_second_and_stops_at_an_hour() -> None:
    waits = [backoff_seconds(attempt, 1.0, 3600.0) for attempt in range(1, 15)]
    assert waits[:5] == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert waits[-1] == 3600.0 and max(waits) == 3600.0
    # Until the 25-hour give-up age, the retries keep coming: about 30 of them.
    total, attempt = 0.0, 0
    while total < 24 * 3600:
        attempt += 1
        total += backoff_seconds(attempt, 1.0, 3600.0)
    assert 30 <= attempt <= 40


async def test_a_repeated_dedupe_key_is_skipped_and_the_transaction_goes_on(
    settings: Settings,
) -> None:
    async with process(settings) as rt:

        def write(connection: Connection) -> list[bool]:
            payload = {"n": 1}
            return [
                enqueue(connection, kind="t.dedupe", payload=payload, site_id=None, dedupe_key="a"),
                enqueue(connection, kind="t.dedupe", payload=payload, site_id=None, dedupe_key="a"),
                enqueue(connection, kind="t.dedupe", payload=payload, site_id=None, dedupe_key="b"),
                enqueue(connection, kind="t.dedupe", payload=payload, site_id=None),
            ]

        assert await rt.db.write(write) == [True, False, True, True]
        async with rt.db.writing() as session:
            again = await enqueue_in(
                session, kind="t.dedupe", payload={}, site_id=None, dedupe_key="b"
            )
            fresh = await enqueue_in(
                session, kind="t.dedupe", payload={}, site_id="s", dedupe_key="c"
            )
        assert (again, fresh) == (False, True)
        stored = await rt.db.read(lambda connection: items(connection, "t.dedupe"))
        assert sorted(str(item["dedupe_key"]) for item in stored) == ["None", "a", "b", "c"]


async def test_two_processes_never_claim_the_same_item_and_a_dead_claim_runs_out(
    settings: Settings,
) -> None:
    async with process(settings) as one, process(settings) as two:
        await one.db.write(
            lambda connection: [
                enqueue(connection, kind="t.claim", payload={"i": i}, site_id=None)
                for i in range(10)
            ]
        )
        now = utcnow()
        lease = now + timedelta(seconds=30)

        def claim(token: str) -> Callable[[Connection], list[OutboxItemView]]:
            return lambda connection: store.claim(connection, ["t.claim"], now, lease, token, 6)

        first, second = await asyncio.gather(one.db.write(claim("one")), two.db.write(claim("two")))
        mine, theirs = {item.id for item in first}, {item.id for item in second}
        assert not mine & theirs and len(mine | theirs) == 10
        # Nobody finished: until the lease runs out the items are nobody else's...
        assert await two.db.write(claim("three")) == []
        # ... and after it, another process takes them (the first one crashed).
        later = lease + timedelta(seconds=1)
        retaken = await two.db.write(
            lambda connection: store.claim(connection, ["t.claim"], later, later, "four", 20)
        )
        assert {item.id for item in retaken} == mine | theirs
        assert all(item.attempt == 1 for item in retaken)


async def test_failures_are_retried_with_backoff_then_sent_or_given_up(
    settings: Settings,
) -> None:
    calls: dict[str, int] = {}

    async def flaky(rt: Runtime, item: OutboxItemView) -> int:
        calls[item.id] = calls.get(item.id, 0) + 1
        behaviour = item.payload["behaviour"]
        if behaviour == "permanent":
            raise PermanentFailure("nothing to send to", 410)
        if behaviour == "always" or calls[item.id] <= 2:
            raise AttemptFailed("HTTP 503", 503)
        return 204

    handlers.register("t.flaky", flaky)
    async with process(settings) as rt:

        def write(connection: Connection) -> None:
            for behaviour in ("twice", "permanent", "always"):
                enqueue(connection, kind="t.flaky", payload={"behaviour": behaviour}, site_id=None)

        await rt.db.write(write)
        # "always" is old enough to be given up after its next failure.
        await rt.db.write(
            lambda connection: connection.execute(
                update(ITEM)
                .where(ITEM.c.payload["behaviour"].as_string() == "always")
                .values(created_at=utcnow() - timedelta(hours=26))
            )
        )
        dispatcher = Dispatcher(rt)
        for _ in range(40):
            await dispatcher.dispatch_once()
            await asyncio.sleep(0.05)
        stored = await rt.db.read(lambda connection: items(connection, "t.flaky"))
        by_behaviour = {str(item["payload"]["behaviour"]): item for item in stored}
        twice, permanent, always = (by_behaviour[b] for b in ("twice", "permanent", "always"))
        assert (twice["state"], twice["attempts"]) == ("sent", 3)
        assert (permanent["state"], permanent["attempts"]) == ("dead", 1)
        assert (always["state"], always["attempts"]) == ("dead", 1)
        log = await rt.db.read(lambda connection: attempts(connection, str(twice["id"])))
        assert [(a["ok"], a["status_code"]) for a in log] == [
            (False, 503),
            (False, 503),
            (True, 204),
        ]
        # The waits between attempts grew: about 0.05 s, then about 0.1 s.
        gaps = [(b["at"] - a["at"]).total_seconds() for a, b in itertools.pairwise(log)]
        assert gaps[0] >= 0.04 and gaps[1] >= 0.09
