"""Seed a million waits into PostgreSQL and time the response-time stats over them.

    python -m bench.seed_waits --database-url postgresql://user@host:port/db

The database must exist and should be empty (or hold an earlier seed of the same
size, which ``--reuse`` keeps). The script brings the schema to the newest
migration, inserts the rows with ``generate_series`` on the server (seconds,
not minutes), then times the figures twice:

* ``domain``: :func:`chat_server.stats.response_times.response_times` in this process;
* ``http``: ``GET /api/v1/stats/response-times`` on a real ``chat-server run``
  as a manager would call it (``--no-http`` skips it).

It prints one JSON object: the row counts and, per run, the seconds taken
(the target is under 1 s for the whole period). The waits are seeded as a running
server keeps them, folded into the stats rollups (its fold job runs every few
seconds): each stored with its lengths by the server's own SQL expressions
(``chat_server.sla.rollup.fold_sql.stored_lengths``), then the rollups built from them
(``rebuild_sums``). Folding them one batch at a time would take about a minute more
than the benchmark's budget allows; ``tests/test_business_stats_sql.py`` checks that
such a seed reads the same figures as its waits read row by row.

The seed is deterministic (``setseed``): 30 days of chats, 2.5 waits per
conversation on average, 20 agents, about 90 % answered, response times
spread from a second to a few minutes so that some breach the 30 s / 60 s
targets.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Float, String, column, insert, literal, select, text
from sqlalchemy.ext.asyncio import create_async_engine

from chat_server.config.settings import load_settings
from chat_server.model.tables import Wait, utcnow
from chat_server.model.utc_times import UTCDateTime
from chat_server.sla.rollup.fold_sql import rebuild_sums, stored_lengths
from chat_server.sla.rollup.revisions import revision_of
from chat_server.stats.business import business_figures
from chat_server.stats.period import Period
from chat_server.stats.response_times import response_times, wait_bounds
from chat_server.storage.database import Database
from tests.support import servers

ROOT = Path(__file__).resolve().parent.parent
AGENTS = 20
SITE_ID = "bench-site"

BUSINESS_HOURS = {
    "timezone": "Europe/Istanbul",
    "intervals": {
        day: [["09:00", "12:30"], ["13:30", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
    }
    | {"sat": [["10:00", "14:00"]]},
    "holidays": ["2026-10-29"],
}
SEED_SQL = [
    "SELECT setseed(0.42)",
    """INSERT INTO site (id, key, name, ip_mode, created_at)
       VALUES ('bench-site', 'bench-key', 'Bench shop', 'full', CAST(:start AS timestamptz))""",
    """INSERT INTO agent (id, email, name, role, password_hash, active, created_at)
       SELECT 'bench-agent-' || i, 'bench-agent-' || i || '@bench.local', 'Agent ' || i,
              'agent', 'x', true, CAST(:start AS timestamptz)
       FROM generate_series(1, CAST(:agents AS int)) AS i""",
    """INSERT INTO visitor (id, site_id, token, first_seen_at, last_seen_at, visits, is_bot,
                           dwell_closed_seconds)
       SELECT 'bv' || i, 'bench-site', 'bench-token-' || i, CAST(:start AS timestamptz),
              CAST(:start AS timestamptz), 1, false, 0
       FROM generate_series(1, CAST(:conversations AS int)) AS i""",
    """INSERT INTO conversation (id, site_id, visitor_id, status, created_at, resolved_at,
                                last_seq, last_visible_seq, rating)
       SELECT 'bc' || i, 'bench-site', 'bv' || i, 'resolved',
              CAST(:start AS timestamptz) + (random() * CAST(:days AS int)) * interval '1 day',
              NULL, 0, 0,
              CASE WHEN random() < 0.4 THEN 1 + floor(random() * 5)::int END
       FROM generate_series(1, CAST(:conversations AS int)) AS i""",
]

# Conversation i has 1 + i % 4 waits (2.5 on average), two minutes apart.
WAITS_SQL = """SELECT 'bw' || c.i || '-' || j AS id,
              'bc' || c.i AS conversation_id,
              'bench-site' AS site_id,
              CASE WHEN j = 0 THEN 'first_response' ELSE 'next_response' END AS kind,
              w.status AS status,
              w.opened_at AS opened_at,
              w.opened_at + w.seconds * interval '1 second' AS closed_at,
              CASE WHEN w.status = 'answered'
                   THEN 'bench-agent-' || (1 + floor(random() * CAST(:agents AS int))::int)
              END AS answered_by,
              w.target AS target_seconds,
              w.opened_at + w.target * interval '1 second' AS due_at,
              w.opened_at + w.target * 0.8 * interval '1 second' AS warn_at
       FROM generate_series(1, CAST(:conversations AS int)) AS c(i)
       CROSS JOIN LATERAL generate_series(0, c.i % 4) AS j
       JOIN conversation ON conversation.id = 'bc' || c.i
       CROSS JOIN LATERAL (
           SELECT conversation.created_at + j * interval '2 minutes' AS opened_at,
                  round((exp(random() * 5.5) + random())::numeric, 6) AS seconds,
                  CASE WHEN j = 0 THEN 30.0 ELSE 60.0 END AS target,
                  CASE WHEN random() < 0.9 THEN 'answered' ELSE 'unanswered' END AS status
           WHERE j >= 0
       ) AS w"""
WAIT_COLUMNS = {
    "id": String(),
    "conversation_id": String(),
    "site_id": String(),
    "kind": String(),
    "status": String(),
    "opened_at": UTCDateTime(),
    "closed_at": UTCDateTime(),
    "answered_by": String(),
    "target_seconds": Float(),
    "due_at": UTCDateTime(),
    "warn_at": UTCDateTime(),
}


def waits_insert(start: datetime, days: int, folded: bool) -> Any:
    """The seeded waits; ``folded``: stored with their lengths under :data:`BUSINESS_HOURS`
    by the server's own expressions (``chat_server.sla.rollup.fold_sql``), as its fold
    job would have stored them over the days."""
    seeded = (
        text(WAITS_SQL)
        .columns(*(column(name, type_) for name, type_ in WAIT_COLUMNS.items()))
        .subquery("seeded")
    )
    columns: list[Any] = list(seeded.c)
    names = list(WAIT_COLUMNS)
    if folded:
        length, business = stored_lengths(
            seeded.c.opened_at,
            seeded.c.closed_at,
            BUSINESS_HOURS,
            start,
            start + timedelta(days=days + 1),
        )
        columns += [length, business, literal(revision_of(BUSINESS_HOURS))]
        names += ["length_us", "business_us", "business_rev"]
    return insert(Wait.__table__).from_select(names, select(*columns))


def plain_url(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def async_url(url: str) -> str:
    return "postgresql+asyncpg://" + plain_url(url).removeprefix("postgresql://")


def migrate(url: str, data_dir: Path) -> None:
    env = {**os.environ, "CHAT_DATABASE_URL": async_url(url), "CHAT_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "-m", "chat_server.web.cli", "migrate"],
        check=True,
        env=env,
        cwd=ROOT,
        capture_output=True,
    )


async def seed(
    url: str, waits: int, days: int, reuse: bool, folded: bool = False
) -> dict[str, int]:
    """Seed the waits (``folded``: already folded into the stats rollups)."""
    engine = create_async_engine(async_url(url))
    conversations = round(waits / 2.5)
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=days)
    try:
        async with engine.begin() as connection:
            existing = (await connection.execute(text("SELECT count(*) FROM wait"))).scalar_one()
            if existing and not reuse:
                raise SystemExit(f"the database already holds {existing} waits; use --reuse")
            if not existing:
                values = {
                    "start": start,
                    "agents": AGENTS,
                    "conversations": conversations,
                    "days": days,
                }
                for statement in SEED_SQL:
                    await connection.execute(text(statement), values)
                await connection.execute(waits_insert(start, days, folded), values)
                if folded:
                    await connection.run_sync(rebuild_sums)
        async with engine.begin() as connection:
            # A shop's week (Istanbul time, a lunch break, Saturday mornings, a holiday):
            # the figures then include business time, computed for every wait.
            await connection.execute(
                text(
                    "INSERT INTO sla_policy (scope, first_response_seconds, next_response_seconds,"
                    " warning_fraction, business_hours, updated_at) VALUES ('*', 30, 60, 0.8,"
                    " CAST(:hours AS json), now()) ON CONFLICT (scope) DO UPDATE"
                    " SET business_hours = excluded.business_hours"
                ),
                {"hours": json.dumps(BUSINESS_HOURS)},
            )
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM ANALYZE"))
            counts = {
                table: (
                    await autocommit.execute(text(f"SELECT count(*) FROM {table}"))
                ).scalar_one()
                for table in ("wait", "conversation", "agent")
            }
    finally:
        await engine.dispose()
    return counts


async def time_parts(url: str) -> dict[str, float]:
    """The two scans of the figures apart: wall-clock and business time."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"CHAT_DATABASE_URL": async_url(url), "CHAT_DATA_DIR": tmp})
        db = Database(settings)
        try:
            async with db.reading() as session:
                bounds = await wait_bounds(session)
                assert bounds is not None, "no waits to time"
                period = Period(bounds[0], bounds[1] + timedelta(seconds=1))
                started = time.perf_counter()
                await business_figures(session, period, None, utcnow())
                business = time.perf_counter() - started
            started = time.perf_counter()
            await response_times(db, period, business=False)
            wall = time.perf_counter() - started
        finally:
            await db.dispose()
    return {"business_seconds": round(business, 3), "wall_clock_seconds": round(wall, 3)}


