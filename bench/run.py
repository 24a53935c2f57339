"""Run the benchmarks and write ``docs/benchmarks.md``.

    python -m bench.run [--quick] [--scenarios idle,chat,tracking,storm,scaled,stats]
                        [--backends sqlite,postgres] [--profile DIR] [--no-report]

``make bench`` runs it under ``.ci/with-services.sh``, which provides a throwaway
PostgreSQL (``CHAT_PG_URL``) and Redis (``CHAT_REDIS_TEST_URL``). Without them the
PostgreSQL, scaled-out and stats scenarios are reported as not run.

Every phase measures the bare relay (:mod:`bench.relay`) and the chat server in the
same run, on the same machine, with the same load generator (:mod:`bench.loadgen`,
two processes: one for the idle sockets, one for the measured traffic). Servers are
real ``chat-server run`` processes on probed free loopback ports; each gets a fresh
data directory and, on PostgreSQL, a fresh database. Everything started here is
stopped in ``finally`` blocks, by process id.

Raw results go to ``bench/results/<timestamp>.json`` (git-ignored) and
``bench/results/latest.json``; :mod:`bench.report` turns them into the page.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import profiles
from bench.figures import phase_ends
from tests.support import servers
from tests.support.servers import chat_server_command, free_port

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GEOIP = ROOT / "tests" / "data" / "GeoIP2-City-Test.mmdb"
PASSWORD = "bench-password-2026"
SCENARIOS = ("idle", "chat", "tracking", "storm", "scaled", "stats", "console", "assistant")


@dataclass(frozen=True)
class Sizes:
    idle_steps: tuple[int, ...]
    idle_peak: int  # memory at this many idle sockets, then back to idle_steps[-1] (SQLite, relay)
    shoppers: int
    agents: int
    chat_rates: tuple[int, ...]
    chat_seconds: float
    track_rates: tuple[int, ...]
    track_seconds: float
    drain_seconds: float
    throughput_seconds: float
    scaled_shoppers: int
    storm: int
    console_visitors: int  # online visitors when the agent console is opened in Chromium
    waits: int
    stats_runs: int


FULL = Sizes(
    idle_steps=(1000, 2500, 5000, 10000),
    idle_peak=18000,  # this machine's open-file ceiling is 20,000 per process
    shoppers=1600,  # 4,000 msg/s over 1,600 shoppers = 2.5 msg/s each (limit: 5/s, burst 10)
    agents=2,
    chat_rates=(500, 1000, 2000, 4000),
    chat_seconds=4.0,
    track_rates=(1000, 2000, 3000, 4000),  # the last shows the headroom over the target
    track_seconds=4.0,
    drain_seconds=3.0,
    throughput_seconds=5.0,
    scaled_shoppers=600,
    storm=5000,
    console_visitors=5000,
    waits=1_000_000,
    stats_runs=1,
)
QUICK = Sizes(
    idle_steps=(300,),
    idle_peak=600,
    shoppers=200,
    agents=2,
    chat_rates=(200,),
    chat_seconds=1.5,
    track_rates=(200,),
    track_seconds=1.5,
    drain_seconds=1.5,
    throughput_seconds=1.5,
    scaled_shoppers=100,
    storm=300,
    console_visitors=250,
    waits=5_000,
    stats_runs=1,
)

# One step at 1,000 msg/s for ten seconds: enough samples for a py-spy profile of the
# message path (``--profile-step``), nothing else.
PROFILE_STEP = dataclasses.replace(
    QUICK, idle_steps=(250,), idle_peak=0, shoppers=800, chat_rates=(1000,), chat_seconds=10.0
)


def log(message: str) -> None:
    stamp = time.strftime("%H:%M:%S")
    print(f"[bench {stamp}] {message}", file=sys.stderr, flush=True)


def rss_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


def wait_quiet(
    pids: list[int], share: float = 0.05, window: float = 0.5, limit: float = 20
) -> float:
    """Wait (bounded) until the processes use less than ``share`` of a core."""
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = sum(cpu_seconds(p) for p in pids)
        time.sleep(window)
        if (sum(cpu_seconds(p) for p in pids) - before) / window < share:
            break
    return round(time.monotonic() - started, 2)


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        raw, status = error.read(), error.code
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def kill_pid(process: subprocess.Popen[Any] | None, grace: float = 5.0) -> None:
    """SIGTERM, ``grace`` s, then SIGKILL: how every process started here is stopped."""
    servers.stop(process, grace, kill_wait=10)


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


# -- servers -------------------------------------------------------------


def redis_flush(url: str) -> None:
    """An earlier phase's presence and rate-limit keys must not leak into this one."""
    import redis

    client = redis.Redis.from_url(url)
    try:
        client.flushdb()
    finally:
        client.close()


def postmaster_pid() -> int | None:
    """The PostgreSQL server that .ci/with-services.sh started (its backends are ours)."""
    data = os.environ.get("CHAT_PG_DATA")
    if not data:
        return None
    with contextlib.suppress(OSError, ValueError):
        return int(Path(data, "postmaster.pid").read_text().split()[0])
    return None


