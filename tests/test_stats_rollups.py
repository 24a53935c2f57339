"""The stats read whole days from the rollups and give the figures of every wait read row by row.

Waits are written straight into a real database (SQLite here, PostgreSQL in the
PostgreSQL + Redis pass): four days of them, on two sites, answered by three agents
or not at all, some still open. The figures a manager gets (``response_times``, with
business hours) must be the same, to the microsecond, before the fold job has run
(every wait read row by row), after it (whole days from the sums), after the hours
change (business lengths measured under the old hours no longer count), and after
waits are deleted (their days leave the sums).
"""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import fresh_database_url
from sqlalchemy import BigInteger, delete, func, literal, select, update

from chat_server.config.settings import load_settings
from chat_server.model.rollup_tables import WaitBusinessRollup, WaitRollup
from chat_server.model.tables import Agent, Conversation, Site, SlaPolicy, Visitor, Wait
from chat_server.sla.rollup.cells import ROLLUP_BUCKETS, bucket_number
from chat_server.sla.rollup.fold import fold_batch_in_python, fold_pending
from chat_server.sla.rollup.fold_sql import fold_batch_in_sql
from chat_server.sla.rollup.revisions import load_revisions
from chat_server.sla.rollup.unfold import unfold_days_of
from chat_server.stats.buckets import value_bucket
from chat_server.stats.period import Period
from chat_server.stats.response_times import response_times
from chat_server.storage.database import Database
from chat_server.storage.migrate import upgrade_to_head

pytestmark = pytest.mark.backends

#: Midnight UTC three days before "now" in these tests (a fixed instant: exact days).
DAY0 = datetime(2026, 11, 2, tzinfo=UTC)
NOW = DAY0 + timedelta(days=3, hours=14)
ISTANBUL = {
    "timezone": "Europe/Istanbul",
    "intervals": {d: [["09:00", "12:30"], ["13:30", "18:00"]] for d in ("mon", "tue", "wed")},
    "holidays": [],
}
NIGHTS = {"timezone": "UTC", "intervals": {d: [["20:00", "24:00"]] for d in ("mon", "tue")}}
SITES = ("site-a", "site-b")
AGENTS = ("agent-1", "agent-2", "agent-3")


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    settings = load_settings(
        {"CHAT_DATABASE_URL": fresh_database_url(tmp_path), "CHAT_DATA_DIR": str(tmp_path)}
    )
    # migrations run their own event loop: in a thread, beside this test's
    await asyncio.to_thread(upgrade_to_head, settings)
    database = Database(settings)
    await seed(database)
    yield database
    await database.dispose()


async def seed(db: Database) -> None:
    rng = random.Random(17)
    async with db.writing() as session:
        for site in SITES:
            session.add(Site(id=site, key=f"key-{site}", name=site, created_at=DAY0))
        for agent in AGENTS:
            session.add(
                Agent(
                    id=agent,
                    email=f"{agent}@x.test",
                    name=agent,
                    password_hash="x",
                    created_at=DAY0,
                )
            )
        session.add(
            SlaPolicy(
                scope="*",
                first_response_seconds=30,
                next_response_seconds=60,
                warning_fraction=0.8,
                business_hours=ISTANBUL,
                updated_at=DAY0,
            )
        )
        await session.flush()
        for n in range(300):
            site = SITES[n % 2]
            opened = DAY0 + timedelta(seconds=rng.uniform(0, 3.5 * 86400))
            session.add(
                Visitor(
                    id=f"v{n}",
                    site_id=site,
                    token=f"t{n}",
                    first_seen_at=opened,
                    last_seen_at=opened,
                )
            )
            await session.flush()
            session.add(
                Conversation(id=f"c{n}", site_id=site, visitor_id=f"v{n}", created_at=opened)
            )
            await session.flush()
            for k in range(1 + n % 3):
                start = opened + timedelta(minutes=5 * k)
                length = timedelta(microseconds=int(rng.expovariate(1 / 40) * 1_000_000))
                roll = rng.random()
                status = "open" if roll < 0.05 else "unanswered" if roll < 0.2 else "answered"
                session.add(
                    Wait(
                        id=f"w{n}-{k}",
                        conversation_id=f"c{n}",
                        site_id=site,
                        kind="first_response" if k == 0 else "next_response",
                        status=status,
                        opened_at=start,
                        closed_at=None if status == "open" else start + length,
                        answered_by=rng.choice(AGENTS) if status == "answered" else None,
                        target_seconds=30.0 if k == 0 else 60.0,
                        due_at=start,
                        warn_at=start,
                    )
                )


PERIODS = (
    Period(DAY0 - timedelta(days=1), DAY0 + timedelta(days=5)),  # whole days only
    Period(DAY0 + timedelta(hours=7, microseconds=3), DAY0 + timedelta(days=3, hours=5)),
    Period(DAY0 + timedelta(days=1, hours=1), DAY0 + timedelta(days=1, hours=23)),  # no whole day
)


async def figures(db: Database, sites: frozenset[str] | None = None) -> list[dict[str, Any]]:
    return [await response_times(db, period, sites=sites, now=NOW) for period in PERIODS]


