"""Several `chat-server run` processes sharing real PostgreSQL and Redis behave as one.

Each test starts real server processes with the same CHAT_DATABASE_URL and
CHAT_SECRET_KEY (what several hosts behind a load balancer share) and talks to
them with real WebSocket clients. The outage tests start their own Redis or
PostgreSQL, on a free port, so that stopping it touches nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import websockets
from clients import Agent, Visitor
from conftest import Server, free_port, make_server

pytestmark = [
    pytest.mark.backends,
    pytest.mark.skipif(
        not (os.environ.get("CHAT_TEST_REDIS_URL") and os.environ.get("CHAT_TEST_DATABASE_URL")),
        reason="needs CHAT_TEST_REDIS_URL and CHAT_TEST_DATABASE_URL (PostgreSQL + Redis); "
        "run through .ci/with-services.sh, as `make test` does",
    ),
]


# -- private services ------------------------------------------------------------


def _wait_for_port(port: int, up: bool, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            is_up = probe.connect_ex(("127.0.0.1", port)) == 0
        if is_up == up:
            return
        time.sleep(0.05)
    raise AssertionError(f"port {port} did not go {'up' if up else 'down'} within {timeout}s")


class PrivateRedis:
    """A redis-server of our own on a free port, to stop and start at will."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.port = free_port()
        self.pid: int | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        pidfile = self.folder / "redis.pid"
        subprocess.run(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "yes", "--pidfile", str(pidfile),
             "--logfile", str(self.folder / "redis.log"), "--dir", str(self.folder)],
            check=True,
        )  # fmt: skip
        _wait_for_port(self.port, up=True)
        deadline = time.monotonic() + 5
        while not pidfile.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.pid = int(pidfile.read_text())

    def stop(self) -> None:
        if self.pid is None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.pid = None
        _wait_for_port(self.port, up=False)


