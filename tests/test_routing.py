"""Routing by capacity, the shoppers' queue, claims, transfers, tags and agent status.

Real `chat-server run` processes, real sockets. Each test opens a site of its own with
agents of that site only (so other tests' consoles never take its conversations), and
watches what people see: the shopper's `conversation.updated` and `queue.updated`, the
colleagues' `agent.updated`, and the REST lists.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from clients import Agent, Client, Visitor
from conftest import PASSWORD, Server, http, make_server

#: Short routing timings: a sweep every 0.2 s, offline assignees requeued after 1 s.
ROUTING_TIMINGS = {"CHAT_ROUTING_SWEEP_SECONDS": "0.2", "CHAT_REQUEUE_GRACE_SECONDS": "1.0"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("routing"), **ROUTING_TIMINGS)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, Any]:
    return cli_admin(server)


def cli_admin(server: Server) -> dict[str, Any]:
    """The one account made with ``chat-server agents create``; it makes the others by REST."""
    email = f"admin-{secrets.token_hex(4)}@example.com"
    args = ["agents", "create", "--email", email, "--name", "Admin", "--role", "admin"]
    created = json.loads(server.cli(*args, "--password-stdin", stdin=PASSWORD + "\n").stdout)
    return {**created, "token": login(server, email)}


def login(server: Server, email: str) -> str:
    status, body = http(
        "POST", f"{server.base}/api/v1/auth/token", {"email": email, "password": PASSWORD}
    )
    assert status == 200, body
    return str(body["token"])


def shop(server: Server, admin: dict[str, Any], name: str, routing: bool = True) -> dict[str, Any]:
    status, site = server.api("POST", "/api/v1/sites", admin["token"], {"name": name})
    assert status == 201, site
    if not routing:
        status, site = server.api(
            "PATCH", f"/api/v1/sites/{site['id']}", admin["token"], {"routing": False}
        )
        assert status == 200 and site["routing"] is False, site
    return dict(site)


def account(
    server: Server,
    admin: dict[str, Any],
    role: str,
    *sites: dict[str, Any],
    max_chats: int = 5,
) -> dict[str, Any]:
    """An account of ``sites`` with ``max_chats`` and an API token, made through the API."""
    email = f"{role}-{secrets.token_hex(4)}@example.com"
    body = {
        "email": email,
        "name": f"{role.title()} {email[len(role) + 1 : len(role) + 5]}",
        "role": role,
        "password": PASSWORD,
        "sites": [site["id"] for site in sites],
        "max_chats": max_chats,
    }
    status, created = server.api("POST", "/api/v1/agents", admin["token"], body)
    assert status == 201, created
    return {**created, "token": login(server, email)}


async def frame_where(
    client: Client, kind: str, test: Callable[[dict[str, Any]], Any], timeout: float = 5.0
) -> dict[str, Any]:
    """The next frame of ``kind`` for which ``test`` holds, skipping the others."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no {kind} frame as expected within {timeout}s")
        frame = await client.expect(kind, timeout=remaining)
        if test(frame):
            return frame


async def assigned_to(visitor: Visitor, timeout: float = 5.0) -> str | None:
    """The assignee the shopper next hears of (None: back in the queue)."""
    frame = await client_update(visitor, timeout)
    return frame["conversation"]["assignee_id"]


async def client_update(visitor: Visitor, timeout: float) -> dict[str, Any]:
    return await frame_where(visitor, "conversation.updated", lambda f: True, timeout)


async def assignee_becomes(
    visitor: Visitor, expected: str | None, timeout: float = 5.0
) -> dict[str, Any]:
    return await frame_where(
        visitor,
        "conversation.updated",
        lambda f: f["conversation"]["assignee_id"] == expected,
        timeout,
    )


async def open_chat(server: Server, site: dict[str, Any], text: str) -> tuple[Visitor, str]:
    visitor = await Visitor.connect(server.ws_base, site["key"])
    ack = await visitor.say(text)
    return visitor, ack["message"]["conversation_id"]


def conversation(server: Server, who: dict[str, Any], conversation_id: str) -> dict[str, Any]:
    status, body = server.api("GET", f"/api/v1/conversations/{conversation_id}", who["token"])
    assert status == 200, body
    return dict(body)


async def close_all(*clients: Client) -> None:
    for client in clients:
        await client.close()