async def fold(db: Database) -> int:
    return await fold_pending(db, batch=97)


async def count(db: Database, what: Any, *where: Any) -> int:
    async with db.reading() as session:
        query = select(func.count()).select_from(what).where(*where)
        return int((await session.execute(query)).scalar_one())


async def execute(db: Database, *statements: Any) -> None:
    async with db.writing() as session:
        for statement in statements:
            await session.execute(statement)


async def unfold_everything(db: Database) -> None:
    """Back to no wait folded and no sums: what the stats then read is every wait, row by row."""
    await execute(
        db,
        update(Wait).values(length_us=None, business_us=None, business_rev=None),
        delete(WaitRollup),
        delete(WaitBusinessRollup),
    )


async def test_the_figures_from_the_rollups_are_those_of_every_wait_read_row_by_row(
    db: Database,
) -> None:
    row_by_row = await figures(db)
    row_by_row_site = await figures(db, frozenset({"site-b"}))
    assert row_by_row[0]["first_response"]["count"] > 200
    assert row_by_row[0]["business"]["first_response"]["count"] > 200

    folded = await fold(db)
    assert folded == await count(db, Wait) - await count(db, Wait, Wait.status == "open")
    assert await count(db, WaitRollup) > 0 and await count(db, WaitBusinessRollup) > 0
    assert await figures(db) == row_by_row
    assert await figures(db, frozenset({"site-b"})) == row_by_row_site
    assert await fold(db) == 0  # nothing is folded twice


async def test_new_business_hours_count_at_once_and_the_fold_measures_the_old_waits_again(
    db: Database,
) -> None:
    await fold(db)
    await execute(db, update(SlaPolicy).values(business_hours=NIGHTS))
    # A site with hours of its own: its waits are measured under those.
    await execute(
        db,
        SlaPolicy.__table__.insert().values(
            scope="site-a",
            first_response_seconds=30,
            next_response_seconds=60,
            warning_fraction=0.8,
            business_hours=ISTANBUL,
            updated_at=NOW,
        ),
    )
    under_new_hours = await figures(db)
    assert await fold(db) > 0  # the waits of site-b, measured again under the nights
    assert await figures(db) == under_new_hours
    await unfold_everything(db)
    assert await figures(db) == under_new_hours


async def test_deleted_waits_leave_the_sums_of_their_days(db: Database) -> None:
    await fold(db)
    gone = Wait.conversation_id.in_(["c1", "c2", "c3", "c40"])

    async def delete_some() -> int:
        async with db.writing() as session:
            connection = await session.connection()
            days = await connection.run_sync(unfold_days_of, gone)
            await session.execute(delete(Wait).where(gone))
            return int(days)

    assert await delete_some() >= 1
    after_delete = await figures(db)
    assert await fold(db) > 0  # the rest of those days, folded again
    assert await figures(db) == after_delete
    await unfold_everything(db)
    assert await figures(db) == after_delete
    assert after_delete[0]["first_response"]["count"] < 300


async def test_the_fold_and_the_stats_put_a_length_in_the_same_bucket(db: Database) -> None:
    lengths = [-5, 0, 1, 2, 249_998, 249_999, 250_000, 999_999, 10**6, 59_999_999, 10**10]

    async def in_sql() -> list[int]:
        async with db.reading() as session:
            query = select(*(value_bucket(literal(n, BigInteger), ROLLUP_BUCKETS) for n in lengths))
            return [int(bucket) for bucket in (await session.execute(query)).one()]

    assert await in_sql() == [bucket_number(n) for n in lengths]
    # exactly zero has a bucket of its own (most business lengths: its percentile needs no read)
    assert [bucket_number(n) for n in (-5, 0, 1, 249_999, 250_000)] == [-1, 0, 1, 1, 2]


async def snapshot(db: Database) -> tuple[list[Any], ...]:
    """Every wait's stored lengths and every sum, in a stable order."""
    stored = select(Wait.id, Wait.length_us, Wait.business_us, Wait.business_rev)
    parts = []
    async with db.reading() as session:
        for query in (stored, select(WaitRollup.__table__), select(WaitBusinessRollup.__table__)):
            parts.append(sorted(tuple(row) for row in (await session.execute(query)).all()))
    return tuple(parts)


@pytest.mark.skipif(
    not os.environ.get("CHAT_TEST_DATABASE_URL"),
    reason=(
        "PostgreSQL only: the SQL fold exists only there (SQLite always folds in Python, which "
        "the other tests here cover); the PostgreSQL + Redis pass of make test runs it"
    ),
)
async def test_postgresql_folds_a_batch_itself_exactly_as_python_does(db: Database) -> None:

    async def fold_with(step: Any) -> None:
        async with db.writing() as session:
            connection = await session.connection()
            revisions = await connection.run_sync(load_revisions)
            while await connection.run_sync(step, 50, revisions):
                pass

    await fold_with(fold_batch_in_sql)
    in_sql = await snapshot(db)
    await unfold_everything(db)
    await fold_with(fold_batch_in_python)
    assert await snapshot(db) == in_sql
    assert len(in_sql[0]) == await count(db, Wait) and len(in_sql[1]) > 50