def _pg_admin(server_url: str, statement: str) -> None:
    """One statement on the PostgreSQL server of ``server_url`` (outside a transaction)."""
    import asyncpg  # type: ignore[import-untyped]

    plain = server_url.replace("postgresql+asyncpg://", "postgresql://")

    async def run() -> None:
        connection = await asyncpg.connect(plain)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def pg_create_database(server_url: str) -> str:
    """A fresh database on the PostgreSQL server of ``server_url``; returns its asyncpg URL."""
    name = f"bench_{secrets.token_hex(5)}"
    _pg_admin(server_url, f'CREATE DATABASE "{name}"')
    prefix = server_url.rpartition("/")[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{prefix}/{name}"


def pg_drop_database(server_url: str, database_url: str) -> None:
    """Drop a database :func:`pg_create_database` made, so that PostgreSQL's autovacuum
    of its rows does not load the machine during the steps that follow."""
    name = database_url.rpartition("/")[2]
    _pg_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class ChatServer:
    workdir: Path
    database_url: str
    redis_url: str | None = None
    name: str = "server"
    secret_key: str | None = None  # shared by the processes of one installation
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        env = base_env()
        env.update(
            CHAT_DATA_DIR=str(self.workdir),
            CHAT_DATABASE_URL=self.database_url,
            CHAT_LOG_LEVEL="warning",
            CHAT_GEOIP_DB=str(GEOIP) if GEOIP.is_file() else "",
        )
        if self.redis_url:
            env["CHAT_REDIS_URL"] = self.redis_url
        if self.secret_key:
            env["CHAT_SECRET_KEY"] = self.secret_key
        return env

    @property
    def http_base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.name}-{self.port}.log"

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def cli(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            chat_server_command(*args),
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.workdir,
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"chat-server {args[0]} {args[1]} failed: {result.stderr.strip()[-500:]}"
            )
        return result.stdout

    def start(self, timeout: float = 60) -> None:
        self.start_async()
        self.wait_started(timeout)

    def start_async(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = servers.spawn(
            self.port, self.env, self.workdir, host="127.0.0.1", log_path=self.log_path
        )

    def wait_started(self, timeout: float = 60) -> None:
        assert self.process is not None
        try:
            servers.wait_healthy(self.process, self.http_base, timeout, probe_timeout=30)
        except servers.ServerExited:
            raise RuntimeError(f"{self.name} exited at start:\n{self.log_tail()}") from None
        except servers.StartTimedOut:
            raise RuntimeError(
                f"{self.name} did not answer /healthz within {timeout}s:\n{self.log_tail()}"
            ) from None

    def stop(self) -> None:
        kill_pid(self.process)
        self.process = None

    def setup(self, agents: int) -> dict[str, Any]:
        """A site, ``agents`` agent accounts (the first an admin) with tokens; SLA relaxed.

        Only the first admin comes from the CLI (a Python start-up and a migration check,
        seconds on a loaded machine); the site and the other accounts through the admin
        API, as a shop's admin would make them.
        """
        emails = [f"bench-{i}-{secrets.token_hex(3)}@bench.local" for i in range(agents)]
        command = ["agents", "create", "--email", emails[0], "--name", "Bench Agent 0"]
        command += ["--role", "admin", "--password-stdin"]
        self.cli(*command, stdin=PASSWORD + "\n")
        tokens = [self._token(emails[0])]
        status, site = http(
            "POST", f"{self.http_base}/api/v1/sites", {"name": "Bench shop"}, tokens[0]
        )
        if status != 201:
            raise RuntimeError(f"site not created: {status} {site}")
        for i, email in enumerate(emails[1:], start=1):
            account = {"email": email, "name": f"Bench Agent {i}", "role": "agent"}
            status, body = http(
                "POST",
                f"{self.http_base}/api/v1/agents",
                {**account, "password": PASSWORD},
                tokens[0],
            )
            if status != 201:
                raise RuntimeError(f"agent not created: {status} {body}")
            tokens.append(self._token(email))
        # Shoppers write and nobody answers: with the default 30 s / 60 s targets every
        # conversation would breach mid-run and the SLA job would announce hundreds at
        # once. A day-long target keeps that (unrelated) burst out of the windows.
        status, body = http(
            "PUT",
            f"{self.http_base}/api/v1/sla",
            {"first_response_seconds": 86400, "next_response_seconds": 86400},
            tokens[0],
        )
        return {"site_key": site["key"], "tokens": tokens, "emails": emails, "sla_status": status}

    def _token(self, email: str) -> str:
        status, body = http(
            "POST", f"{self.http_base}/api/v1/auth/token", {"email": email, "password": PASSWORD}
        )
        if status != 200:
            raise RuntimeError(f"login failed: {status} {body}")
        return str(body["token"])


class Relay:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.process: subprocess.Popen[str] | None = None
        self.port = 0

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log_file = (self.workdir / "relay.log").open("ab")
        self.process = subprocess.Popen(
            [PY, "-m", "bench.relay", "--port", "0"],
            env=base_env(),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
        log_file.close()
        assert self.process.stdout is not None
        line = _readline(self.process.stdout.fileno(), 30)
        self.port = json.loads(line)["port"]

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def stop(self) -> None:
        kill_pid(self.process)
        self.process = None


def _readline(fd: int, timeout: float, buffer: bytearray | None = None) -> str:
    buffer = bytearray() if buffer is None else buffer
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while b"\n" not in buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no reply within {timeout:.0f}s")
            if not selector.select(remaining):
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise EOFError("the process closed its output")
            buffer.extend(chunk)
    line, _, rest = bytes(buffer).partition(b"\n")
    buffer[:] = rest
    return line.decode()


class LoadGen:
    """A bench.loadgen process driven over its stdin/stdout."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name = name
        log_file = (workdir / f"loadgen-{name}.log").open("ab")
        self.process = subprocess.Popen(
            [PY, "-m", "bench.loadgen", "--name", name],
            env=base_env(),
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log_file,
        )
        log_file.close()
        self._buffer = bytearray()
        self._next = 0
        assert self.process.stdout is not None
        hello = json.loads(_readline(self.process.stdout.fileno(), 30, self._buffer))
        self.pid = int(hello["pid"])

    def call(self, cmd: str, wait: float = 600, **args: Any) -> dict[str, Any]:
        """Run one command; every command bounds its own work, ``wait`` bounds the reply."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self._next += 1
        ident = self._next
        self.process.stdin.write(
            (json.dumps({"id": ident, "cmd": cmd, "args": args}) + "\n").encode()
        )
        self.process.stdin.flush()
        while True:
            reply = json.loads(_readline(self.process.stdout.fileno(), wait, self._buffer))
            if reply.get("id") == ident:
                break
        if not reply.get("ok"):
            raise RuntimeError(f"loadgen {self.name} {cmd}: {reply.get('error')}")
        return dict(reply["result"])

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            assert self.process.stdin is not None
            self.process.stdin.write(b'{"cmd": "quit"}\n')
            self.process.stdin.flush()
            self.process.wait(10)
        kill_pid(self.process, 3)


# -- scenarios -------------------------------------------------------------


@contextlib.contextmanager
def loadgens(workdir: Path) -> Iterator[tuple[LoadGen, LoadGen]]:
    idle = traffic = None
    try:
        idle = LoadGen("idle", workdir)
        traffic = LoadGen("traffic", workdir)
        yield idle, traffic
    finally:
        for generator in (traffic, idle):
            if generator is not None:
                generator.stop()


@dataclass
class Target:
    """What one phase drives: the relay or one or more chat servers, and the two load generators."""

    run: Run
    label: str
    mode: str  # "relay" or "server"
    bases: list[str]
    site_key: str
    pids: list[int]
    idle: LoadGen
    traffic: LoadGen
    shoppers: dict[str, int] = field(default_factory=dict)  # group -> open
    database: bool = False  # count PostgreSQL's backends too

    @property
    def cpu_pids(self) -> dict[str, list[int]]:
        pids = {"target": self.pids, "idle_loadgen": [self.idle.pid]}
        postmaster = postmaster_pid() if self.database else None
        if postmaster:
            pids["database+children"] = [postmaster]
        return pids

    def ensure_shoppers(
        self, total: int, group: str = "shoppers", base: str | None = None, warm: bool = True
    ) -> None:
        """Open shoppers lazily (hello is costly on a slow server); with ``warm`` each new
        one starts its conversation with a first message, so that the chat ladder measures
        ongoing chats."""
        have = self.shoppers.get(group, 0)
        if total <= have:
            return
        result = self.traffic.call(
            "visitors",
            group=group,
            base=base or self.bases[0],
            site_key=self.site_key,
            total=total,
            timeout=180,
        )
        if result["failed"]:
            log(f"  {result['failed']} shoppers failed to open: {result['failures']}")
        self.shoppers[group] = result["total_open"]
        if self.mode == "server" and warm:
            warmed = self.traffic.call("warmup", group=group, rate=400, start=have, timeout=180)
            if warmed["failures"]:
                log(f"  warm-up failures: {warmed['failures']}")
        log(
            f"  {self.shoppers[group]} shoppers open ({result['seconds']} s to connect {total - have})"
        )
        wait_quiet(self.pids, limit=10)


def idle_ramp(
    t: Target,
    steps: tuple[int, ...],
    keep: float,
    peak: int = 0,
    probe: tuple[int, Callable[[], dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """Open idle visitors in steps; RSS of the target after each step.

    The ramp stops early (and says so) when the phase has only ``keep`` seconds left
    for what comes after it: a slow hello makes 10,000 sockets take minutes. With
    ``peak``, it then goes on to ``peak`` sockets for one more RSS reading and drops
    the extra ones again, so that the ladders run with ``steps[-1]`` idle sockets.
    ``probe`` = (sockets, call): the call runs once that many sockets are open.
    """
    probed: dict[str, Any] | None = None
    wait_quiet(t.pids, limit=10)
    pid = t.pids[0]
    baseline = rss_bytes(pid) or 0
    points = [{"sockets": 0, "rss": baseline}]
    connect: list[dict[str, Any]] = []
    stopped = None
    for total in steps:
        available = t.run.time_left() - keep
        if available < 5:
            stopped = f"time budget: stopped at {points[-1]['sockets']:,} of {steps[-1]:,}"
            break
        with t.run.profiler.record(t.pids, f"{t.label}-idle-{total}"):
            result = t.idle.call(
                "visitors",
                group="idle",
                base=t.bases[0],
                site_key=t.site_key,
                total=total,
                timeout=60,
                concurrency=25,
                max_seconds=available,
                pids=t.cpu_pids,
            )
        connect.append(result)
        wait_quiet([pid], limit=15)
        points.append({"sockets": result["total_open"], "rss": rss_bytes(pid) or 0})
        log(
            f"  idle {result['total_open']:,} open ({result['failed']} failed, "
            f"{result['attempts_failed']} retried: {result['failures']}) in {result['seconds']} s, "
            f"RSS {points[-1]['rss'] / 2**20:.0f} MiB"
        )
        if probe and probed is None and result["total_open"] >= probe[0]:
            probed = probe[1]()
            wait_quiet([pid], limit=15)
        if result.get("not_started"):
            stopped = f"time budget: stopped at {result['total_open']:,} of {steps[-1]:,}"
            break
    last = points[-1]
    per_socket = (last["rss"] - baseline) / last["sockets"] if last["sockets"] else None
    peak_point = None
    if peak > last["sockets"] and not stopped and t.run.time_left() - keep > 15 * t.run.scale:
        with t.run.profiler.record(t.pids, f"{t.label}-idle-{peak}"):
            result = t.idle.call(
                "visitors",
                group="idle",
                base=t.bases[0],
                site_key=t.site_key,
                total=peak,
                timeout=60,
                concurrency=25,
                max_seconds=t.run.time_left() - keep,
                pids=t.cpu_pids,
            )
        wait_quiet([pid], limit=15)
        rss = rss_bytes(pid) or 0
        peak_point = {
            "sockets": result["total_open"],
            "rss": rss,
            "bytes_per_socket": round((rss - baseline) / result["total_open"]),
            "seconds": result["seconds"],
            "failed": result["failed"],
        }
        log(
            f"  idle peak {result['total_open']:,} open ({result['failed']} failed) in "
            f"{result['seconds']} s, RSS {rss / 2**20:.0f} MiB; back to {last['sockets']:,}"
        )
        t.idle.call("close", group="idle", keep=last["sockets"])
        wait_quiet([pid], limit=30)
    seconds = sum(c["seconds"] for c in connect)
    cpu = sum(c["cpu"]["cpu_seconds"].get("target", 0.0) for c in connect)
    cpu += sum(c["cpu"]["cpu_seconds"].get("database", 0.0) for c in connect)
    return {
        "points": points,
        "connect": connect,
        "baseline_rss": baseline,
        "bytes_per_socket": round(per_socket) if per_socket else None,
        "sockets": last["sockets"],
        "hello_per_second": round(last["sockets"] / seconds, 1) if seconds else None,
        "cpu_us_per_hello": round(cpu * 1e6 / last["sockets"]) if last["sockets"] else None,
        "stopped": stopped,
        "peak": peak_point,
        "probe": probed,
        "idle_loadgen_rss": t.idle.call("status")["rss"],
    }


class Profiler:
    """py-spy record around every step (100 Hz, in its own process, ``--nonblocking`` so the
    profiled server never pauses); each step's stacks are summarized for the report
    (``bench.profiles``). On unless ``--no-profile`` or py-spy is missing."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        local = Path(sys.executable).parent / "py-spy"
        self.binary = str(local) if local.exists() else shutil.which("py-spy")
        self.summaries: dict[str, dict[str, Any]] = {}

    @contextlib.contextmanager
    def record(self, pids: list[int], label: str) -> Iterator[None]:
        if self.directory is None or self.binary is None:
            yield
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        outputs = [self.directory / f"{label}-{i}.txt" for i in range(len(pids))]
        processes = [
            subprocess.Popen(
                [
                    self.binary,
                    "record",
                    *os.environ.get("BENCH_PYSPY_ARGS", "").split(),  # e.g. --gil, --threads
                    "-p",
                    str(pid),
                    "-o",
                    str(output),
                    "-f",
                    "raw",
                    "-r",
                    "100",
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for pid, output in zip(pids, outputs, strict=True)
        ]
        try:
            time.sleep(0.5)
            yield
        finally:
            for process in processes:
                process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            self.summaries[label] = profiles.summarize(outputs)


def cpu_per(step: dict[str, Any], name: str = "target") -> float | None:
    used = step["cpu"]["cpu_seconds"].get(name)
    delivered = step.get("delivered") or 0
    return round(used * 1e6 / delivered, 1) if used is not None and delivered else None


SATURATED = 0.8  # a step that delivers less than this share of what was offered ends the ladder
DISTURBED = 0.3  # cores used by other processes during a step that make it worth repeating


def foreign(step: dict[str, Any]) -> float:
    return float(step["cpu"]["cpu_share"].get("foreign", 0.0))


def console_probe(server: ChatServer, setup: dict[str, Any], reopenings: int) -> dict[str, Any]:
    """The agent console in headless Chromium with the visitors online now (bench.console)."""
    try:
        from bench import console

        result = console.probe(
            server.http_base, setup["emails"][0], PASSWORD, reopenings=reopenings
        )
    except Exception as exc:
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}
    log(f"  console: {json.dumps(result)[:300]}")
    return result


def ladder(t: Target, kind: str, rates: tuple[int, ...], seconds: float) -> list[dict[str, Any]]:
    """Offered-rate steps, lowest first; stops after the first saturated step."""
    sizes, steps = t.run.sizes, []
    for rate in rates:
        done = [s for s in steps if "skipped" not in s]
        if done and (done[-1].get("delivered_ratio") or 0) < SATURATED:
            steps.append({"rate": rate, "skipped": f"saturated at {done[-1]['rate']}/s"})
            continue
        if done and t.run.time_left() < seconds + sizes.drain_seconds + 5:
            steps.append({"rate": rate, "skipped": "time budget"})
            continue
        # chat: 2.5 msg/s per shopper (the limit is 5/s, burst 10); page views: 4/s each
        # (the per-connection frame budget is 30/s)
        per_shopper = 2.5 if kind == "chat" else 4.0
        shoppers = min(sizes.shoppers, max(20, int(rate / per_shopper + 0.5)))
        t.ensure_shoppers(shoppers, warm=kind == "chat")
        step = None
        for attempt in range(2):
            with t.run.profiler.record(t.pids, f"{t.label}-{kind}-{rate}"):
                again = t.traffic.call(
                    kind,
                    group="shoppers",
                    rate=rate,
                    duration=seconds,
                    shoppers=shoppers,
                    drain=sizes.drain_seconds,
                    pids=t.cpu_pids,
                    tag=f"{t.label}{kind[0]}{rate}.{attempt}",
                )
            if step is None or foreign(again) < foreign(step):
                again["attempts"] = attempt + 1
                step = again
            # Other work on this shared machine disturbs a step: run it once more and keep
            # the quieter run (the table shows the other load of the one kept).
            disturbed = (
                foreign(step) > DISTURBED and (step.get("delivered_ratio") or 0) >= SATURATED
            )
            # a quick run gives figures, not verdicts: no second try
            if attempt or not disturbed or t.run.scale < 1:
                break
            if t.run.time_left() < 2 * (seconds + sizes.drain_seconds) + 40:
                break
            log(f"  {kind} {rate}/s: {foreign(step):.2f} cores of other load, repeating the step")
            wait_quiet(t.pids, limit=10)
        step["cpu_us_per_item"] = cpu_per(step)
        step["db_us_per_item"] = cpu_per(step, "database")
        steps.append(step)
        lat = step["agent_ms"] if kind == "chat" else step["latency_ms"]
        log(
            f"  {kind} {rate}/s: delivered {step['delivered_ratio']} ({step['sustained_rate']}/s), "
            f"to agent p50 {lat['p50']} p99 {lat['p99']} ms, {step['cpu_us_per_item']} µs each, "
            f"loadgen {step['cpu']['cpu_share'].get('loadgen')} core, errors {step['errors']}"
        )
        wait_quiet(t.pids, limit=10 * t.run.scale)
    return steps


def capacity(
    t: Target, group: Any, shoppers: int, label: str, in_flight: int = 200
) -> dict[str, Any]:
    """Capacity probe: as fast as the server acks, with ``in_flight`` messages outstanding."""
    sizes = t.run.sizes
    with t.run.profiler.record(t.pids, f"{t.label}-{label}"):
        step = t.traffic.call(
            "chat",
            group=group,
            rate=20000,
            duration=sizes.throughput_seconds,
            shoppers=shoppers,
            drain=sizes.drain_seconds,
            pids=t.cpu_pids,
            tag=f"{t.label}{label}",
            max_outstanding=in_flight,
        )
    step["cpu_us_per_item"] = cpu_per(step)
    step["db_us_per_item"] = cpu_per(step, "database")
    log(
        f"  capacity {label}: {step['sustained_rate']} msg/s with {in_flight} in flight, "
        f"agent p99 {step['agent_ms']['p99']} ms, errors {step['errors']}, "
        f"loadgen {step['cpu']['cpu_share'].get('loadgen')} core"
    )
    wait_quiet(t.pids, limit=10)
    return step


def storm(t: Target, count: int) -> dict[str, Any]:
    """Reconnect storm on the first ``count`` idle visitors (run by the idle load generator)."""
    if t.mode == "server":
        # an agent console in the idle generator answers the conversations
        tokens = t.run.state["tokens"][:1]
        welcome = t.idle.call("agents", base=t.bases[0], tokens=tokens, timeout=180)
        log(
            f"  agent console with {count}+ visitors online: welcome {welcome['welcome_bytes']} bytes "
            f"in {welcome['seconds']} s"
        )
    with t.run.profiler.record(t.pids, f"{t.label}-storm"):
        result = t.idle.call(
            "storm",
            base=t.bases[0],
            site_key=t.site_key,
            count=count,
            group="idle",
            pids={"target": t.pids},
            timeout=120.0,
            setup_rate=1000.0,
            settle=2.0,
        )
    if t.mode == "server":
        result["agent_welcome"] = welcome
    log(
        f"  storm: {result['resumed']}/{result['count']} resumed in {result['all_resumed_seconds']} s "
        f"(p50 {result['resume_ms']['p50']} ms), lost {result['lost']}, repeated {result['repeated']}, "
        f"out of order {result['out_of_order']}, retries {result['retries']}"
    )
    return result


def storm_size(run: Run, phase: dict[str, Any]) -> tuple[int, str]:
    """As many storm visitors as the phase has time for (at most sizes.storm and the idle
    sockets open), from this server's measured hello and message rates."""
    idle = phase.get("idle") or {}
    hello = idle.get("hello_per_second") or 50.0
    message = max([s.get("sustained_rate") or 0.0 for s in run_steps(phase.get("chat"))] + [20.0])
    # Per visitor: its first message (a new conversation, dearer than the chat ladder's),
    # a fifth of an answer, a leave on the drop and a hello that resumes; the answers and
    # the leaves queue behind each other on SQLite. Calibrated on full runs: about
    # 3 messages and 4 hellos of server time per visitor (a resuming hello costs more
    # than a first one: on PostgreSQL it holds the visitor's row), plus 25 s of fixed
    # costs (the agent console's welcome with every online visitor, settling, closing).
    per_visitor = 3.0 / message + 4.0 / hello
    fit = int((run.time_left() - 25 * run.scale) / per_visitor)
    count = max(0, min(run.sizes.storm, idle.get("sockets", 0), fit))
    planned = f"{count:,} of {run.sizes.storm:,}"
    if count < run.sizes.storm:
        planned += f" (time budget at {hello:.0f} hellos/s and {message:.0f} messages/s)"
    return count, planned


def run_steps(steps: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [s for s in steps or [] if "skipped" not in s]


def relay_rates(rates: tuple[int, ...], compared: int) -> tuple[int, ...]:
    """The relay's one step: the rate the targets compare with (or a quick run's rates)."""
    return (compared,) if compared in rates else rates


def phase_relay(run: Run) -> dict[str, Any]:
    sizes, out = run.sizes, {}
    relay = Relay(run.workdir / "relay")
    try:
        relay.start()
        with loadgens(run.workdir) as (idle, traffic):
            for generator in (idle, traffic):
                generator.call("configure", mode="relay")
            t = Target(run, "relay", "relay", [relay.ws_base], "-", [relay.pid], idle, traffic)
            traffic.call("agents", base=relay.ws_base, tokens=["-"] * sizes.agents)
            if run.wants("chat", "tracking", "scaled"):
                t.ensure_shoppers(sizes.shoppers)
            if run.wants("idle", "chat", "tracking", "storm", "console"):
                out["idle"] = idle_ramp(
                    t, sizes.idle_steps, keep=10 if sizes is QUICK else 40, peak=sizes.idle_peak
                )
            # The relay is the baseline of the targets' ratios (CPU per message at
            # 1,000 msg/s, memory per socket, the storm): only those steps run, and the
            # time the others took goes to the servers' storms and the scale-out phase.
            if run.wants("chat"):
                out["chat"] = ladder(
                    t, "chat", relay_rates(sizes.chat_rates, 1000), sizes.chat_seconds
                )
            if run.wants("tracking"):
                out["tracking"] = ladder(
                    t, "tracking", relay_rates(sizes.track_rates, 3000), sizes.track_seconds
                )
            if run.wants("storm"):
                traffic.call("close", group="shoppers")
                out["storm"] = storm(t, min(sizes.storm, out.get("idle", {}).get("sockets", 0)))
    finally:
        relay.stop()
    return out


def server_phase(run: Run, backend: str) -> dict[str, Any]:
    """Idle capacity, chat ladder, tracking ladder and the reconnect storm on one backend."""
    sizes, out = run.sizes, {"backend": backend}
    workdir = run.workdir / backend
    started = time.monotonic()
    database_url = (
        f"sqlite+aiosqlite:///{workdir / 'chat.db'}"
        if backend == "sqlite"
        else pg_create_database(run.pg_url or "")
    )
    if backend != "sqlite":
        log(f"  database created in {time.monotonic() - started:.1f} s")
    # PostgreSQL as shops scale out with it: with Redis for fan-out, presence and limits
    redis_url = run.redis_url if backend == "postgres" else None
    if redis_url:
        redis_flush(redis_url)
    server = ChatServer(workdir, database_url, redis_url, name=backend)
    try:
        started = time.monotonic()
        server.start()
        up = time.monotonic()
        setup = server.setup(sizes.agents)
        run.state["tokens"] = setup["tokens"]
        out["startup_seconds"] = round(up - started, 1)
        out["setup_seconds"] = round(time.monotonic() - up, 1)
        log(
            f"  server up in {out['startup_seconds']} s, site and accounts in {out['setup_seconds']} s"
        )
        with loadgens(run.workdir) as (idle, traffic):
            t = Target(
                run,
                backend,
                "server",
                [server.ws_base],
                setup["site_key"],
                [server.pid],
                idle,
                traffic,
                database=backend == "postgres",
            )
            out["agents"] = traffic.call("agents", base=server.ws_base, tokens=setup["tokens"])
            if run.wants("chat", "tracking"):
                t.ensure_shoppers(min(sizes.shoppers, max(20, int(sizes.chat_rates[0] / 2.5))))
            storm_here = run.wants("storm")
            if run.wants("idle", "chat", "tracking", "storm", "console"):
                # keep time for one chat step, one tracking step and a minimal storm
                keep = run.scale * 25.0 * run.wants("chat") + run.scale * 25.0 * (
                    run.wants("tracking") and backend == "sqlite"
                )
                console = (
                    (
                        sizes.console_visitors,
                        lambda: console_probe(server, setup, 3 if run.scale == 1 else 1),
                    )
                    if run.wants("console") and backend == "sqlite"
                    else None
                )
                out["idle"] = idle_ramp(
                    t,
                    sizes.idle_steps,
                    keep=keep + run.scale * 45.0 * storm_here,
                    peak=sizes.idle_peak if backend == "sqlite" else 0,
                    probe=console,
                )
                if console:
                    out["console"] = out["idle"].pop("probe") or {
                        "not_run": f"fewer than {sizes.console_visitors:,} visitors online"
                    }
            if run.wants("chat"):
                # The targets start at 1,000 msg/s: a lower step would only take time
                # from the storm.
                rates = tuple(r for r in sizes.chat_rates if r >= 1000) or sizes.chat_rates
                out["chat"] = ladder(t, "chat", rates, sizes.chat_seconds)
            if run.wants("tracking") and backend == "sqlite":
                out["tracking"] = ladder(t, "tracking", sizes.track_rates, sizes.track_seconds)
            out["server_rss_end"] = rss_bytes(server.pid)
            if storm_here:
                traffic.call("close", group="shoppers")
                wait_quiet([server.pid], limit=20)
                count, planned = storm_size(run, out)
                if count < 10:
                    out["storm"] = {"skipped": "time budget"}
                else:
                    out["storm"] = storm(t, count)
                    out["storm"]["planned"] = planned
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["server_log"] = server.log_tail()
        log(f"  {backend} phase failed: {out['error']}")
        traceback.print_exc()
    finally:
        server.stop()
    return out


def phase_scaled(run: Run) -> dict[str, Any]:
    """Two processes on one PostgreSQL database and one Redis, against one process."""
    sizes = run.sizes
    out: dict[str, Any] = {}
    if not run.pg_url or not run.redis_url:
        return {"not_run": "needs CHAT_PG_URL and CHAT_REDIS_TEST_URL (make bench provides both)"}
    if run.time_left() < 40 * run.scale:
        return {"not_run": "time budget"}
    try:
        import chat_server.realtime.redis.bus  # noqa: F401
    except Exception as exc:
        return {"not_run": f"Redis mode does not import yet: {type(exc).__name__}: {exc}"}
    database_url = pg_create_database(run.pg_url)
    redis_flush(run.redis_url)
    secret = secrets.token_urlsafe(32)
    servers = [
        ChatServer(
            run.workdir / f"scaled-{name}", database_url, run.redis_url, f"scaled-{name}", secret
        )
        for name in ("a", "b")
    ]
    a, b = servers
    try:
        a.start()
        b.start_async()  # B starts (its migration check is a no-op) while A gets the accounts
        setup = a.setup(sizes.agents)  # one database: the site and accounts serve both
        b.wait_started()
        with loadgens(run.workdir) as (idle, traffic):
            t = Target(
                run,
                "scaled",
                "server",
                [a.ws_base, b.ws_base],
                setup["site_key"],
                [a.pid, b.pid],
                idle,
                traffic,
                database=True,
            )
            half = max(10, sizes.scaled_shoppers // 2)
            t.ensure_shoppers(half, "shoppers-a", a.ws_base)
            t.ensure_shoppers(half, "shoppers-b", b.ws_base)
            both = ["shoppers-a", "shoppers-b"]
            # one process: shoppers and agents on A; B runs but serves nobody
            traffic.call("agents", base=a.ws_base, tokens=setup["tokens"])
            out["one_process"] = capacity(t, "shoppers-a", half, "1proc")
            # two processes: shoppers on both, one agent on each, so every message reaches
            # one agent in its own process and the other one across Redis
            traffic.call("close", agents=True)
            traffic.call("agents", base=a.ws_base, tokens=setup["tokens"][:1])
            traffic.call("agents", base=b.ws_base, tokens=setup["tokens"][1:2])
            out["two_processes"] = capacity(t, both, 2 * half, "2proc")
            # latency and CPU at a rate both configurations sustain: the cross-process
            # targets are stated at 500 msg/s
            lower = min(
                out["one_process"]["sustained_rate"], out["two_processes"]["sustained_rate"]
            )
            rate = max(20, min(500 if sizes is FULL else 100, int(0.8 * lower)))
            shoppers = max(10, int(rate / 2.5 + 0.5))
            for key, agents_on, group in (
                ("two_processes_fixed", None, both),
                ("one_process_fixed", a, "shoppers-a"),
            ):
                if run.time_left() < sizes.chat_seconds + sizes.drain_seconds + 10:
                    out[key] = {"skipped": "time budget"}
                    continue
                if agents_on is not None:
                    traffic.call("close", agents=True)
                    traffic.call("agents", base=agents_on.ws_base, tokens=setup["tokens"])
                with run.profiler.record(t.pids, f"scaled-{key}"):
                    step = traffic.call(
                        "chat",
                        group=group,
                        rate=rate,
                        duration=sizes.chat_seconds,
                        shoppers=min(shoppers, half if group == "shoppers-a" else 2 * half),
                        drain=sizes.drain_seconds,
                        pids=t.cpu_pids,
                        tag=f"fixed{key}",
                    )
                step["cpu_us_per_item"] = cpu_per(step)
                out[key] = step
                log(
                    f"  {key} at {rate}/s: delivered {step['delivered_ratio']}, agent p50 "
                    f"{step['agent_ms']['p50']} p99 {step['agent_ms']['p99']} ms"
                )
                wait_quiet(t.pids, limit=10)
    except Exception as exc:
        out["error"] = f"{type(exc).__name__}: {exc}"
        out["server_logs"] = {s.name: s.log_tail() for s in servers}
        log(f"  scaled-out phase failed: {out['error']}")
        traceback.print_exc()
    finally:
        for server in servers:
            server.stop()
    return out


def phase_stats(run: Run) -> dict[str, Any]:
    if not run.pg_url:
        return {"not_run": "needs CHAT_PG_URL (make bench provides it)"}
    script = ROOT / "bench" / "seed_waits.py"
    if not script.is_file():
        return {"not_run": "bench/seed_waits.py does not exist yet"}
    if run.time_left() < 25 * run.scale:
        return {"not_run": "time budget"}
    database_url = pg_create_database(run.pg_url)
    try:
        return _seed_and_time_stats(run, database_url)
    finally:
        with contextlib.suppress(Exception):
            pg_drop_database(run.pg_url, database_url)
        # The seed leaves hundreds of megabytes for the kernel to write back: written
        # now, inside this phase, rather than under the relay's and the servers' steps.
        os.sync()


def _seed_and_time_stats(run: Run, database_url: str) -> dict[str, Any]:
    waits = run.sizes.waits if run.time_left() > 20 else min(run.sizes.waits, 200_000)
    command = [
        PY,
        "-m",
        "bench.seed_waits",
        "--database-url",
        database_url,
        "--waits",
        str(waits),
        "--runs",
        str(run.sizes.stats_runs),
    ]
    limit = max(60.0, run.time_left() + 30)
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=base_env(),
        cwd=ROOT,
    )
    # the in-process timing runs in this process: its profile says where the time goes
    with run.profiler.record([process.pid], "stats"):
        try:
            stdout, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return {"error": f"bench.seed_waits did not finish within {limit:.0f} s (time budget)"}
    out: dict[str, Any] = {
        "command": " ".join(command[1:]),
        "seconds": round(time.monotonic() - started, 1),
    }
    if process.returncode != 0:
        lines = [line for line in stderr.strip().splitlines() if line.strip()]
        out["error"] = f"exit {process.returncode}: {lines[-1] if lines else 'no output'}"
        return out
    try:
        out.update(json.loads(stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        out["error"] = f"unreadable output: {stdout[-300:]}"
    return out


def phase_assistant(run: Run) -> dict[str, Any]:
    """FAQ search latency over 1,000 entries and the held-out sets' figures (issue 14)."""
    command = [PY, "-m", "bench.faq_search", "--rounds", "2"]
    for held_out in ("held_out_12.json", "held_out_2.json"):
        command += ["--evaluate", held_out]
    if run.sizes is QUICK:
        command += ["--entries", "200"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    with run.profiler.record([process.pid], "assistant"):
        stdout, stderr = process.communicate(timeout=max(30.0, run.time_left()))
    if process.returncode != 0:
        return {"error": f"exit {process.returncode}: {stderr.strip()[-300:]}"}
    out: dict[str, Any] = json.loads(stdout)
    out["command"] = "python -m " + " ".join(command[2:])
    log(f"  FAQ search p99 {out['search_ms']['p99']} ms over {out['entries']} entries")
    return out


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {}
    with contextlib.suppress(Exception):
        for line in subprocess.run(
            ["lscpu"], capture_output=True, text=True, timeout=10
        ).stdout.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Model name", "CPU(s)", "Thread(s) per core", "Hypervisor vendor"):
                info[key.strip()] = value.strip()
    with contextlib.suppress(Exception), open("/proc/meminfo") as handle:
        info["memory_gib"] = round(int(handle.readline().split()[1]) / 2**20, 1)
    info["kernel"] = platform.release()
    info["python"] = platform.python_version()
    info["cores_online"] = os.cpu_count()
    with contextlib.suppress(Exception):
        import resource

        info["open_files_limit"] = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(Exception):
        import starlette
        import uvicorn
        import websockets

        info["versions"] = {
            "uvicorn": uvicorn.__version__,
            "websockets": websockets.__version__,
            "starlette": starlette.__version__,
        }
    with contextlib.suppress(Exception):
        out = subprocess.run(
            ["postgres", "--version"], capture_output=True, text=True, timeout=5
        ).stdout
        info["postgres"] = out.strip()
    pg_bin = os.environ.get("CHAT_PG_BIN")
    if pg_bin:
        with contextlib.suppress(Exception):
            info["postgres"] = subprocess.run(
                [f"{pg_bin}/postgres", "--version"], capture_output=True, text=True, timeout=5
            ).stdout.strip()
    with contextlib.suppress(Exception):
        info["redis"] = subprocess.run(
            ["redis-server", "--version"], capture_output=True, text=True, timeout=5
        ).stdout.split(" ")[2]
    return info


@dataclass
class Run:
    sizes: Sizes
    scenarios: set[str]
    backends: list[str]
    workdir: Path
    pg_url: str | None
    redis_url: str | None
    profiler: Profiler
    budget_seconds: float
    started: float = field(default_factory=time.monotonic)
    state: dict[str, Any] = field(default_factory=dict)
    reserve: float = 0.0

    def wants(self, *names: str) -> bool:
        return any(name in self.scenarios for name in names)

    @property
    def scale(self) -> float:
        """Fixed time reservations shrink with the sizes of a quick run."""
        return 0.15 if self.sizes is QUICK else 1.0

    def time_left(self) -> float:
        """Seconds left of the budget that keeps ``make bench`` under 10 minutes."""
        return self.budget_seconds - self.reserve - (time.monotonic() - self.started)


def timed(
    label: str, results: dict[str, Any], key: str, work: Callable[[], dict[str, Any]]
) -> None:
    log(f"{label} ...")
    started = time.monotonic()
    try:
        results[key] = work()
    except Exception as exc:
        traceback.print_exc()
        results[key] = {"error": f"{type(exc).__name__}: {exc}"}
    results.setdefault("phase_seconds", {})[key] = round(time.monotonic() - started, 1)
    log(f"{label} done in {results['phase_seconds'][key]} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="chat server benchmarks (see docs/benchmarks.md)")
    parser.add_argument("--quick", action="store_true", help="small sizes: a 1-2 minute smoke run")
    parser.add_argument(
        "--scenarios", default=",".join(SCENARIOS), help=f"comma list of {SCENARIOS}"
    )
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument(
        "--budget",
        type=float,
        help="seconds for the whole run (default 580; quick 300, which it never needs)",
    )
    parser.add_argument(
        "--profile", type=Path, help="keep the py-spy stacks of every step in DIR (raw format)"
    )
    parser.add_argument(
        "--no-profile", action="store_true", help="no py-spy (the targets table then has no why)"
    )
    parser.add_argument(
        "--profile-step", action="store_true", help="one 10 s step at 1,000/s (with --profile)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the servers' data and logs")
    parser.add_argument(
        "--no-report", action="store_true", help="do not rewrite docs/benchmarks.md"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    scenarios = {s.strip() for s in args.scenarios.split(",") if s.strip()}
    unknown = scenarios - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {sorted(unknown)}")
    sizes = PROFILE_STEP if args.profile_step else QUICK if args.quick else FULL
    started = time.monotonic()
    command = "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])
    results: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command.strip(),
        "quick": args.quick,
        "sizes": sizes.__dict__,
        "scenarios": sorted(scenarios),
        "machine": machine(),
    }
    keep = Path(tempfile.mkdtemp(prefix="chat-bench-")) if args.keep else None
    with tempfile.TemporaryDirectory(prefix="chat-bench-") as tmp_dir:
        tmp = str(keep) if keep else tmp_dir
        if keep:
            log(f"keeping logs and data in {keep}")
        backends = [b.strip() for b in args.backends.split(",") if b.strip()]
        run = Run(
            sizes=sizes,
            scenarios=scenarios,
            backends=backends,
            workdir=Path(tmp),
            pg_url=os.environ.get("CHAT_PG_URL"),
            redis_url=os.environ.get("CHAT_REDIS_TEST_URL"),
            profiler=Profiler(None if args.no_profile else args.profile or Path(tmp) / "profiles"),
            budget_seconds=args.budget or (300.0 if args.quick else 580.0),
        )
        ends = phase_ends(args.quick)
        try:
            if run.wants("stats"):
                run.reserve = run.budget_seconds * (1 - ends["stats"])
                timed("stats over seeded waits", results, "stats", lambda: phase_stats(run))
            if run.wants("assistant"):
                run.reserve = run.budget_seconds * (1 - ends["assistant"])
                timed("assistant's FAQ search", results, "assistant", lambda: phase_assistant(run))
            if run.wants("idle", "chat", "tracking", "scaled", "storm"):
                run.reserve = run.budget_seconds * (1 - ends["relay"])
                timed("bare relay", results, "relay", lambda: phase_relay(run))
            for backend in ("sqlite", "postgres"):
                if (
                    not run.wants("idle", "chat", "tracking", "storm", "console")
                    or backend not in backends
                ):
                    continue
                if backend == "postgres" and not run.pg_url:
                    results["postgres"] = {"not_run": "no CHAT_PG_URL (make bench provides one)"}
                    continue
                run.reserve = run.budget_seconds * (1 - ends[backend])
                timed(
                    f"server on {backend}", results, backend, lambda b=backend: server_phase(run, b)
                )
            if run.wants("scaled"):
                run.reserve = 0.0
                timed("scaled out over Redis", results, "scaled", lambda: phase_scaled(run))
        finally:
            results["profiles"] = run.profiler.summaries
            results["total_seconds"] = round(time.monotonic() - started, 1)
            out_dir = ROOT / "bench" / "results"
            out_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            for path in (out_dir / f"{stamp}.json", out_dir / "latest.json"):
                path.write_text(json.dumps(results, indent=1, default=str))
            log(f"raw results: bench/results/{stamp}.json ({results['total_seconds']} s in all)")
    if not args.no_report:
        from bench import report

        report.write(results, args.output)
        log(
            f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