async def test_new_chats_go_to_the_least_loaded_then_the_longest_idle_then_wait_in_line(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "Capacity shop")
    one = account(server, admin, "agent", site, max_chats=1)
    two = account(server, admin, "agent", site, max_chats=2)
    other_two = account(server, admin, "agent", site, max_chats=2)
    consoles = [await Agent.connect(server.ws_base, a["token"]) for a in (one, two, other_two)]
    visitors: list[Visitor] = []
    try:
        first_round = []
        for n in range(3):
            visitor, _ = await open_chat(server, site, f"merhaba {n}")
            visitors.append(visitor)
            first_round.append((await assignee_becomes_any(visitor))["conversation"]["assignee_id"])
        # Everyone had nothing: one each.
        assert sorted(first_round) == sorted([one["id"], two["id"], other_two["id"]])
        # `one` is full; the two others hold one each: the one idle longest goes first.
        idle_order = [agent for agent in first_round if agent != one["id"]]
        for expected in idle_order:
            visitor, _ = await open_chat(server, site, "kargom nerede?")
            visitors.append(visitor)
            assert (await assignee_becomes_any(visitor))["conversation"]["assignee_id"] == expected
        # Everyone full: the next three wait, first come first served.
        waiting = []
        for position in (1, 2, 3):
            visitor, conversation_id = await open_chat(server, site, f"sırada {position}")
            visitors.append(visitor)
            waiting.append((visitor, conversation_id))
            queued = await visitor.expect("queue.updated")
            assert queued["position"] == position
            assert queued["estimated_wait_seconds"] is None  # no answered first wait yet
        assert conversation(server, admin, waiting[0][1])["assignee_id"] is None

        # A resolution frees room: the head of the line is assigned at once.
        freed = consoles[1]
        freed_conversation = next(
            c["id"]
            for c in server.api("GET", "/api/v1/conversations?assignee=me", two["token"])[1][
                "conversations"
            ]
        )
        await freed.send({"type": "conversation.resolve", "conversation_id": freed_conversation})
        head_visitor, head_id = waiting[0]
        assert (await assignee_becomes_any(head_visitor, 3.0))["conversation"][
            "assignee_id"
        ] == two["id"]
        moved = await frame_where(waiting[1][0], "queue.updated", lambda f: f["position"] == 1)
        assert moved["position"] == 1
        await frame_where(waiting[2][0], "queue.updated", lambda f: f["position"] == 2)

        # Answered first waits make an estimate.
        for console, who in zip(consoles, (one, two, other_two), strict=True):
            _, mine = server.api("GET", "/api/v1/conversations?assignee=me", who["token"])
            for item in mine["conversations"]:
                await console.say(item["id"], "Hemen bakıyorum.")
        estimated = await frame_where(
            waiting[1][0],
            "queue.updated",
            lambda f: f["estimated_wait_seconds"] is not None,
        )
        assert isinstance(estimated["estimated_wait_seconds"], (int, float))
        assert estimated["position"] == 1
    finally:
        await close_all(*consoles, *visitors)


async def assignee_becomes_any(visitor: Visitor, timeout: float = 5.0) -> dict[str, Any]:
    return await frame_where(
        visitor, "conversation.updated", lambda f: f["conversation"]["assignee_id"], timeout
    )


async def test_away_agents_get_nothing_and_keep_their_chats_offline_ones_lose_them(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "Away shop")
    first = account(server, admin, "agent", site, max_chats=3)
    second = account(server, admin, "agent", site, max_chats=3)
    console = await Agent.connect(server.ws_base, first["token"])
    visitor, conversation_id = await open_chat(server, site, "iade etmek istiyorum")
    colleague = await Agent.connect(server.ws_base, second["token"])
    try:
        assert (await assignee_becomes_any(visitor))["conversation"]["assignee_id"] == first["id"]
        await console.send({"type": "status.set", "status": "away"})
        update = await frame_where(
            colleague,
            "agent.updated",
            lambda f: f["agent"]["id"] == first["id"] and f["agent"]["status"] != "online",
        )
        assert update["agent"] == {
            "id": first["id"],
            "name": first["name"],
            "status": "away",
            "open_chats": 1,
        }
        later, _ = await open_chat(server, site, "bir sorum var")
        assert (await assignee_becomes_any(later))["conversation"]["assignee_id"] == second["id"]
        await asyncio.sleep(1.5)  # past the requeue grace: away keeps its chats
        assert conversation(server, admin, conversation_id)["assignee_id"] == first["id"]

        # The choice survives a reconnect.
        await console.close()
        console = await Agent.connect(server.ws_base, first["token"])
        await frame_where(
            colleague,
            "agent.updated",
            lambda f: f["agent"]["id"] == first["id"] and f["agent"]["status"] == "away",
        )

        # Gone for good: its waiting chat returns to the queue and routing gives it away.
        await console.close()
        await frame_where(
            colleague,
            "agent.updated",
            lambda f: f["agent"]["id"] == first["id"] and f["agent"]["status"] == "offline",
        )
        await assignee_becomes(visitor, None, timeout=4.0)
        await assignee_becomes(visitor, second["id"], timeout=3.0)
        await later.close()
    finally:
        await close_all(console, colleague, visitor)


