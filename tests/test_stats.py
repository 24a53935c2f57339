"""Response-time stats from real conversations over real sockets, checked by hand.

One server plays a short afternoon of chats with 1-second targets (first
responses answered after about 0.2 to 2.5 s, one after an internal note, a
next response, a chat resolved unanswered). The tests derive every wait again
from the conversations' messages, as CONTRACT section 4 defines them, compute
the figures by hand (percentiles by nearest rank: the value at rank
ceil(q * n)), and compare them with the JSON, the CSV, the series and the
dashboard.
"""

from __future__ import annotations

import asyncio
import csv
import io
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest
from clients import Agent, Visitor
from conftest import PASSWORD, Server, http, make_server

# The other chats are answered 0.2-0.8 s in, as the shopper's client times it; 1.5 s
# leaves the server's clock 0.7 s of room on a loaded machine (1 s left 0.2 s, and a
# 0.8 s answer was seen breached under make test's load).
TARGET = 1.5
BROWSER_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass
class HandWait:
    """A wait derived from messages by hand: visitor message to next public agent message."""

    conversation_id: str
    kind: str
    opened_at: datetime
    closed_at: datetime
    answered_by: str | None

    @property
    def seconds(self) -> float:
        return (self.closed_at - self.opened_at).total_seconds()

    @property
    def breached(self) -> bool:
        return self.seconds > TARGET


def waits_of(detail: dict[str, Any]) -> list[HandWait]:
    waits: list[HandWait] = []
    opened: datetime | None = None
    for message in detail["messages"]:
        author = message["author"]
        if author["kind"] == "visitor" and opened is None:
            opened = parse(message["created_at"])
        elif author["kind"] == "agent" and not message["internal"] and opened is not None:
            kind = "next_response" if waits else "first_response"
            closed = parse(message["created_at"])
            waits.append(HandWait(detail["id"], kind, opened, closed, author["id"]))
            opened = None
    if opened is not None:
        assert detail["resolved_at"], "every scenario chat ends answered or resolved"
        kind = "next_response" if waits else "first_response"
        waits.append(HandWait(detail["id"], kind, opened, parse(detail["resolved_at"]), None))
    return waits


def by_hand(waits: list[HandWait]) -> dict[str, Any]:
    answered = sorted(wait.seconds for wait in waits if wait.answered_by)
    n = len(answered)

    def rank(q: float) -> float | None:
        return answered[math.ceil(q * n) - 1] if n else None

    return {
        "count": n,
        "mean": pytest.approx(sum(answered) / n, abs=1e-6) if n else None,
        "p50": rank(0.5),
        "p90": rank(0.9),
        "max": answered[-1] if n else None,
        "within_sla": sum(1 for seconds in answered if seconds <= TARGET),
        "breached": sum(1 for wait in waits if wait.breached),
    }


@dataclass
class Afternoon:
    server: Server
    manager: dict[str, Any]
    agent: dict[str, Any]
    names: dict[str, str]
    since: str
    until: str
    chats: dict[str, str] = field(default_factory=dict)
    waits: list[HandWait] = field(default_factory=list)

    @property
    def query(self) -> str:
        return urllib.parse.urlencode({"since": self.since, "until": self.until})

    def stats(self) -> dict[str, Any]:
        status, body = self.server.api(
            "GET", f"/api/v1/stats/response-times?{self.query}", self.manager["token"]
        )
        assert status == 200, body
        return body

    def kind(self, kind: str) -> list[HandWait]:
        return [wait for wait in self.waits if wait.kind == kind]


async def chat(
    server: Server,
    site: dict[str, Any],
    answerer: str,
    answer_after: float | None,
    note_at: float | None = None,
    follow_up: tuple[str, float] | None = None,
) -> str:
    """One shopper's chat; times are seconds after the shopper's first message."""
    console = await Agent.connect(server.ws_base, answerer)
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("Merhaba, siparişim nerede?")
    started = time.monotonic()
    conversation_id = str(ack["message"]["conversation_id"])

    async def at(seconds: float) -> None:
        await asyncio.sleep(max(0.0, started + seconds - time.monotonic()))

    if note_at is not None:
        await at(note_at)
        await console.say(conversation_id, "Checking the warehouse first", internal=True)
    if answer_after is None:
        await at(0.2)
        await console.send({"type": "conversation.resolve", "conversation_id": conversation_id})
        while True:
            update = (await console.expect("conversation.updated", timeout=5))["conversation"]
            if update["id"] == conversation_id and update["status"] == "resolved":
                break
    else:
        await at(answer_after)
        await console.say(conversation_id, "Merhaba! Hemen bakıyorum.")
    if follow_up is not None:
        second_token, delay = follow_up
        second = await Agent.connect(server.ws_base, second_token)
        await shopper.say("Teşekkürler, bir sorum daha var")
        asked = time.monotonic()
        await asyncio.sleep(max(0.0, asked + delay - time.monotonic()))
        await second.say(conversation_id, "Tabii, buyurun")
        await second.close()
    await shopper.close()
    await console.close()
    return conversation_id


