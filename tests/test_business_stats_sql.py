"""Business-time figures computed by PostgreSQL equal the row-by-row Python ones.

When every site keeps the installation's business hours, PostgreSQL computes the
business length of each wait itself (``chat_server.stats.business_sql``); the Python
path, which any mix of calendars takes, is the reference. Both run here over the same
seeded waits (the benchmark's seed, 60 days, some still open), to the microsecond,
before and after the waits are folded into the stats rollups.
"""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import fresh_database_url
from sqlalchemy import text

from bench import seed_waits
from chat_server.config.settings import Settings, load_settings
from chat_server.model.tables import utcnow
from chat_server.sla.rollup.fold import fold_pending
from chat_server.stats.business import (
    business_figures,
    business_figures_in_python,
    business_hours_by_scope,
    one_schedule,
)
from chat_server.stats.period import Period
from chat_server.stats.response_times import response_times, wait_bounds
from chat_server.storage.database import Database
from chat_server.storage.migrate import upgrade_to_head

pytestmark = pytest.mark.backends
POSTGRES_ONLY = pytest.mark.skipif(
    not os.environ.get("CHAT_TEST_DATABASE_URL"),
    reason="PostgreSQL only (the SQL path): the PostgreSQL + Redis pass of make test runs it",
)

BERLIN = {
    "timezone": "Europe/Berlin",  # daylight saving ends on 2026-10-25, inside the seed
    "intervals": {
        "mon": [["08:00", "17:30"]],
        "wed": [["22:00", "24:00"]],
        "sun": [["00:00", "03:15:30"]],
    },
    "holidays": ["2026-11-11"],
}


@POSTGRES_ONLY
def test_business_figures_from_postgresql_equal_the_python_ones(tmp_path: Path) -> None:
    url = fresh_database_url(tmp_path)
    settings = load_settings({"CHAT_DATABASE_URL": url, "CHAT_DATA_DIR": str(tmp_path)})
    upgrade_to_head(settings)  # runs its own event loop
    asyncio.run(compare(settings, url))


async def compare(settings: Settings, url: str) -> None:
    await seed_waits.seed(url, 6_000, 60, reuse=False)
    db = Database(settings)
    try:
        async with db.writing() as session:
            # some waits still open (their length runs to now), some closed in the future
            await session.execute(
                text("UPDATE wait SET status = 'open', closed_at = NULL WHERE id LIKE '%3-0'")
            )
            await session.execute(
                text("UPDATE wait SET closed_at = now() + interval '2 days' WHERE id LIKE '%7-1'")
            )
        now = utcnow()
        for hours in (seed_waits.BUSINESS_HOURS, BERLIN):
            async with db.writing() as session:
                await session.execute(
                    text("UPDATE sla_policy SET business_hours = CAST(:hours AS json)"),
                    {"hours": seed_waits.json.dumps(hours)},
                )
            async with db.reading() as session:
                bounds = await wait_bounds(session)
                assert bounds is not None
                period = Period(bounds[0] - timedelta(hours=5), bounds[1] + timedelta(seconds=1))
                by_scope = await business_hours_by_scope(session)
                assert one_schedule(by_scope) is not None  # so the SQL path is the one taken
                in_sql = await business_figures(session, period, None, now)
                in_python = await business_figures_in_python(session, period, None, now, by_scope)
            assert in_sql == in_python, hours["timezone"]
            # Folded into the rollups (the second hours find the waits measured under the
            # first: those count again row by row until the fold measures them again).
            assert await fold_pending(db, batch=1000) > 0
            async with db.reading() as session:
                from_rollups = await business_figures(session, period, None, now)
            assert from_rollups == in_python, hours["timezone"]
            assert in_sql is not None
            assert in_sql["first_response"]["count"] > 1000
            assert 0 < in_sql["first_response"]["breached"] < in_sql["first_response"]["count"]
    finally:
        await db.dispose()


@POSTGRES_ONLY
def test_the_benchmarks_folded_seed_reads_as_its_waits_read_row_by_row(tmp_path: Path) -> None:
    """``make bench`` seeds its million waits already folded (``folded=True``), with the
    server's own expressions: the figures must be those of the same waits unfolded."""
    url = fresh_database_url(tmp_path)
    settings = load_settings({"CHAT_DATABASE_URL": url, "CHAT_DATA_DIR": str(tmp_path)})
    upgrade_to_head(settings)
    asyncio.run(compare_folded_seed(settings, url))


async def compare_folded_seed(settings: Settings, url: str) -> None:
    await seed_waits.seed(url, 6_000, 30, reuse=False, folded=True)
    db = Database(settings)
    try:
        async with db.reading() as session:
            bounds = await wait_bounds(session)
        assert bounds is not None
        period = Period(bounds[0] - timedelta(days=1), bounds[1] + timedelta(days=1))
        now = utcnow()
        seeded = await response_times(db, period, now=now)
        async with db.writing() as session:
            assert (await session.execute(text("SELECT count(*) FROM wait_rollup"))).scalar_one()
            await session.execute(
                text("UPDATE wait SET length_us = NULL, business_us = NULL, business_rev = NULL")
            )
            await session.execute(text("DELETE FROM wait_rollup"))
            await session.execute(text("DELETE FROM wait_business_rollup"))
        assert await response_times(db, period, now=now) == seeded  # row by row
        assert seeded["business"]["first_response"]["count"] > 1000
        assert await fold_pending(db, batch=1000) == 6_000  # and folded by the job
        assert await response_times(db, period, now=now) == seeded
    finally:
        await db.dispose()


def test_one_schedule_only_when_every_site_keeps_the_installations_hours() -> None:
    hours = seed_waits.BUSINESS_HOURS
    assert one_schedule({"*": hours}) == hours
    assert one_schedule({"*": hours, "site-a": dict(hours)}) == hours
    assert one_schedule({"*": hours, "site-a": None}) is None  # that site: around the clock
    assert one_schedule({"*": hours, "site-a": BERLIN}) is None
    assert one_schedule({"site-a": hours}) is None  # the other sites: around the clock