async def test_only_online_agents_count_for_shoppers(tmp_path: Path) -> None:
    own = make_server(tmp_path / "own", **ROUTING_TIMINGS)
    own.start()
    try:
        boss = cli_admin(own)
        site = shop(own, boss, "Counting shop")
        agent = account(own, boss, "agent", site)
        console = await Agent.connect(own.ws_base, agent["token"])
        visitor = await Visitor.connect(own.ws_base, site["key"])
        assert visitor.welcome["agents_online"] == 1
        await console.send({"type": "status.set", "status": "away"})
        await visitor.expect("agents.updated", agents_online=0)
        await console.send({"type": "status.set", "status": "online"})
        await visitor.expect("agents.updated", agents_online=1)
        await close_all(console, visitor)
    finally:
        own.kill()


async def test_with_routing_off_nobody_is_assigned_until_a_claim(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "Manual shop", routing=False)
    first = account(server, admin, "agent", site)
    second = account(server, admin, "agent", site)
    consoles = [await Agent.connect(server.ws_base, a["token"]) for a in (first, second)]
    visitor, conversation_id = await open_chat(server, site, "kimse var mı?")
    try:
        await asyncio.sleep(1.0)
        assert conversation(server, admin, conversation_id)["assignee_id"] is None
        assert not [f for f in await visitor.drain(0.2) if f["type"] == "queue.updated"]

        await consoles[0].send(
            {
                "type": "conversation.assign",
                "conversation_id": conversation_id,
                "agent_id": first["id"],
            }
        )
        await assignee_becomes(visitor, first["id"])
        # An agent assigns only itself; taking a colleague's chat is a transfer.
        await consoles[1].send(
            {
                "type": "conversation.assign",
                "conversation_id": conversation_id,
                "agent_id": first["id"],
            }
        )
        assert (await consoles[1].expect("error"))["code"] == "forbidden"
        await consoles[1].send(
            {
                "type": "conversation.assign",
                "conversation_id": conversation_id,
                "agent_id": second["id"],
            }
        )
        await assignee_becomes(visitor, second["id"])
        # Managers and admins assign anyone of the site.
        manager = account(server, admin, "manager", site)
        boss = await Agent.connect(server.ws_base, manager["token"])
        await boss.send(
            {
                "type": "conversation.assign",
                "conversation_id": conversation_id,
                "agent_id": first["id"],
            }
        )
        await assignee_becomes(visitor, first["id"])
        await boss.close()
    finally:
        await close_all(*consoles, visitor)


async def test_transfer_to_a_colleague_with_a_note_the_shopper_never_sees(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "Transfer shop", routing=False)
    elsewhere = shop(server, admin, "Other shop")
    first = account(server, admin, "agent", site, elsewhere)
    second = account(server, admin, "agent", site)
    outsider = account(server, admin, "agent", shop(server, admin, "Third shop"))
    only_elsewhere = account(server, admin, "agent", elsewhere)
    consoles = [await Agent.connect(server.ws_base, a["token"]) for a in (first, second)]
    visitor, conversation_id = await open_chat(server, site, "faturamı değiştirmek istiyorum")
    try:
        await consoles[0].send(
            {
                "type": "conversation.assign",
                "conversation_id": conversation_id,
                "agent_id": first["id"],
            }
        )
        await assignee_becomes(visitor, first["id"])
        note = "Kurumsal müşteri, fatura adresi değişecek"
        await consoles[0].send(
            {
                "type": "conversation.transfer",
                "conversation_id": conversation_id,
                "agent_id": second["id"],
                "note": note,
            }
        )
        created = await frame_where(
            consoles[1], "message.created", lambda f: f["message"]["text"] == note
        )
        assert created["message"]["internal"] is True
        assert created["message"]["author"]["id"] == first["id"]
        updated = await frame_where(
            consoles[1],
            "conversation.updated",
            lambda f: f["conversation"]["assignee_id"] == second["id"],
        )
        assert updated["conversation"]["id"] == conversation_id
        await assignee_becomes(visitor, second["id"])
        seen = await visitor.drain(0.5)
        assert all(note not in json.dumps(frame, ensure_ascii=False) for frame in seen)

        async def refused(frame: dict[str, Any]) -> str:
            await consoles[0].send(frame)
            return str((await consoles[0].expect("error"))["code"])

        base = {"type": "conversation.transfer", "conversation_id": conversation_id}
        assert await refused({**base, "agent_id": "no-such-agent"}) == "not_found"
        assert await refused({**base, "agent_id": outsider["id"]}) == "not_found"
        assert await refused({**base, "agent_id": only_elsewhere["id"]}) == "agent_not_of_site"
        assert await refused({**base, "team_id": "no-such-team"}) == "not_found"
        assert await refused({**base}) == "invalid_frame"
        assert conversation(server, admin, conversation_id)["assignee_id"] == second["id"]
    finally:
        await close_all(*consoles, visitor)