@pytest.fixture(scope="module")
def afternoon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Afternoon]:
    server = make_server(tmp_path_factory.mktemp("stats"))
    server.start()
    admin = server.create_agent("admin", "Deniz Admin")
    manager = server.create_agent("manager", "Mehmet Müdür")
    ayse = server.create_agent("agent", "Ayşe Demir")
    can = server.create_agent("agent", "Can Öztürk")
    site = server.create_site("Stats shop")
    status, _ = server.api(
        "PUT",
        "/api/v1/sla",
        admin["token"],
        {"first_response_seconds": TARGET, "next_response_seconds": TARGET},
    )
    assert status == 200
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()

    async def play() -> dict[str, str]:
        ids = await asyncio.gather(
            chat(server, site, ayse["token"], 2.5, note_at=1.0, follow_up=(can["token"], 0.3)),
            chat(server, site, can["token"], 0.2),
            chat(server, site, ayse["token"], 0.4),
            chat(server, site, can["token"], 0.6),
            chat(server, site, ayse["token"], 0.8),
            chat(server, site, ayse["token"], None),
        )
        return dict(zip(("noted", "fast", "quick", "steady", "late", "missed"), ids, strict=True))

    chats = asyncio.run(play())
    until = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    measured = Afternoon(
        server,
        manager,
        ayse,
        {ayse["id"]: ayse["name"], can["id"]: can["name"]},
        since,
        until,
        chats,
    )
    for conversation_id in chats.values():
        status, detail = server.api(
            "GET", f"/api/v1/conversations/{conversation_id}", manager["token"]
        )
        assert status == 200, detail
        measured.waits.extend(waits_of(detail))
    yield measured
    server.stop()


@pytest.mark.backends
def test_a_first_response_after_an_internal_note_lasts_until_the_public_answer_and_is_breached(
    afternoon: Afternoon,
) -> None:
    first = next(
        wait
        for wait in afternoon.kind("first_response")
        if wait.conversation_id == afternoon.chats["noted"]
    )
    assert 2.5 <= first.seconds < 3.0
    assert first.breached
    stats = afternoon.stats()
    assert stats["first_response"]["max"] == first.seconds
    assert stats["first_response"]["breached"] == 1
    assert stats["sla"] == {"first_response_seconds": TARGET, "next_response_seconds": TARGET}


@pytest.mark.backends
def test_a_next_response_after_a_third_of_a_second_is_within_a_one_second_target(
    afternoon: Afternoon,
) -> None:
    (following,) = afternoon.kind("next_response")
    assert 0.3 <= following.seconds < TARGET
    figures = afternoon.stats()["next_response"]
    assert figures["count"] == 1
    assert figures["within_sla"] == 1 and figures["breached"] == 0
    assert figures["p50"] == figures["p90"] == figures["max"] == following.seconds


@pytest.mark.backends
def test_a_conversation_resolved_without_an_answer_is_missed(afternoon: Afternoon) -> None:
    stats = afternoon.stats()
    assert stats["conversations"] == 6
    assert stats["missed"] == 1
    unanswered = [wait for wait in afternoon.waits if wait.answered_by is None]
    assert [wait.conversation_id for wait in unanswered] == [afternoon.chats["missed"]]
    status, overview = afternoon.server.api(
        "GET", f"/api/v1/stats/overview?{afternoon.query}", afternoon.manager["token"]
    )
    assert status == 200
    assert [m["conversation_id"] for m in overview["missed_recent"]] == [afternoon.chats["missed"]]


@pytest.mark.backends
def test_mean_median_p90_and_max_match_values_computed_by_hand(afternoon: Afternoon) -> None:
    stats = afternoon.stats()
    for kind in ("first_response", "next_response"):
        assert stats[kind] == by_hand(afternoon.kind(kind)), kind
    first = sorted(wait.seconds for wait in afternoon.kind("first_response") if wait.answered_by)
    # Five answered first responses of about 0.2, 0.4, 0.6, 0.8 and 2.5 s:
    # the median is the third, the 90th percentile the fifth (rank ceil(4.5)).
    assert len(first) == 5
    assert stats["first_response"]["p50"] == first[2]
    assert stats["first_response"]["p90"] == first[4]
    default_period = afternoon.server.api(
        "GET", "/api/v1/stats/response-times", afternoon.manager["token"]
    )[1]
    assert default_period["first_response"] == stats["first_response"]


