"""Real servers for tests: `chat-server run` processes on free ports, real clients.

Backends come from configuration, never from mocks: set CHAT_TEST_DATABASE_URL
(a PostgreSQL server URL; each server gets a fresh database) and CHAT_TEST_REDIS_URL
to run the same tests against PostgreSQL and Redis.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import secrets
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from support import servers
from support.servers import chat_server_command, free_port

ROOT = Path(__file__).resolve().parent.parent
GEOIP_TEST_DB = ROOT / "tests" / "data" / "GeoIP2-City-Test.mmdb"
PASSWORD = "correct-horse-battery"

FAST_TIMINGS = {
    "CHAT_VISITOR_GRACE_SECONDS": "1.0",
    "CHAT_VISITOR_LEFT_SECONDS": "3.0",
    "CHAT_JOBS_INTERVAL_SECONDS": "0.1",
}


def fresh_database_url(tmp: Path) -> str:
    """SQLite in tmp, or a new database on the PostgreSQL server named by CHAT_TEST_DATABASE_URL."""
    base = os.environ.get("CHAT_TEST_DATABASE_URL")
    if not base:
        return f"sqlite+aiosqlite:///{tmp / 'chat.db'}"
    import asyncio

    import asyncpg  # type: ignore[import-untyped]

    name = f"t_{secrets.token_hex(6)}"
    plain = base.replace("postgresql+asyncpg://", "postgresql://")

    async def create() -> None:
        connection = await asyncpg.connect(plain)
        try:
            await connection.execute(f'CREATE DATABASE "{name}"')
        finally:
            await connection.close()

    # In a thread: tests that are coroutines call this from inside a running loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, create()).result()
    prefix, _, _ = base.rpartition("/")
    return f"{prefix}/{name}"


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            raw = response.read()
            status = response.status
            kind = response.headers.get("content-type", "")
    except urllib.error.HTTPError as error:
        raw, status, kind = error.read(), error.code, error.headers.get("content-type", "")
    return status, (json.loads(raw) if "json" in kind and raw else raw.decode())


@dataclass
class Server:
    data_dir: Path
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_base(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def cli(
        self, *args: str, stdin: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            chat_server_command(*args),
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=self.data_dir,
            timeout=60,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"chat-server {' '.join(args)} failed: {result.stderr}")
        return result

    def start(self, *extra: str) -> None:
        self.log_path = self.data_dir / f"server-{self.port}.log"
        self.process = servers.spawn(
            self.port, self.env, self.data_dir, *extra, log_path=self.log_path
        )
        try:
            servers.wait_healthy(self.process, self.base, timeout=60, probe_timeout=15)
        except servers.ServerExited:
            raise AssertionError(f"server exited: {self.log_path.read_text()[-2000:]}") from None
        except servers.StartTimedOut:
            # No fixture teardown runs for a server that never started: stop it here, or
            # it keeps running (and loading the machine) until the test session ends.
            servers.stop(self.process, grace=5)
            self.process = None
            raise AssertionError(
                f"server did not start: {self.log_path.read_text()[-2000:]}"
            ) from None

    def stop(self) -> None:
        servers.stop(self.process, grace=15)
        self.process = None

    def kill(self) -> None:
        servers.kill(self.process)
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def create_site(self, name: str = "Shop", origins: tuple[str, ...] = ()) -> dict[str, Any]:
        args = ["sites", "create", "--name", name]
        for origin in origins:
            args += ["--origin", origin]
        return json.loads(self.cli(*args).stdout)

    def create_agent(
        self, role: str = "agent", name: str | None = None, sites: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """An account through ``chat-server agents create`` (``--site`` per key), with a token."""
        email = f"{role}-{secrets.token_hex(4)}@example.com"
        args = [
            "agents",
            "create",
            "--email",
            email,
            "--name",
            name or f"{role.title()} {email[:10]}",
        ]
        args += ["--role", role, "--password-stdin"]
        for key in sites:
            args += ["--site", key]
        created = json.loads(self.cli(*args, stdin=PASSWORD + "\n").stdout)
        status, body = http(
            "POST", f"{self.base}/api/v1/auth/token", {"email": email, "password": PASSWORD}
        )
        assert status == 200, body
        created["token"] = body["token"]
        created["password"] = PASSWORD
        return created

    def api(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        return http(method, f"{self.base}{path}", body, token)


def make_server(tmp: Path, **env: str) -> Server:
    tmp.mkdir(parents=True, exist_ok=True)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CHAT_") or key.startswith("CHAT_TEST")
    }
    environment.update(
        CHAT_DATA_DIR=str(tmp),
        CHAT_DATABASE_URL=fresh_database_url(tmp),
        CHAT_GEOIP_DB=str(GEOIP_TEST_DB),
        CHAT_LOG_LEVEL="warning",
        PYTHONPATH=str(ROOT),
        **FAST_TIMINGS,
    )
    if os.environ.get("CHAT_TEST_REDIS_URL"):
        environment["CHAT_REDIS_URL"] = os.environ["CHAT_TEST_REDIS_URL"]
    environment.update(env)
    return Server(data_dir=tmp, env=environment)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One running server shared by a test module (tests create their own sites/visitors)."""
    running = make_server(tmp_path_factory.mktemp("server"))
    running.start()
    yield running
    running.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """A server for one test, which may stop, kill or restart it."""
    running = make_server(tmp_path / "own")
    running.start()
    yield running
    running.kill()


@pytest.fixture(scope="module")
def site(server: Server) -> dict[str, Any]:
    return server.create_site("Test shop")


@pytest.fixture(scope="module")
def agent(server: Server) -> dict[str, Any]:
    return server.create_agent("agent", "Ayşe Yılmaz")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """In `make test`'s PostgreSQL + Redis pass (CHAT_TEST_NO_SKIPS=1) a skip is a failure:
    the skips say a server is missing, and there the servers must be there."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.skipped and os.environ.get("CHAT_TEST_NO_SKIPS") == "1":
        report.outcome = "failed"
        report.longrepr = f"skipped where every test must run: {report.longrepr}"