def postgres_bin() -> str:
    found = os.environ.get("CHAT_PG_BIN") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)), None
    )
    if not found or not Path(found, "initdb").exists():
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    if os.geteuid() != 0 or shutil.which("runuser") is None:
        pytest.skip("starting a private PostgreSQL needs root (runuser -u postgres)")
    return found


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb/pg_ctl as the postgres user) on a free port."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.root = Path(tempfile.mkdtemp(prefix="chat-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.data.mkdir()
        self.sockets.mkdir()
        for path in (self.root, self.data, self.sockets):
            shutil.chown(path, "postgres")
        self.root.chmod(0o755)
        self.port = free_port()
        self._pg("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _pg(self, tool: str, *args: str) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", f"{self.bin}/{tool}", *args],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.sockets} -c fsync=off"
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.root / "pg.log"), "-w",
                 "-o", options, "start")  # fmt: skip
        _wait_for_port(self.port, up=True)

    def stop(self, mode: str = "fast") -> None:
        self._pg("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def destroy(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)


# -- two processes, one installation ------------------------------------------------


def start_pair(tmp: Path, **env: str) -> tuple[Server, Server]:
    """Two server processes sharing the database, the Redis and the secret key.

    Call it from a thread in async tests: make_server runs an event loop of its own.
    """
    env.setdefault("CHAT_SECRET_KEY", secrets.token_urlsafe(32))
    first = make_server(tmp / "a", **env)
    env.setdefault("CHAT_DATABASE_URL", first.env["CHAT_DATABASE_URL"])
    second = make_server(tmp / "b", **env)
    assert first.env["CHAT_DATABASE_URL"] == second.env["CHAT_DATABASE_URL"]
    first.start()
    second.start()
    return first, second


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    first, second = start_pair(tmp_path)
    yield first, second
    first.kill()
    second.kill()


async def eventually(check: Callable[[], Any], timeout: float = 10.0, every: float = 0.1) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s: {check}")
        await asyncio.sleep(every)


def health(server: Server) -> int:
    status, _ = server.api("GET", "/healthz")
    return status


async def closed_by_server(client: Any, timeout: float = 15.0) -> None:
    """Read until the server closes the socket (frames before that are kept in client.frames)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            await client.recv(max(0.1, deadline - time.monotonic()))
        except websockets.ConnectionClosed:
            return
        except TimeoutError:
            break
    raise AssertionError("the server did not close the socket")


def messages_of(server: Server, token: str, conversation_id: str) -> list[dict[str, Any]]:
    status, detail = server.api("GET", f"/api/v1/conversations/{conversation_id}", token)
    assert status == 200, detail
    return list(detail["messages"])


async def say_until_acked(client: Visitor, client_id: str) -> dict[str, Any]:
    """Send (the text is the client_id) until acked, waiting out the rate limit like a widget."""
    while True:
        await client.send({"type": "message.send", "client_id": client_id, "text": client_id})
        while True:
            frame = await client.recv()
            if frame["type"] == "ack" and frame["client_id"] == client_id:
                return frame
            if frame["type"] == "error" and frame["ref"] == client_id:
                assert frame["code"] == "rate_limited", frame
                await asyncio.sleep(0.25)
                break


def seqs_seen(frames: list[dict[str, Any]]) -> list[int]:
    return [f["message"]["seq"] for f in frames if f.get("type") == "message.created"]


# -- the tests -------------------------------------------------------------------


async def test_a_shopper_on_one_process_and_an_agent_on_the_other_talk_both_ways(
    pair: tuple[Server, Server],
) -> None:
    first, second = pair
    site = first.create_site("Two process shop")
    agent = second.create_agent("agent", "Zeynep")
    console = await Agent.connect(second.ws_base, agent["token"])
    shopper = await Visitor.connect(first.ws_base, site["key"])

    ack = await shopper.say("Is the blue one in stock?")
    conversation_id = ack["message"]["conversation_id"]
    seen = await console.expect("message.created")
    assert seen["message"]["id"] == ack["message"]["id"]

    reply = await console.say(conversation_id, "Yes, two left")
    assert reply["message"]["seq"] == 2
    frames = [await shopper.expect("message.created"), await shopper.expect("message.created")]
    assert seqs_seen(frames) == [1, 2]
    assert frames[1]["message"]["text"] == "Yes, two left"

    for i in range(10):  # and it keeps flowing, in order, both ways
        await shopper.say(f"question {i}")
        await console.say(conversation_id, f"answer {i}")
        await asyncio.sleep(0.2)  # a shopper's pace: 5 messages a second is the rate limit
    await shopper.drain(0.5)  # (every frame received is kept in .frames)
    assert seqs_seen(shopper.frames) == list(range(1, 23))
    await console.drain(0.3)
    assert seqs_seen(console.frames) == list(range(1, 23))
    await shopper.close()
    await console.close()


async def test_the_online_list_is_the_same_from_both_processes(pair: tuple[Server, Server]) -> None:
    first, second = pair
    site = first.create_site("Online list shop")
    agent = first.create_agent()
    here = [await Visitor.connect(first.ws_base, site["key"]) for _ in range(3)]
    there = [await Visitor.connect(second.ws_base, site["key"]) for _ in range(2)]
    expected = {v.id for v in here + there}

    def online(server: Server) -> set[str]:
        status, body = server.api("GET", "/api/v1/visitors?online=true", agent["token"])
        assert status == 200
        return {v["id"] for v in body["visitors"]} & (expected | {"-"})

    assert online(first) == online(second) == expected

    await there[0].close()
    await here[0].close()
    gone = {there[0].id, here[0].id}
    await eventually(lambda: online(first) == online(second) == expected - gone, 5)

    # A second tab on the other process: still online when the first tab closes.
    tab = await Visitor.connect(first.ws_base, site["key"], token=there[1].token)
    assert tab.id == there[1].id
    await there[1].close()
    await asyncio.sleep(0.5)
    assert there[1].id in online(first) and there[1].id in online(second)
    await tab.close()
    for visitor in here[1:]:
        await visitor.close()


async def test_an_sla_breach_is_announced_once_on_each_agent_socket(
    pair: tuple[Server, Server],
) -> None:
    first, second = pair
    site = first.create_site("SLA shop")
    admin = first.create_agent("admin")
    status, _ = first.api(
        "PUT", "/api/v1/sla", admin["token"],
        {"first_response_seconds": 1, "next_response_seconds": 1},
    )  # fmt: skip
    assert status == 200
    await asyncio.sleep(2.5)  # each process caches the policy for up to 2 s
    agent = second.create_agent()
    agents = [  # sockets on both processes, one account on both
        await Agent.connect(first.ws_base, admin["token"]),
        await Agent.connect(first.ws_base, agent["token"]),
        await Agent.connect(second.ws_base, agent["token"]),
    ]
    shoppers = [
        await Visitor.connect(first.ws_base, site["key"]),
        await Visitor.connect(second.ws_base, site["key"]),
    ]
    conversations = [(await s.say("anyone there?"))["message"]["conversation_id"] for s in shoppers]

    await asyncio.sleep(3.5)  # well past the 1 s target, with both processes' jobs running
    for console in agents:
        await console.drain(0.5)
        for conversation_id in conversations:
            breaches = [
                f for f in console.frames
                if f["type"] == "sla.breached" and f["conversation_id"] == conversation_id
            ]  # fmt: skip
            assert len(breaches) == 1, breaches
            assert breaches[0]["kind"] == "first_response"
            assert breaches[0]["waited_seconds"] >= 1.0
    for client in agents + shoppers:
        await client.close()


async def test_after_kill_9_the_shopper_resumes_on_the_other_process_with_nothing_lost_or_repeated(
    pair: tuple[Server, Server],
) -> None:
    first, second = pair
    site = first.create_site("Crash shop")
    agent = second.create_agent()
    console = await Agent.connect(second.ws_base, agent["token"])
    shopper = await Visitor.connect(first.ws_base, site["key"])
    conversation_id = (await shopper.say("hello", client_id="c-0"))["message"]["conversation_id"]
    await console.say(conversation_id, "hi, how can I help?")

    # A burst in flight when the process dies: some acks arrive, some do not.
    client_ids = [f"c-{i}" for i in range(1, 21)]
    for client_id in client_ids:
        await shopper.send({"type": "message.send", "client_id": client_id, "text": client_id})
    await shopper.expect("ack", client_id="c-3")
    first.kill()
    with contextlib.suppress(websockets.ConnectionClosed):
        await shopper.drain(0.5)
    frames = shopper.frames
    acked = {f["client_id"]: f["message"] for f in frames if f["type"] == "ack"}
    await console.say(conversation_id, "are you still there?")  # while the shopper is away

    # The shopper reconnects (to the other process), resumes, and retries what was not acked.
    last_seq = max(seqs_seen(frames))
    back = await Visitor.connect(
        second.ws_base, site["key"], token=shopper.token, last_seq=last_seq
    )
    assert back.id == shopper.id
    for client_id in client_ids:
        ack = await say_until_acked(back, client_id)
        if client_id in acked:
            assert ack["message"]["id"] == acked[client_id]["id"]  # the same message, not a copy
    await back.drain(0.5)
    resumed = seqs_seen(back.frames)
    assert len(resumed) == len(set(resumed))
    assert sorted(set(seqs_seen(frames)) | set(resumed)) == list(range(1, 24))
    assert not set(seqs_seen(frames)) & set(resumed)

    stored = messages_of(second, agent["token"], conversation_id)
    assert [m["seq"] for m in stored] == list(range(1, 24))
    texts = [m["text"] for m in stored if m["author"]["kind"] == "visitor"]
    assert sorted(texts) == sorted(["hello", *client_ids])  # each once
    await back.close()
    await console.close()


async def test_while_redis_is_stopped_and_restarted_nothing_acknowledged_is_lost(
    tmp_path: Path,
) -> None:
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    try:
        first, second = await asyncio.to_thread(start_pair, tmp_path, CHAT_REDIS_URL=redis.url)
        try:
            await _redis_outage(redis, first, second)
        finally:
            first.kill()
            second.kill()
    finally:
        redis.stop()


async def _redis_outage(redis: PrivateRedis, first: Server, second: Server) -> None:
    site = first.create_site("Redis outage shop")
    agent = second.create_agent()
    local_agent = first.create_agent()
    console = await Agent.connect(second.ws_base, agent["token"])
    local_console = await Agent.connect(first.ws_base, local_agent["token"])
    shopper = await Visitor.connect(first.ws_base, site["key"])
    conversation_id = (await shopper.say("before"))["message"]["conversation_id"]
    await console.expect("message.created")

    redis.stop()
    await eventually(lambda: health(first) == 503 and health(second) == 503, 5)

    # Redis is away: every send is still stored and acknowledged, and each process keeps
    # serving its own sockets (the agent on the shopper's process sees the messages live).
    acked = [await shopper.say(f"during {i}") for i in range(5)]
    reply = await console.say(conversation_id, "reply during the outage")
    newcomer = await Visitor.connect(second.ws_base, site["key"])  # new sockets are served too
    assert (await newcomer.say("I arrived during the outage"))["message"]["seq"] == 1
    await local_console.drain(0.5)
    live = [f["message"]["id"] for f in local_console.frames if f["type"] == "message.created"]
    assert [a["message"]["id"] for a in acked] == live[1:]

    started = time.monotonic()
    redis.start()
    await eventually(lambda: health(first) == 200 and health(second) == 200, 15)
    recovered_in = time.monotonic() - started
    assert recovered_in < 8.0

    # Each process asks its sockets to resume from the database; they reconnect.
    for client in (shopper, console, local_console, newcomer):
        await closed_by_server(client)
    last_seq = max(seqs_seen(shopper.frames), default=0)
    shopper_back = await Visitor.connect(
        first.ws_base, site["key"], token=shopper.token, last_seq=last_seq
    )
    await shopper_back.drain(0.5)
    caught_up = seqs_seen(shopper.frames) + seqs_seen(shopper_back.frames)
    assert sorted(caught_up) == list(range(1, 8))
    assert len(caught_up) == len(set(caught_up))  # nothing twice
    assert reply["message"]["seq"] in seqs_seen(shopper.frames + shopper_back.frames)

    console_back = await Agent.connect(second.ws_base, agent["token"])
    (mine,) = [c for c in console_back.welcome["conversations"] if c["id"] == conversation_id]
    assert mine["last_seq"] == 7
    stored = messages_of(second, agent["token"], conversation_id)
    assert [m["seq"] for m in stored] == list(range(1, 8))
    assert {a["message"]["id"] for a in acked} <= {m["id"] for m in stored}

    # Live again across processes, both ways.
    after = await shopper_back.say("after")
    seen = await console_back.expect("message.created")
    assert seen["message"]["id"] == after["message"]["id"]
    welcome = await console_back.say(conversation_id, "welcome back")
    seen = await shopper_back.expect("message.created")
    assert seen["message"]["id"] == after["message"]["id"]  # its own message comes back too
    seen = await shopper_back.expect("message.created")
    assert seen["message"]["id"] == welcome["message"]["id"]
    await shopper_back.close()
    await console_back.close()


async def test_while_postgresql_is_stopped_sends_fail_and_nothing_unstored_is_acknowledged(
    tmp_path: Path,
) -> None:
    postgres = PrivatePostgres()
    try:
        postgres.start()
        first, second = await asyncio.to_thread(
            start_pair, tmp_path, CHAT_DATABASE_URL=postgres.url
        )
        try:
            await _postgres_outage(postgres, first, second)
        finally:
            first.kill()
            second.kill()
    finally:
        postgres.destroy()


async def _postgres_outage(postgres: PrivatePostgres, first: Server, second: Server) -> None:
    site = first.create_site("Database outage shop")
    agent = second.create_agent()
    console = await Agent.connect(second.ws_base, agent["token"])
    shopper = await Visitor.connect(first.ws_base, site["key"])
    conversation_id = (await shopper.say("before"))["message"]["conversation_id"]
    await console.expect("message.created")

    postgres.stop("fast")
    outcomes: dict[str, dict[str, Any]] = {}
    for i in range(5):
        client_id = f"down-{i}"
        started = time.monotonic()
        await shopper.send({"type": "message.send", "client_id": client_id, "text": client_id})
        while True:
            frame = await shopper.recv(timeout=10)
            if frame["type"] in ("ack", "error") and (
                frame.get("client_id") == client_id or frame.get("ref") == client_id
            ):
                break
        assert time.monotonic() - started < 6.0, "a send must fail within seconds"
        outcomes[client_id] = frame
    assert all(f["type"] == "error" and f["code"] == "unavailable" for f in outcomes.values())
    agent_id = uuid.uuid4().hex
    await console.send(
        {"type": "message.send", "conversation_id": conversation_id, "client_id": agent_id,
         "text": "agent during the outage"}
    )  # fmt: skip
    error = await console.expect("error", timeout=10)
    assert error["code"] == "unavailable" and error["ref"] == agent_id
    assert health(first) == 503

    postgres.start()
    await eventually(lambda: health(first) == 200 and health(second) == 200, 15)
    # The client retries what failed; each message is stored once.
    for client_id in outcomes:
        ack = await say_until_acked(shopper, client_id)
        assert ack["message"]["text"] == client_id
    await console.say(conversation_id, "agent after", client_id=agent_id)

    stored = messages_of(first, agent["token"], conversation_id)
    assert [m["text"] for m in stored] == ["before", *outcomes, "agent after"]
    assert [m["seq"] for m in stored] == list(range(1, 8))
    await shopper.close()
    await console.close()


async def test_concurrent_posts_from_two_processes_never_share_a_seq(
    pair: tuple[Server, Server],
) -> None:
    first, second = pair
    site = first.create_site("Busy conversation shop")
    agents = [first.create_agent(), second.create_agent()]
    shopper = await Visitor.connect(first.ws_base, site["key"])
    conversation_id = (await shopper.say("start"))["message"]["conversation_id"]
    consoles = [
        await Agent.connect(first.ws_base, agents[0]["token"]),
        await Agent.connect(second.ws_base, agents[1]["token"]),
    ]

    async def burst(client: Agent | Visitor, ids: list[str]) -> list[int]:
        for client_id in ids:
            frame: dict[str, Any] = {
                "type": "message.send",
                "client_id": client_id,
                "text": client_id,
            }
            if isinstance(client, Agent):
                frame["conversation_id"] = conversation_id
            await client.send(frame)
        answers: dict[str, dict[str, Any]] = {}
        while len(answers) < len(ids):
            frame = await client.recv(timeout=10)
            key = frame.get("client_id") if frame["type"] == "ack" else frame.get("ref")
            if frame["type"] in ("ack", "error") and key in ids:
                answers[key] = frame
        errors = [f for f in answers.values() if f["type"] == "error"]
        assert not errors, errors  # e.g. a deadlock between row locks, refused as unavailable
        return [answers[client_id]["message"]["seq"] for client_id in ids]

    seqs = await asyncio.gather(
        burst(consoles[0], [f"a-{i}" for i in range(40)]),
        burst(consoles[1], [f"b-{i}" for i in range(40)]),
        burst(shopper, [f"v-{i}" for i in range(9)]),  # within the burst allowance
    )
    everything = seqs[0] + seqs[1] + seqs[2]
    assert sorted(everything) == list(range(2, 91))
    stored = messages_of(second, agents[1]["token"], conversation_id)
    assert [m["seq"] for m in stored] == list(range(1, 91))
    for client in (shopper, *consoles):
        await client.close()


def test_processes_starting_together_on_a_fresh_database_migrate_it_once(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: server.cli("migrate", check=False), range(4)))
    assert [r.returncode for r in results] == [0, 0, 0, 0], [r.stderr for r in results]


def worker_pids(parent: int) -> list[int]:
    children = []
    for stat in glob.glob("/proc/[0-9]*/stat"):
        try:
            fields = Path(stat).read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(Path(stat).parent.name))
    return children


async def test_run_with_workers_serves_one_port_from_several_processes(tmp_path: Path) -> None:
    server = await asyncio.to_thread(make_server, tmp_path)  # (it runs its own event loop)
    server.start("--workers", "3")
    try:
        assert server.process is not None
        await eventually(lambda: len(worker_pids(server.process.pid)) >= 3, 15)
        site = server.create_site("Workers shop")
        agent = server.create_agent()
        console = await Agent.connect(server.ws_base, agent["token"])
        shoppers = [await Visitor.connect(server.ws_base, site["key"]) for _ in range(12)]
        acks = [await s.say(f"from shopper {i}") for i, s in enumerate(shoppers)]
        expected = {a["message"]["id"] for a in acks}
        seen: list[str] = []
        while len(seen) < len(expected):
            frame = await console.expect("message.created", timeout=5)
            seen.append(frame["message"]["id"])
        assert set(seen) == expected and len(seen) == len(expected)
        status, body = server.api("GET", "/api/v1/visitors?online=true", agent["token"])
        assert status == 200
        assert {s.id for s in shoppers} <= {v["id"] for v in body["visitors"]}
        for shopper in shoppers:
            await shopper.close()
        await console.close()
    finally:
        server.stop()