async def test_transfer_to_a_team_routes_to_an_online_member(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "Team shop")
    first = account(server, admin, "agent", site)
    member = account(server, admin, "agent", site)
    status, team = server.api(
        "POST",
        "/api/v1/teams",
        admin["token"],
        {"name": "İadeler", "site_ids": [site["id"]], "agent_ids": [member["id"]]},
    )
    assert status in (200, 201), team
    console = await Agent.connect(server.ws_base, first["token"])
    visitor, conversation_id = await open_chat(server, site, "iade kodu alamadım")
    member_console = None
    try:
        assert (await assignee_becomes_any(visitor))["conversation"]["assignee_id"] == first["id"]
        await console.say(conversation_id, "Merhaba, iade ekibine aktarıyorum.")
        member_console = await Agent.connect(server.ws_base, member["token"])
        await console.send(
            {
                "type": "conversation.transfer",
                "conversation_id": conversation_id,
                "team_id": team["id"],
                "note": "İade kodu sorunu",
            }
        )
        await assignee_becomes(visitor, member["id"], timeout=4.0)
        detail = conversation(server, admin, conversation_id)
        assert detail["team_id"] == team["id"] and detail["assignee_id"] == member["id"]
    finally:
        await close_all(console, visitor, *([member_console] if member_console else []))


async def test_tags_are_set_listed_and_filtered_with_assignee(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "Tag shop", routing=False)
    agent = account(server, admin, "agent", site)
    console = await Agent.connect(server.ws_base, agent["token"])
    tagged_visitor, tagged = await open_chat(server, site, "kargo gecikti")
    plain_visitor, plain = await open_chat(server, site, "merhaba")
    try:
        status, body = server.api(
            "PUT",
            f"/api/v1/conversations/{tagged}/tags",
            agent["token"],
            {"tags": ["  KARGO ", "İade", "kargo", "acil  durum"]},
        )
        assert status == 200, body
        assert body["id"] == tagged and body["tags"] == ["acil durum", "iade", "kargo"]
        updated = await frame_where(
            console, "conversation.updated", lambda f: f["conversation"]["id"] == tagged
        )
        assert updated["conversation"]["tags"] == ["acil durum", "iade", "kargo"]

        _, listed = server.api("GET", "/api/v1/conversations?tag=kargo", agent["token"])
        assert [c["id"] for c in listed["conversations"]] == [tagged]
        _, listed = server.api("GET", "/api/v1/conversations?tag=%C4%B0ADE", agent["token"])
        assert [c["id"] for c in listed["conversations"]] == [tagged]
        _, everything = server.api("GET", "/api/v1/conversations", agent["token"])
        by_id = {c["id"]: c for c in everything["conversations"]}
        assert by_id[plain]["tags"] == [] and by_id[tagged]["tags"] == [
            "acil durum",
            "iade",
            "kargo",
        ]
        assert "team_id" in by_id[plain]

        await console.send(
            {"type": "conversation.assign", "conversation_id": tagged, "agent_id": agent["id"]}
        )
        await assignee_becomes(tagged_visitor, agent["id"])
        mine = server.api("GET", "/api/v1/conversations?assignee=me", agent["token"])[1]
        nobody = server.api("GET", "/api/v1/conversations?assignee=none", agent["token"])[1]
        anyone = server.api("GET", "/api/v1/conversations?assignee=any", agent["token"])[1]
        assert [c["id"] for c in mine["conversations"]] == [tagged]
        assert [c["id"] for c in nobody["conversations"]] == [plain]
        assert {c["id"] for c in anyone["conversations"]} == {tagged, plain}
        status, refused = server.api("GET", "/api/v1/conversations?assignee=him", agent["token"])
        assert status == 400 and refused["error"]["code"] == "invalid_parameter"

        for bad in ({"tags": "kargo"}, {"tags": [""]}, {"tags": ["x" * 51]}, {"tags": [1]}, {}):
            status, refused = server.api(
                "PUT", f"/api/v1/conversations/{plain}/tags", agent["token"], bad
            )
            assert status == 422 and refused["error"]["code"] == "invalid_tags", (bad, refused)
        status, refused = server.api(
            "PUT",
            f"/api/v1/conversations/{plain}/tags",
            agent["token"],
            {"tags": [f"t{n}" for n in range(21)]},
        )
        assert status == 422
        assert conversation(server, agent, plain)["tags"] == []
        outsider = account(server, admin, "agent", shop(server, admin, "Not yours"))
        status, refused = server.api(
            "PUT", f"/api/v1/conversations/{tagged}/tags", outsider["token"], {"tags": ["x"]}
        )
        assert status == 404 and refused["error"]["code"] == "not_found"
    finally:
        await close_all(console, tagged_visitor, plain_visitor)