@pytest.mark.backends
def test_per_agent_figures_attribute_each_answer_to_the_agent_who_wrote_it(
    afternoon: Afternoon,
) -> None:
    stats = afternoon.stats()
    assert {entry["agent_id"] for entry in stats["per_agent"]} == set(afternoon.names)
    for entry in stats["per_agent"]:
        assert entry["name"] == afternoon.names[entry["agent_id"]]
        for kind in ("first_response", "next_response"):
            theirs = [w for w in afternoon.kind(kind) if w.answered_by == entry["agent_id"]]
            assert entry[kind] == by_hand(theirs), (entry["name"], kind)
    ayse = next(e for e in stats["per_agent"] if e["agent_id"] == afternoon.agent["id"])
    assert ayse["first_response"]["count"] == 3
    assert ayse["next_response"]["count"] == 0


def test_the_csv_lists_every_wait_once_with_the_numbers_of_the_json(afternoon: Afternoon) -> None:
    status, text = http(
        "GET",
        f"{afternoon.server.base}/api/v1/stats/response-times.csv?{afternoon.query}",
        token=afternoon.manager["token"],
    )
    assert status == 200
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(afternoon.waits) == 7
    by_opening = {(w.conversation_id, w.opened_at): w for w in afternoon.waits}
    for row in rows:
        wait = by_opening[(row["conversation_id"], parse(row["opened_at"]))]
        assert row["kind"] == wait.kind
        assert float(row["seconds"]) == pytest.approx(wait.seconds, abs=1e-6)
        assert row["breached"] == ("true" if wait.breached else "false")
        assert row["status"] == ("answered" if wait.answered_by else "unanswered")
        assert row["answered_by"] == (wait.answered_by or "")
        assert row["answered_by_name"] == afternoon.names.get(wait.answered_by or "", "")
        assert float(row["target_seconds"]) == TARGET
    stats = afternoon.stats()
    for kind in ("first_response", "next_response"):
        mine = [row for row in rows if row["kind"] == kind]
        answered = sorted(float(r["seconds"]) for r in mine if r["status"] == "answered")
        assert len(answered) == stats[kind]["count"]
        assert answered[-1] == stats[kind]["max"]
        assert sum(r["breached"] == "true" for r in mine) == stats[kind]["breached"]
        assert (
            sum(r["status"] == "answered" and r["breached"] == "false" for r in mine)
            == stats[kind]["within_sla"]
        )


def test_the_hourly_series_adds_up_to_the_numbers_of_the_json(afternoon: Afternoon) -> None:
    status, series = afternoon.server.api(
        "GET", f"/api/v1/stats/series?bucket=hour&{afternoon.query}", afternoon.manager["token"]
    )
    assert status == 200, series
    stats = afternoon.stats()
    assert sum(bucket["conversations"] for bucket in series["buckets"]) == stats["conversations"]
    assert sum(bucket["missed"] for bucket in series["buckets"]) == stats["missed"]
    for kind in ("first_response", "next_response"):
        for name in ("count", "within_sla", "breached"):
            assert sum(b[kind][name] for b in series["buckets"]) == stats[kind][name]
        assert max(b[kind]["max"] or 0 for b in series["buckets"]) == stats[kind]["max"]


async def test_the_dashboard_shows_the_numbers_of_the_json(afternoon: Afternoon) -> None:
    from playwright.async_api import async_playwright

    stats = afternoon.stats()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=BROWSER_ARGS
        )
        page = await browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(f"{afternoon.server.base}/console/login?next=/console/stats")
        await page.fill("input[name=email]", afternoon.manager["email"])
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await page.wait_for_url("**/console/stats")
        await page.goto(f"{afternoon.server.base}/console/stats?lang=en&{afternoon.query}")
        await page.wait_for_selector('[data-chat="stats"][data-loaded="true"]', timeout=15000)

        async def shown(selector: str) -> str | None:
            return await page.get_attribute(selector, "data-value")

        for kind in ("first_response", "next_response"):
            for name in ("count", "mean", "p50", "p90", "max", "within_sla", "breached"):
                value = await shown(f'.st-table [data-stat="{kind}.{name}"]')
                expected = stats[kind][name]
                assert (float(value) if value else None) == expected, (kind, name)
        assert await shown('[data-stat="conversations"]') == str(stats["conversations"])
        assert await shown('[data-stat="missed"]') == str(stats["missed"])
        assert await shown('[data-kpi="first"] [data-kpi-value]') == str(
            stats["first_response"]["p50"]
        )
        for entry in stats["per_agent"]:
            row = f'tr[data-agent-id="{entry["agent_id"]}"]'
            assert await page.text_content(f"{row} .st-agent-name") == entry["name"]
            assert (
                float(await shown(f'{row} [data-stat="first_response.p50"]') or "nan")
                == (entry["first_response"]["p50"])
            )
        async with page.expect_download() as download_info:
            await page.click('[data-chat="stats-csv"]')
        download = await download_info.value
        saved = await download.path()
        assert download.suggested_filename.endswith(".csv")
        text = await asyncio.to_thread(Path(saved).read_text, encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(text)))
        assert len(rows) == len(afternoon.waits)
        assert sum(row["breached"] == "true" for row in rows) == sum(
            stats[kind]["breached"] for kind in ("first_response", "next_response")
        )
        assert errors == []
        await browser.close()


