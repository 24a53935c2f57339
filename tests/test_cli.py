"""The chat-server command: output shapes, bad settings, any working directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, http, make_server


def chat_server(
    *args: str, env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "chat_server.web.cli", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_")}
    clean.update(CHAT_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(ROOT))
    return clean


def test_sites_create_prints_one_json_object(env: dict[str, str], tmp_path: Path) -> None:
    result = chat_server(
        "sites",
        "create",
        "--name",
        "Anadolu Butik",
        "--origin",
        "https://shop.example",
        "--origin",
        "https://www.shop.example:443",
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    site = json.loads(result.stdout)
    assert set(site) == {"id", "key", "name", "origins"}
    assert site["name"] == "Anadolu Butik"
    assert site["origins"] == ["https://shop.example", "https://www.shop.example"]


def test_a_bad_origin_is_refused_and_nothing_is_created(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = chat_server(
        "sites", "create", "--name", "X", "--origin", "not an origin", env=env, cwd=tmp_path
    )
    assert result.returncode != 0
    assert "origin" in result.stderr


def test_agents_create_reads_the_password_from_stdin_and_never_echoes_it(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = chat_server(
        "agents",
        "create",
        "--email",
        "Deniz@Example.com",
        "--name",
        "Deniz",
        "--role",
        "manager",
        "--password-stdin",
        env=env,
        cwd=tmp_path,
        stdin="s3cret-passw0rd\n",
    )
    assert result.returncode == 0, result.stderr
    agent = json.loads(result.stdout)
    assert set(agent) == {"id", "email", "name", "role"}
    assert (agent["email"], agent["role"]) == ("deniz@example.com", "manager")
    assert "s3cret" not in result.stdout + result.stderr
    database = (tmp_path / "data" / "chat.db").read_bytes()
    assert b"s3cret-passw0rd" not in database
    again = chat_server(
        "agents",
        "create",
        "--email",
        "deniz@example.com",
        "--name",
        "Deniz",
        "--role",
        "agent",
        "--password-stdin",
        env=env,
        cwd=tmp_path,
        stdin="another-password\n",
    )
    assert again.returncode != 0 and "exists" in again.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CHAT_DATABASE_URL", "mysql://nope"),
        ("CHAT_DATABASE_URL", "postgresql+asyncpg://u:p@127.0.0.1:1/db"),
        ("CHAT_REDIS_URL", "http://not-redis"),
        ("CHAT_REDIS_URL", "redis://127.0.0.1:1/0"),
        ("CHAT_GEOIP_DB", "/nonexistent/city.mmdb"),
        ("CHAT_TRUSTED_PROXIES", "10.0.0.0/8, banana"),
    ],
)
def test_a_bad_setting_stops_the_server_with_one_line_naming_it(
    env: dict[str, str], tmp_path: Path, variable: str, value: str
) -> None:
    env[variable] = value
    result = chat_server("run", "--port", "1", env=env, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]


def test_an_unreadable_geoip_file_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.mmdb"
    bogus.write_bytes(b"this is not a maxmind database")
    env["CHAT_GEOIP_DB"] = str(bogus)
    result = chat_server("run", "--port", "1", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "CHAT_GEOIP_DB" in result.stderr


def test_migrate_works_from_any_directory(env: dict[str, str], tmp_path: Path) -> None:
    elsewhere = tmp_path / "some" / "where"
    elsewhere.mkdir(parents=True)
    result = chat_server("migrate", env=env, cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "chat.db").is_file()


def test_demo_is_idempotent_and_its_accounts_can_log_in(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    first = server.cli("demo", "--port", str(server.port))
    second = server.cli("demo", "--port", str(server.port))
    assert "admin@demo.local" in first.stdout
    key = next(line.split()[-1] for line in first.stdout.splitlines() if "site key" in line)
    assert key in second.stdout
    server.start()
    try:
        for email in ("agent@demo.local", "manager@demo.local", "admin@demo.local"):
            status, body = http(
                "POST",
                f"{server.base}/api/v1/auth/token",
                {"email": email, "password": "demo-pass-2026"},
            )
            assert status == 200, body
        status, page = http("GET", f"{server.base}/demo/")
        assert status == 200 and key in page and "/widget.js" in page
        status, script = http("GET", f"{server.base}/widget.js")
        assert status == 200 and "ChatWidget" in script
    finally:
        server.stop()


def test_sigterm_closes_sockets_cleanly_so_clients_can_resume(tmp_path: Path) -> None:
    import asyncio

    import websockets
    from clients import Visitor

    server = make_server(tmp_path)
    server.start()
    site = server.create_site("Graceful")

    async def scenario() -> int | None:
        visitor = await Visitor.connect(server.ws_base, site["key"])
        server.stop()  # SIGTERM
        try:
            await visitor.recv(5)
        except websockets.ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None
        return None

    code = asyncio.run(scenario())
    assert code in (1001, 1012)