@pytest.mark.backends
@pytest.mark.skipif(
    not (os.environ.get("CHAT_TEST_REDIS_URL") and os.environ.get("CHAT_TEST_DATABASE_URL")),
    reason="needs CHAT_TEST_REDIS_URL and CHAT_TEST_DATABASE_URL (PostgreSQL + Redis); runs "
    "in make test's PostgreSQL + Redis pass, where a skip counts as a failure",
)
async def test_two_processes_assign_every_conversation_once_and_overfill_nobody(
    tmp_path: Path,
) -> None:
    env = {**ROUTING_TIMINGS, "CHAT_SECRET_KEY": secrets.token_urlsafe(32)}
    first = await asyncio.to_thread(make_server, tmp_path / "a", **env)
    second = await asyncio.to_thread(
        make_server, tmp_path / "b", **env, CHAT_DATABASE_URL=first.env["CHAT_DATABASE_URL"]
    )
    await asyncio.to_thread(first.start)
    await asyncio.to_thread(second.start)
    consoles: list[Agent] = []
    visitors: list[Visitor] = []
    try:
        boss = cli_admin(first)
        site = shop(first, boss, "Busy shop")
        capacities = [3, 3, 4, 4]
        agents = [account(first, boss, "agent", site, max_chats=n) for n in capacities]
        for n, agent in enumerate(agents):
            consoles.append(await Agent.connect((first, second)[n % 2].ws_base, agent["token"]))

        async def shopper(n: int) -> tuple[Visitor, str]:
            server = (first, second)[n % 2]
            visitor = await Visitor.connect(server.ws_base, site["key"])
            ack = await visitor.say(f"soru {n} {uuid.uuid4().hex[:6]}")
            return visitor, ack["message"]["conversation_id"]

        opened = await asyncio.gather(*(shopper(n) for n in range(20)))
        visitors.extend(visitor for visitor, _ in opened)
        capacity = sum(capacities)

        async def settled() -> list[dict[str, Any]]:
            _, listed = first.api("GET", "/api/v1/conversations?status=open", boss["token"])
            items = [c for c in listed["conversations"] if c["site_id"] == site["id"]]
            if sum(1 for c in items if c["assignee_id"]) < capacity:
                return []
            return items

        deadline = time.monotonic() + 10
        items: list[dict[str, Any]] = []
        while not items and time.monotonic() < deadline:
            items = await settled()
            await asyncio.sleep(0.2)
        assert len(items) == 20
        await asyncio.sleep(1.0)  # any double assignment would show by now
        _, listed = second.api("GET", "/api/v1/conversations?status=open", boss["token"])
        items = [c for c in listed["conversations"] if c["site_id"] == site["id"]]
        loads: dict[str, int] = {}
        for item in items:
            if item["assignee_id"]:
                loads[item["assignee_id"]] = loads.get(item["assignee_id"], 0) + 1
        assert loads == {agent["id"]: n for agent, n in zip(agents, capacities, strict=True)}
        # Each conversation was assigned once: its shopper heard of one assignee, never two.
        for visitor, conversation_id in opened:
            frames = [f for f in await visitor.drain(0.2)] + visitor.frames
            assignees = {
                f["conversation"]["assignee_id"]
                for f in frames
                if f.get("type") == "conversation.updated"
                and f["conversation"]["id"] == conversation_id
                and f["conversation"]["assignee_id"]
            }
            assert len(assignees) <= 1, (conversation_id, assignees)
    finally:
        await close_all(*consoles, *visitors)
        first.kill()
        second.kill()