async def time_domain(url: str, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"CHAT_DATABASE_URL": async_url(url), "CHAT_DATA_DIR": tmp})
        db = Database(settings)
        try:
            seconds = []
            async with db.reading() as session:
                bounds = await wait_bounds(session)
            assert bounds is not None, "no waits to time"
            period = Period(bounds[0], bounds[1] + timedelta(seconds=1))
            for _ in range(runs):
                started = time.perf_counter()
                result = await response_times(db, period)
                seconds.append(round(time.perf_counter() - started, 3))
            print(json.dumps({"figures": result}, default=str), file=sys.stderr)
            if not result.get("business"):
                raise SystemExit("no business-hours figures: the policy was not seen")
        finally:
            await db.dispose()
    return seconds


def time_http(url: str, runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CHAT_")},
            "CHAT_DATABASE_URL": async_url(url),
            "CHAT_DATA_DIR": tmp,
            "CHAT_GEOIP_DB": "",
            "CHAT_LOG_LEVEL": "warning",
        }
        cli = [sys.executable, "-m", "chat_server.web.cli"]
        email = f"bench-manager-{os.getpid()}@bench.local"
        subprocess.run(
            [*cli, "agents", "create", "--email", email, "--name", "Bench Manager"]
            + ["--role", "manager", "--password-stdin"],
            input="bench-password-1\n",
            text=True,
            check=True,
            env=env,
            cwd=ROOT,
            capture_output=True,
        )
        port = servers.free_port()
        # Its output stays out of stdout, whose last line is this script's report.
        server = servers.spawn(port, env, ROOT, output=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            servers.wait_healthy(server, base, timeout=30, probe_timeout=2, interval=0.2)
            login = urllib.request.Request(
                f"{base}/api/v1/auth/token",
                data=json.dumps({"email": email, "password": "bench-password-1"}).encode(),
                headers={"content-type": "application/json"},
            )
            token = json.loads(urllib.request.urlopen(login, timeout=10).read())["token"]
            since = "2000-01-01T00:00:00Z"
            until = (datetime.now(UTC) + timedelta(days=1)).isoformat()
            request = urllib.request.Request(
                f"{base}/api/v1/stats/response-times?since={since}&until={until.replace('+', '%2B')}",
                headers={"authorization": f"Bearer {token}"},
            )
            seconds = []
            for _ in range(runs):
                started = time.perf_counter()
                body = json.loads(urllib.request.urlopen(request, timeout=60).read())
                seconds.append(round(time.perf_counter() - started, 3))
            assert body["first_response"]["count"] > 0, body
            assert body.get("business"), "no business-hours figures over HTTP"
        finally:
            servers.stop(server, grace=15)
    return seconds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="postgresql:// URL of an empty DB")
    parser.add_argument("--waits", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep an existing seed")
    parser.add_argument("--no-http", action="store_true", help="time the domain call only")
    args = parser.parse_args(argv)
    if not plain_url(args.database_url).startswith("postgresql://"):
        parser.error("--database-url must be a postgresql:// URL")
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        migrate(args.database_url, Path(tmp))
    counts = asyncio.run(seed(args.database_url, args.waits, args.days, args.reuse, folded=True))
    seeded = round(time.perf_counter() - started, 1)
    report: dict[str, Any] = {"rows": counts, "seed_seconds": seeded}
    report["domain_seconds"] = asyncio.run(time_domain(args.database_url, args.runs))
    report["parts"] = asyncio.run(time_parts(args.database_url))
    if not args.no_http:
        report["http_seconds"] = time_http(args.database_url, args.runs)
    report["best_seconds"] = min(report.get("http_seconds") or report["domain_seconds"])
    report["target_seconds"] = 1.0
    report["business_hours"] = BUSINESS_HOURS
    print(json.dumps(report))


if __name__ == "__main__":
    main()
