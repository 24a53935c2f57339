"""Server CPU per recorded page view, apart from I/O.

    python -m bench.page_view_cpu [--views 2000]

Three figures, in microseconds of CPU per page view, from the narrowest to the
widest:

* ``tracking``: what recording a page view computes, in this process, with no
  database: decode and validate the ``page.view`` frame, extract search words
  and the campaign, parse the User-Agent (cached, as the server does), build the
  Visitor (with a 20-page journey) and encode the ``visitor.updated`` frame.
* ``domain``: what the ``page.view`` handler calls,
  :func:`chat_server.visitors.pages.enter_page` (which publishes the
  ``visitor.updated`` it leads to), against a real SQLite file, in this
  process, for 100 visitors browsing in turn (process CPU time, SQLAlchemy, the
  database threads' hand-offs and SQLite's own work included; waiting for the
  disk is not CPU time). ``calibration_us_per_empty_db_round_trip`` is one
  session running ``SELECT 1`` on the same machine, the floor each of the
  handful of statements a page view needs pays. ``domain_us_per_hello`` is
  :func:`chat_server.visitors.arrival.arrive` plus the ``visitor.updated`` that follows,
  for visitors coming back after a server restart (their page views left open by
  the dead process, which each ``hello`` resumes).
* ``server``: a real ``chat-server run`` on SQLite with one agent socket
  connected, sent ``page.view`` frames over a real WebSocket; the server
  process's CPU time (``/proc/PID/stat``) per frame, minus what the idle server
  used over the same wall time. ``server_us_per_hello`` likewise for visitors
  reconnecting with their token (handshake, ``hello``, ``welcome``, close).

It prints one JSON object.
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
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text as sql_text

from chat_server.admin import sites
from chat_server.config.settings import load_settings
from chat_server.delivery.publisher import BusPublisher
from chat_server.model.rows import Journey, KeywordRecord, PageRecord, VisitorRecord
from chat_server.model.tables import PageView, SearchKeyword, Site, Visitor, utcnow
from chat_server.realtime.bus import MemoryBus
from chat_server.realtime.presence import MemoryPresence
from chat_server.runtime.state import Runtime
from chat_server.security.tokens import Signer
from chat_server.storage.database import Database
from chat_server.storage.migrate import upgrade_to_head
from chat_server.tracking.agents import parse_user_agent
from chat_server.tracking.referrers import extract_campaign, extract_keywords
from chat_server.visitors import tokens
from chat_server.visitors.arrival import arrival_events, arrive
from chat_server.visitors.pages import enter_page
from chat_server.visitors.reconnects import Arrival
from chat_server.visitors.rules import RECENT_PAGES
from chat_server.wire.inbound import parse_visitor_frame
from chat_server.wire.outbound import dump
from chat_server.wire.views import journey_view
from tests.support import servers

ROOT = Path(__file__).resolve().parent.parent
TABS = 10
DOMAIN_VISITORS = 100
HELLOS = 300  # reconnecting visitors in the server figure
FRAMES_PER_SECOND_PER_TAB = 20  # the visitor socket allows 30 frames a second
UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


def frame(n: int) -> str:
    return json.dumps(
        {
            "type": "page.view",
            "url": f"https://shop.example/ara?q=k%C4%B1%C5%9Fl%C4%B1k+bot&sayfa={n}",
            "title": f"Arama sonuçları {n}",
            "referrer": "https://www.google.com.tr/search?q=%C3%A7ocuk+bot",
        }
    )


def bench_tracking(views: int) -> float:
    now = utcnow()
    visitor = Visitor(id="v", site_id="s", token="t", first_seen_at=now, last_seen_at=now)
    visitor.user_agent = parse_user_agent(UA)
    pages = [
        PageView(
            visitor_id="v",
            url=f"https://shop.example/urun/{i}",
            title=f"Ürün {i}",
            entered_at=now - timedelta(seconds=60 - i),
            left_at=now - timedelta(seconds=59 - i),
            dwell_seconds=1.0,
        )
        for i in range(19)
    ]
    pages.append(
        PageView(visitor_id="v", url="https://shop.example/", entered_at=now, visible_since=now)
    )
    keywords = [SearchKeyword(visitor_id="v", keyword="çocuk bot", source="google", at=now)]
    texts = [frame(n) for n in range(views)]

    # The server builds the frame from plain records.
    fields = ("id", "visitor_id", "url", "title", "referrer", "entered_at", "left_at")
    journey = Journey(
        VisitorRecord(**{k: getattr(visitor, k) for k in Visitor.model_fields}),
        [
            PageRecord(**{k: getattr(p, k) for k in (*fields, "dwell_seconds", "visible_since")})
            for p in pages
        ],
        [KeywordRecord(k.keyword, k.source, k.at) for k in keywords],
    )

    def updated() -> dict[str, Any]:
        return journey_view(journey, True, now, RECENT_PAGES)

    def one(text: str) -> None:
        parsed: Any = parse_visitor_frame(text)
        extract_keywords(parsed.url, parsed.referrer)
        extract_campaign(parsed.url)
        parse_user_agent(UA)
        dump({"type": "visitor.updated", "visitor": updated()})

    for text in texts[:200]:
        one(text)  # warm caches and imports
    started = time.process_time()
    for text in texts:
        one(text)
    return (time.process_time() - started) / views * 1e6


async def page_view_and_publish(
    rt: Runtime, site: Site, visitor_id: str, previous: str | None, page: dict[str, Any]
) -> str:
    """What the ``page.view`` handler does: the page view, and the ``visitor.updated``."""
    entered = await enter_page(
        rt, site, visitor_id, previous, page["url"], page["title"], page["referrer"]
    )
    return entered.page_view_id


async def hello_and_publish(rt: Runtime, site: Site, token: str | None, url: str) -> Arrival:
    """What the ``hello`` handler asks of the visitors package."""
    arrival = await arrive(rt, site, token, url, "Ana sayfa", None, "81.2.69.142", UA)
    await rt.publish(await arrival_events(rt, arrival))
    return arrival


async def bench_domain(views: int, data_dir: Path) -> tuple[float, float, float]:
    settings = load_settings({"CHAT_DATA_DIR": str(data_dir), "CHAT_GEOIP_DB": ""})
    await asyncio.to_thread(upgrade_to_head, settings)  # it runs its own event loop
    db = Database(settings)
    bus = MemoryBus()

    async def resync() -> None:
        return None

    await bus.start(lambda event: None, resync)
    rt = Runtime(
        settings,
        db,
        bus,
        MemoryPresence(),
        Signer(settings.secret_key),
        publisher=BusPublisher(bus),
    )
    try:
        site = await sites.create_site(rt, "Bench", [])
        tabs = []  # [visitor id, current page view id]: realistic journeys, 20-odd pages each
        for _ in range(DOMAIN_VISITORS):
            arrival = await arrive(
                rt, site, None, "https://shop.example/", "Ana sayfa", None, "81.2.69.142", UA
            )
            tabs.append([arrival.visitor.id, arrival.page_view_id])
        per_visitor = max(1, views // DOMAIN_VISITORS)
        pages = [json.loads(frame(n)) for n in range(per_visitor + 2)]

        async def one(tab: list[str], page: dict[str, Any]) -> None:
            tab[1] = await page_view_and_publish(rt, site, tab[0], tab[1], page)

        for tab in tabs:
            for page in pages[:2]:
                await one(tab, page)  # warm up
        started = time.process_time()
        for page in pages[2:]:
            for tab in tabs:
                await one(tab, page)
        per_view = (time.process_time() - started) / (per_visitor * DOMAIN_VISITORS) * 1e6

        started = time.process_time()
        for _ in range(200):
            async with db.reading() as session:
                await session.execute(sql_text("SELECT 1"))
        floor = (time.process_time() - started) / 200 * 1e6

        # A restart: every open page view is an orphan; each visitor comes back on its page.
        returning = []
        for n in range(2 * DOMAIN_VISITORS):
            arrival = await hello_and_publish(rt, site, None, f"https://shop.example/urun/{n}")
            returning.append((arrival.visitor.token, f"https://shop.example/urun/{n}"))
        rt.presence = MemoryPresence()
        tokens.forget_all()
        for token, url in returning[:DOMAIN_VISITORS]:
            await hello_and_publish(rt, site, token, url)  # warm up
        started = time.process_time()
        for token, url in returning[DOMAIN_VISITORS:]:
            await hello_and_publish(rt, site, token, url)
        per_hello = (time.process_time() - started) / DOMAIN_VISITORS * 1e6
        return per_view, floor, per_hello
    finally:
        await bus.stop()
        await db.dispose()


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(data_dir: Path) -> tuple[subprocess.Popen[bytes], str, str, str]:
    """A ``chat-server run`` on SQLite with one site and one agent: (process, host:port,
    site key, agent token)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_")}
    env.update(
        CHAT_DATA_DIR=str(data_dir),
        CHAT_GEOIP_DB=str(ROOT / "tests" / "data" / "GeoIP2-City-Test.mmdb"),
        CHAT_LOG_LEVEL="warning",
        PYTHONPATH=str(ROOT),
    )
    cli = [sys.executable, "-m", "chat_server.web.cli"]
    create = [*cli, "sites", "create", "--name", "Bench"]
    site = json.loads(subprocess.run(create, env=env, capture_output=True, check=True).stdout)
    subprocess.run(
        [*cli, "agents", "create", "--email", "b@bench.local", "--name", "B", "--role", "agent"]
        + ["--password-stdin"],
        env=env,
        input=b"bench-password\n",
        capture_output=True,
        check=True,
    )
    port = servers.free_port()
    server = servers.spawn(port, env)
    base = f"127.0.0.1:{port}"
    servers.wait_healthy(server, f"http://{base}", timeout=30, probe_timeout=1)
    request = urllib.request.Request(
        f"http://{base}/api/v1/auth/token",
        data=json.dumps({"email": "b@bench.local", "password": "bench-password"}).encode(),
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        token = json.loads(response.read())["token"]
    return server, base, site["key"], token


async def measure_server(
    views: int, pid: int, base: str, site_key: str, token: str
) -> dict[str, float]:
    import websockets

    agent = await websockets.connect(f"ws://{base}/ws/agent", max_size=None)
    await agent.send(json.dumps({"type": "auth", "token": token}))
    tabs = []
    for _ in range(TABS):
        tab = await websockets.connect(
            f"ws://{base}/ws/visitor?site={site_key}", additional_headers={"User-Agent": UA}
        )
        hello = {"type": "hello", "visitor_token": None, "page": {"url": "https://shop.example/"}}
        await tab.send(json.dumps(hello))
        tabs.append(tab)

    async def drain(socket: Any) -> None:
        async for _ in socket:
            pass

    readers = [asyncio.create_task(drain(socket)) for socket in (agent, *tabs)]

    async def send_all(count: int) -> None:
        """``count`` page views spread over the tabs, each tab under its frame rate limit."""

        async def browse(tab: Any, views: int) -> None:
            for n in range(views):
                await tab.send(frame(n))
                await asyncio.sleep(1 / FRAMES_PER_SECOND_PER_TAB)

        await asyncio.gather(*(browse(tab, count // TABS) for tab in tabs))

    await send_all(200)
    await asyncio.sleep(1.0)
    idle_wall = 5.0
    idle_start = _cpu_seconds(pid)
    await asyncio.sleep(idle_wall)
    idle_rate = (_cpu_seconds(pid) - idle_start) / idle_wall

    views = views // TABS * TABS
    cpu_start, wall_start = _cpu_seconds(pid), time.monotonic()
    await send_all(views)
    await asyncio.sleep(2.0)  # let the server finish what is queued
    wall = time.monotonic() - wall_start
    busy = _cpu_seconds(pid) - cpu_start
    for reader in readers:
        reader.cancel()
    for socket in tabs:
        await socket.close()

    async def hello(token: str | None, n: int) -> str:
        async with websockets.connect(
            f"ws://{base}/ws/visitor?site={site_key}", additional_headers={"User-Agent": UA}
        ) as tab:
            page = {"url": f"https://shop.example/urun/{n}"}
            await tab.send(json.dumps({"type": "hello", "visitor_token": token, "page": page}))
            while True:
                reply = json.loads(await tab.recv())
                if reply["type"] == "welcome":
                    return str(reply["visitor_token"])

    async def hellos(tokens: list[str | None]) -> list[str]:
        """Each token's hello, ``TABS`` sockets at a time."""
        done: list[str] = []
        for start in range(0, len(tokens), TABS):
            batch = tokens[start : start + TABS]
            done += await asyncio.gather(*(hello(t, start + i) for i, t in enumerate(batch)))
        return done

    tokens = await hellos([None] * HELLOS)
    await asyncio.sleep(5.0)  # the visitors' departures are announced
    cpu_start, wall_start = _cpu_seconds(pid), time.monotonic()
    await hellos(list(tokens))
    await asyncio.sleep(1.0)
    hello_wall = time.monotonic() - wall_start
    hello_busy = _cpu_seconds(pid) - cpu_start
    await agent.close()
    return {
        "server_us_per_page_view": (busy - idle_rate * wall) / views * 1e6,
        "server_us_per_hello": (hello_busy - idle_rate * hello_wall) / HELLOS * 1e6,
        "server_idle_cpu_fraction": idle_rate,
    }


def bench_server(views: int, data_dir: Path) -> dict[str, float]:
    server, base, site_key, token = start_server(data_dir)
    try:
        return asyncio.run(measure_server(views, server.pid, base, site_key, token))
    finally:
        servers.stop(server, grace=15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--views", type=int, default=2000)
    parser.add_argument("--no-server", action="store_true", help="skip the real-server figure")
    args = parser.parse_args()
    result: dict[str, Any] = {"views": args.views}
    result["tracking_us_per_page_view"] = round(bench_tracking(args.views), 1)
    with tempfile.TemporaryDirectory() as tmp:
        domain, floor, hello = asyncio.run(bench_domain(args.views, Path(tmp) / "domain"))
        result["domain_us_per_page_view"] = round(domain, 1)
        result["domain_us_per_hello"] = round(hello, 1)
        result["calibration_us_per_empty_db_round_trip"] = round(floor, 1)
        if not args.no_server:
            figures = bench_server(args.views, Path(tmp) / "server")
            result.update({k: round(v, 3 if "fraction" in k else 1) for k, v in figures.items()})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