def test_agents_get_403_on_every_stats_endpoint_and_strangers_401(afternoon: Afternoon) -> None:
    server = afternoon.server
    for path in (
        "/api/v1/stats/response-times",
        "/api/v1/stats/response-times.csv",
        "/api/v1/stats/series",
        "/api/v1/stats/overview",
        "/api/v1/stats/waiting",
    ):
        status, body = server.api("GET", path, afternoon.agent["token"])
        assert status == 403, path
        assert body["error"]["code"] == "forbidden"
        status, body = server.api("GET", path)
        assert status == 401, path
        assert body["error"]["code"] == "unauthorized"


def test_bad_periods_and_parameters_are_refused_with_400(afternoon: Afternoon) -> None:
    token = afternoon.manager["token"]
    for query in (
        "since=yesterday",
        "until=2026-13-45T00:00:00Z",
        "since=2026-11-02T00:00:00Z&until=2026-11-01T00:00:00Z",
    ):
        status, body = afternoon.server.api("GET", f"/api/v1/stats/response-times?{query}", token)
        assert status == 400, query
        assert body["error"]["code"] == "invalid_parameter"
        assert body["error"]["message"]
    for path in (
        "/api/v1/stats/series?bucket=week",
        "/api/v1/stats/series?bucket=hour&since=2020-01-01T00:00:00Z",
        "/api/v1/stats/overview?tz=Mars/Olympus",
        "/api/v1/stats/response-times.csv?since=soon",
    ):
        status, body = afternoon.server.api("GET", path, token)
        assert status == 400, path
        assert body["error"]["code"] == "invalid_parameter"


async def test_the_overview_shows_ratings_and_the_dashboard_lists_who_is_waiting_now(
    afternoon: Afternoon,
) -> None:
    server = afternoon.server
    site = server.create_site("Rated shop")
    since = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    console = await Agent.connect(server.ws_base, afternoon.agent["token"])
    happy = await Visitor.connect(server.ws_base, site["key"])
    ack = await happy.say("Is the blue one in stock?")
    rated = ack["message"]["conversation_id"]
    await console.say(rated, "Yes, we have it.")
    await console.send({"type": "conversation.resolve", "conversation_id": rated})
    await happy.send({"type": "rating.submit", "score": 4, "comment": "quick"})
    await happy.expect("rating.recorded")
    waiting = await Visitor.connect(server.ws_base, site["key"])
    waiting_id = (await waiting.say("hello?"))["message"]["conversation_id"]
    await asyncio.sleep(TARGET + 0.2)
    until = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    query = urllib.parse.urlencode({"since": since, "until": until, "site_id": site["id"]})

    status, overview = server.api(
        "GET", f"/api/v1/stats/overview?{query}", afternoon.manager["token"]
    )
    assert status == 200, overview
    assert overview["rating"] == {
        "average": 4.0,
        "count": 1,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0},
    }
    assert sum(overview["volume"]["by_hour"]) == 2
    assert sum(overview["first_response_histogram"]["counts"]) == 1
    status, now = server.api(
        "GET", f"/api/v1/stats/waiting?site_id={site['id']}", afternoon.manager["token"]
    )
    assert status == 200
    (entry,) = now["waiting"]
    assert entry["conversation_id"] == waiting_id
    assert entry["kind"] == "first_response"
    assert entry["state"] == "breached"
    assert entry["waited_seconds"] > TARGET
    await happy.close()
    await waiting.close()
    await console.close()


def test_the_stats_page_is_for_managers_only(afternoon: Afternoon) -> None:

    def page_status(email: str) -> int:
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        login = opener.open(f"{afternoon.server.base}/console/login", timeout=10).read().decode()
        token = login.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        form = urllib.parse.urlencode(
            {"email": email, "password": PASSWORD, "csrf_token": token, "next": "/console/stats"}
        ).encode()
        try:
            return int(
                opener.open(f"{afternoon.server.base}/console/login", form, timeout=10).status
            )
        except urllib.error.HTTPError as error:
            return int(error.code)

    assert page_status(afternoon.manager["email"]) == 200
    assert page_status(afternoon.agent["email"]) == 403
