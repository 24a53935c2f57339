"""Start and stop real ``chat-server run`` processes: the one copy tests/ and bench/ use.

A free loopback port, ``python -m chat_server.web.cli run``, polling ``/healthz``
until it answers 200, and stopping with SIGTERM, then SIGKILL after a grace period.
Callers keep their own environment, data directory and timings (passed in).

It lives in tests/ because the tests are its main user and bench/ already reads
tests/ (the GeoIP test database). The tests import it as ``support.servers``
(pytest puts tests/ on ``sys.path``); bench/ imports it as ``tests.support.servers``
(it runs as ``python -m bench.…`` from the repository root). It needs only the
standard library, so importing it pulls in neither pytest nor the load generator.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any


class ServerStartError(RuntimeError):
    """The server did not answer ``/healthz`` with 200."""


class ServerExited(ServerStartError):
    """The process ended before it answered."""


class StartTimedOut(ServerStartError):
    """No answer within the time allowed."""


def free_port() -> int:
    """A loopback port nobody listens on (probed by binding it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def chat_server_command(*args: str) -> list[str]:
    """``chat-server ARGS`` as this interpreter runs it (no installed script needed)."""
    return [sys.executable, "-m", "chat_server.web.cli", *args]


def spawn(
    port: int,
    env: Mapping[str, str],
    cwd: Path | None = None,
    *extra: str,
    host: str | None = None,
    log_path: Path | None = None,
    output: int | IO[Any] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``chat-server run [--host HOST] --port PORT EXTRA...``; does not wait.

    Its stdout and stderr are appended to ``log_path`` when given, else go to
    ``output`` (e.g. ``subprocess.DEVNULL``; None: this process's own).
    """
    command = chat_server_command("run", *(("--host", host) if host else ()), "--port", str(port))
    if log_path is None:
        return subprocess.Popen(
            [*command, *extra], env=dict(env), cwd=cwd, stdout=output, stderr=output
        )
    with log_path.open("ab") as log:
        return subprocess.Popen(
            [*command, *extra], env=dict(env), cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )


def answers_health(base: str, timeout: float) -> bool:
    """``GET {base}/healthz`` answered 200 (refused, reset, 503 or too slow: False)."""
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=timeout) as response:
            return bool(response.status == 200)
    except OSError:  # urllib's HTTPError and URLError are OSErrors
        return False


def wait_healthy(
    process: subprocess.Popen[Any],
    base: str,
    timeout: float,
    probe_timeout: float = 15.0,
    interval: float = 0.1,
) -> None:
    """Poll ``/healthz`` every ``interval`` s until 200; raise if the process ends or
    ``timeout`` s pass (:class:`ServerExited`, :class:`StartTimedOut`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerExited(f"exited with status {process.returncode}")
        if answers_health(base, probe_timeout):
            return
        time.sleep(interval)
    raise StartTimedOut(f"did not answer {base}/healthz within {timeout:g} s")


def stop(
    process: subprocess.Popen[Any] | None, grace: float = 15.0, kill_wait: float | None = None
) -> None:
    """SIGTERM, up to ``grace`` s for a clean exit, then SIGKILL (waiting ``kill_wait`` s,
    None: as long as it takes)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(kill_wait)


def kill(process: subprocess.Popen[Any] | None) -> None:
    """SIGKILL now (a crash, for tests of what survives one)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGKILL)
    process.wait()
