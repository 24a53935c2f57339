"""Accounts and sessions (issue 11): revocable tokens and console sessions, deactivation,
password changes, TOTP, logout, the agent socket's authentication, login limits, and
password checks that never stall the server.

Every test talks to real `chat-server run` processes with real clients; the CLI runs as
a separate process, as an operator would run it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import http.client
import json
import os
import secrets
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

import pyotp
import pytest
import websockets
from clients import Agent
from conftest import PASSWORD, Server, make_server

NEW_PASSWORD = "another-long-secret-9"


# -- helpers -----------------------------------------------------------------------


def request(
    server: Server,
    method: str,
    path: str,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, Any, dict[str, str]]:
    """One HTTP request; the status, the body (JSON decoded when it is JSON), the headers."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    data = json.dumps(body) if body is not None and not isinstance(body, str) else body
    sent = dict(headers or {})
    if body is not None and "content-type" not in sent:
        sent["content-type"] = "application/json"
    try:
        connection.request(method, path, data, sent)
        answer = connection.getresponse()
        raw = answer.read()
    finally:
        connection.close()
    kind = answer.getheader("content-type") or ""
    content: Any = json.loads(raw) if "json" in kind and raw else raw.decode()
    return answer.status, content, {k.lower(): v for k, v in answer.getheaders()}


def token_login(
    server: Server,
    email: str,
    password: str = PASSWORD,
    otp: str | None = None,
    address: str | None = None,
) -> tuple[int, Any]:
    body: dict[str, Any] = {"email": email, "password": password}
    if otp is not None:
        body["otp"] = otp
    headers = {"x-forwarded-for": address} if address else {}
    status, content, _ = request(server, "POST", "/api/v1/auth/token", body, headers)
    return status, content


def error_code(content: Any) -> str:
    return str(content["error"]["code"])


def console_login(
    server: Server, email: str, password: str = PASSWORD, otp: str = ""
) -> tuple[int, str | None, str]:
    """Logs in through the form: the status, the ``chat_session=...`` cookie (or None),
    and the page (or the redirect's target)."""
    status, html, headers = request(server, "GET", "/console/login")
    assert status == 200
    seed = headers["set-cookie"].split(";")[0]
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = urllib.parse.urlencode(
        {"email": email, "password": password, "otp": otp, "csrf_token": csrf, "next": "/console/"}
    )
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request(
        "POST",
        "/console/login",
        form,
        {"content-type": "application/x-www-form-urlencoded", "cookie": seed},
    )
    answer = connection.getresponse()
    page = answer.read().decode()
    connection.close()
    cookies = [v for k, v in answer.getheaders() if k.lower() == "set-cookie"]
    session = next((c.split(";")[0] for c in cookies if c.startswith("chat_session=")), None)
    return answer.status, session, answer.getheader("location") or page


def console_page(server: Server, cookie: str) -> tuple[int, str]:
    """GET /console/ with a session cookie: (status, page or redirect target)."""
    status, page, headers = request(server, "GET", "/console/", headers={"cookie": cookie})
    return status, headers.get("location", page if isinstance(page, str) else "")


def conversations(server: Server, token: str) -> int:
    status, _, _ = request(
        server, "GET", "/api/v1/conversations", headers={"authorization": f"Bearer {token}"}
    )
    return status


async def cli(server: Server, *args: str, stdin: str | None = None, check: bool = True) -> Any:
    """Runs ``chat-server ...`` in its own process without blocking the event loop."""
    return await asyncio.to_thread(server.cli, *args, stdin=stdin, check=check)


async def closed_with(client: Agent, timeout: float) -> tuple[int | None, float]:
    """Waits for the server to close an agent's socket: its close code, and how long it took."""
    started = time.monotonic()
    await asyncio.wait_for(client.connection.wait_closed(), timeout)
    return client.connection.close_code, time.monotonic() - started


def unique_address() -> str:
    return f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(254) + 1}"


# -- deactivation, passwords, logout --------------------------------------------------


async def test_deactivation_closes_sockets_and_refuses_token_and_cookie_and_activation_restores(
    server: Server,
) -> None:
    agent = server.create_agent()
    status, cookie, _ = console_login(server, agent["email"])
    assert status == 303 and cookie
    assert console_page(server, cookie)[0] == 200
    connected = await Agent.connect(server.ws_base, agent["token"])

    deactivated = json.loads((await cli(server, "agents", "deactivate", agent["email"])).stdout)
    assert deactivated["email"] == agent["email"] and deactivated["active"] is False
    code, waited = await closed_with(connected, timeout=5)
    print(f"\nsocket closed {waited:.2f} s after `agents deactivate` returned (code {code})")
    assert code == 4401

    assert conversations(server, agent["token"]) == 401
    status, target = console_page(server, cookie)
    assert status == 303 and target.startswith("/console/login")
    status, body = token_login(server, agent["email"])
    assert status == 401 and error_code(body) == "invalid_credentials"

    activated = json.loads((await cli(server, "agents", "activate", agent["email"])).stdout)
    assert activated["active"] is True
    status, body = token_login(server, agent["email"])
    assert status == 200
    assert conversations(server, body["token"]) == 200
    assert conversations(server, agent["token"]) == 401  # what was issued before stays refused


async def test_a_new_password_refuses_every_earlier_token_and_session(server: Server) -> None:
    agent = server.create_agent()
    _, cookie, _ = console_login(server, agent["email"])
    assert cookie and console_page(server, cookie)[0] == 200
    connected = await Agent.connect(server.ws_base, agent["token"])

    changed = await cli(server, "agents", "passwd", agent["email"], "--password-stdin",
                        stdin=NEW_PASSWORD + "\n")  # fmt: skip
    assert json.loads(changed.stdout)["email"] == agent["email"]
    code, _ = await closed_with(connected, timeout=5)
    assert code == 4401
    assert conversations(server, agent["token"]) == 401
    assert console_page(server, cookie)[0] == 303
    status, body = token_login(server, agent["email"], PASSWORD, address=unique_address())
    assert status == 401 and error_code(body) == "invalid_credentials"
    status, body = token_login(server, agent["email"], NEW_PASSWORD)
    assert status == 200 and conversations(server, body["token"]) == 200


async def test_the_cli_names_an_unknown_email_on_stderr_and_fails(server: Server) -> None:
    for command in ("deactivate", "activate", "otp"):
        result = await cli(server, "agents", command, "nobody@example.com", check=False)
        assert result.returncode != 0, command
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "nobody@example.com" in lines[0], result.stderr
    result = await cli(server, "agents", "passwd", "nobody@example.com", "--password-stdin",
                       stdin=NEW_PASSWORD + "\n", check=False)  # fmt: skip
    assert result.returncode != 0 and "nobody@example.com" in result.stderr


def test_logout_revokes_the_bearer_token(server: Server) -> None:
    agent = server.create_agent()
    headers = {"authorization": f"Bearer {agent['token']}"}
    status, body, _ = request(server, "POST", "/api/v1/auth/logout", headers=headers)
    assert (status, body) == (200, {"revoked": True})
    assert conversations(server, agent["token"]) == 401
    status, body, _ = request(server, "POST", "/api/v1/auth/logout", headers=headers)
    assert status == 401 and error_code(body) == "unauthorized"
    status, body = token_login(server, agent["email"])  # the account itself is fine
    assert status == 200 and conversations(server, body["token"]) == 200


def test_console_logout_revokes_the_session_so_the_old_cookie_gets_the_login_page(
    server: Server,
) -> None:
    agent = server.create_agent()
    _, cookie, _ = console_login(server, agent["email"])
    assert cookie
    status, page = console_page(server, cookie)
    assert status == 200
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    # The console's own REST calls go with the cookie (no token in the page).
    assert request(server, "GET", "/api/v1/conversations", headers={"cookie": cookie})[0] == 200
    status, _, headers = request(
        server,
        "POST",
        "/console/logout",
        urllib.parse.urlencode({"csrf_token": csrf}),
        {"cookie": cookie, "content-type": "application/x-www-form-urlencoded"},
    )
    assert status == 303 and headers["location"] == "/console/login"
    status, target = console_page(server, cookie)  # a copy of the cookie kept by someone
    assert status == 303 and target.startswith("/console/login")
    assert request(server, "GET", "/api/v1/conversations", headers={"cookie": cookie})[0] == 401


def test_cookie_calls_that_change_something_need_the_csrf_header(server: Server) -> None:
    agent = server.create_agent()
    _, cookie, _ = console_login(server, agent["email"])
    assert cookie
    status, body, _ = request(server, "POST", "/api/v1/auth/logout", headers={"cookie": cookie})
    assert status == 403 and error_code(body) == "csrf_failed"
    assert console_page(server, cookie)[0] == 200  # nothing changed


# -- two-step login ---------------------------------------------------------------------


async def test_otp_is_required_checked_and_never_confirms_a_wrong_password(
    server: Server,
) -> None:
    agent = server.create_agent()
    enabled = json.loads((await cli(server, "agents", "otp", agent["email"])).stdout)
    assert set(enabled) == {"secret", "uri"}
    assert enabled["uri"].startswith("otpauth://totp/") and enabled["secret"] in enabled["uri"]
    totp = pyotp.TOTP(enabled["secret"])
    code = totp.now()
    wrong_code = f"{(int(code) + 500_000) % 1_000_000:06d}"
    address = unique_address()

    status, body = token_login(server, agent["email"], address=address)
    assert status == 401 and error_code(body) == "otp_required"
    status, body = token_login(server, agent["email"], otp=wrong_code, address=address)
    assert status == 401 and error_code(body) == "invalid_otp"
    for otp in (None, code, wrong_code, ""):
        status, body = token_login(server, agent["email"], "wrong-password", otp, address)
        assert status == 401 and error_code(body) == "invalid_credentials", otp
    # Five failures of this account from this address: it waits now, wherever the code is right.
    assert token_login(server, agent["email"], otp=totp.now(), address=address)[0] == 429
    status, body = token_login(server, agent["email"], otp=totp.now(), address=unique_address())
    assert status == 200 and conversations(server, body["token"]) == 200

    # The console's form: a field named otp, the same rules.
    assert 'name="otp"' in request(server, "GET", "/console/login")[1]
    status, cookie, page = console_login(server, agent["email"])
    assert status == 401 and cookie is None and 'name="otp"' in page
    status, cookie, _ = console_login(server, agent["email"], "wrong-password", totp.now())
    assert status == 401 and cookie is None
    status, cookie, _ = console_login(server, agent["email"], otp=totp.now())
    assert status == 303 and cookie and console_page(server, cookie)[0] == 200


# -- the agent socket -------------------------------------------------------------------


async def test_a_token_in_the_url_is_refused_at_the_handshake(server: Server) -> None:
    agent = server.create_agent()
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(f"{server.ws_base}/ws/agent?token={agent['token']}")
    assert refused.value.response.status_code == 403


async def test_an_auth_frame_first_opens_the_socket(server: Server) -> None:
    agent = server.create_agent()
    connected = await Agent.connect(server.ws_base, agent["token"])
    assert connected.welcome["agent"]["id"] == agent["id"]
    await connected.close()


async def test_a_bad_auth_frame_gets_unauthorized_and_4401(server: Server) -> None:
    agent = server.create_agent()
    for first in (
        {"type": "auth", "token": "forged"},
        {"type": "auth", "token": agent["token"] + "x"},
        {"type": "message.send", "conversation_id": "x", "client_id": "c", "text": "hi"},
        "not json",
    ):
        socket = await websockets.connect(f"{server.ws_base}/ws/agent")
        await socket.send(first if isinstance(first, str) else json.dumps(first))
        frame = json.loads(await asyncio.wait_for(socket.recv(), 5))
        assert frame["type"] == "error" and frame["code"] == "unauthorized", first
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(socket.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_a_socket_without_an_auth_frame_is_closed_after_5_seconds(server: Server) -> None:
    socket = await websockets.connect(f"{server.ws_base}/ws/agent")
    started = time.monotonic()
    frame = json.loads(await asyncio.wait_for(socket.recv(), 8))
    waited = time.monotonic() - started
    assert frame["type"] == "error" and frame["code"] == "unauthorized"
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
    assert 4.5 <= waited <= 6.5, waited


async def test_the_console_cookie_opens_the_socket_from_the_servers_own_pages_only(
    server: Server,
) -> None:
    agent = server.create_agent()
    _, cookie, _ = console_login(server, agent["email"])
    assert cookie
    own = await websockets.connect(
        f"{server.ws_base}/ws/agent",
        additional_headers={"cookie": cookie},
        origin=server.base,  # type: ignore[arg-type]
    )
    welcome = json.loads(await asyncio.wait_for(own.recv(), 10))
    assert welcome["type"] == "welcome" and welcome["agent"]["id"] == agent["id"]
    await own.close()
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(
            f"{server.ws_base}/ws/agent",
            additional_headers={"cookie": cookie},
            origin="https://evil.example",  # type: ignore[arg-type]
        )
    assert refused.value.response.status_code == 403


async def test_the_server_log_never_holds_the_token(tmp_path: Path) -> None:
    running = make_server(tmp_path, CHAT_LOG_LEVEL="debug")
    running.start()
    try:
        agent = running.create_agent()
        connected = await Agent.connect(running.ws_base, agent["token"])
        await connected.close()
        assert conversations(running, agent["token"]) == 200
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(f"{running.ws_base}/ws/agent?token={agent['token']}")
        await asyncio.sleep(0.5)
        assert running.log_path is not None
        log = running.log_path.read_text()
        assert "/ws/agent" in log  # the socket was logged, the secret was not
        assert agent["token"] not in log
    finally:
        running.kill()


# -- login limits -------------------------------------------------------------------------


def test_spraying_new_emails_from_one_address_gets_429(server: Server) -> None:
    address = unique_address()
    answers = [
        token_login(server, f"spray-{n}-{secrets.token_hex(3)}@example.com", address=address)
        for n in range(30)
    ]
    statuses = [status for status, _ in answers]
    assert statuses[:20] == [401] * 20, statuses
    assert statuses[20:] == [429] * 10, statuses
    assert error_code(answers[-1][1]) == "too_many_attempts"
    # The address is blocked, not the accounts: the right password elsewhere works.
    agent = server.create_agent()
    assert token_login(server, agent["email"], address=address)[0] == 429
    assert token_login(server, agent["email"], address=unique_address())[0] == 200


def test_failures_from_other_addresses_never_block_the_right_password(server: Server) -> None:
    agent = server.create_agent()
    guesser = unique_address()
    statuses = [token_login(server, agent["email"], "guess", address=guesser)[0] for _ in range(8)]
    assert statuses[-1] == 429 and 401 in statuses
    assert token_login(server, agent["email"], address=guesser)[0] == 429
    # A distributed attack: one guess from each of 60 addresses.
    spread = [unique_address() for _ in range(60)]
    for address in spread:
        token_login(server, agent["email"], "guess", address=address)
    assert token_login(server, agent["email"], address=spread[0])[0] == 429  # it failed itself
    status, body = token_login(server, agent["email"], address="203.0.113.250")
    assert status == 200 and conversations(server, body["token"]) == 200


def test_console_logins_are_limited_by_the_resolved_address(server: Server) -> None:
    agent = server.create_agent()
    address = unique_address()
    for _ in range(25):
        token_login(server, f"x-{secrets.token_hex(3)}@example.com", address=address)
    status, html, headers = request(server, "GET", "/console/login")
    seed = headers["set-cookie"].split(";")[0]
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = urllib.parse.urlencode(
        {"email": agent["email"], "password": PASSWORD, "csrf_token": csrf, "next": "/console/"}
    )
    status, _, _ = request(
        server,
        "POST",
        "/console/login",
        form,
        {
            "content-type": "application/x-www-form-urlencoded",
            "cookie": seed,
            "x-forwarded-for": address,
        },
    )
    assert status == 429


# -- password checks never stall the server ----------------------------------------------


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_healthz_answers_fast_while_24_bad_logins_run_at_once(own_server: Server) -> None:
    stop = threading.Event()
    worst = 0.0
    probes = 0

    def probe() -> None:
        nonlocal worst, probes
        while not stop.is_set():
            started = time.monotonic()
            status, _, _ = request(own_server, "GET", "/healthz")
            worst = max(worst, time.monotonic() - started)
            probes += 1
            assert status == 200
            time.sleep(0.02)

    def bad_login(n: int) -> int:
        email = f"hammer-{n}@example.com"
        return token_login(own_server, email, "wrong", address=unique_address())[0]

    prober = threading.Thread(target=probe)
    prober.start()
    started = time.monotonic()
    try:
        for _ in range(3):
            with concurrent.futures.ThreadPoolExecutor(24) as pool:
                results = list(pool.map(bad_login, range(24)))
            assert results == [401] * 24
    finally:
        stop.set()
        prober.join()
    took = time.monotonic() - started
    print(f"\n/healthz worst latency {worst * 1000:.0f} ms over {probes} probes "
          f"while 3 x 24 concurrent bad logins ran ({took:.1f} s)")  # fmt: skip
    assert worst < 0.5


def test_memory_does_not_grow_with_failed_logins_of_huge_emails(own_server: Server) -> None:
    assert own_server.process is not None
    pid = own_server.process.pid
    for n in range(20):  # warm up: the hashing threads, the connection pools
        token_login(own_server, f"warm-{n}@example.com", "wrong", address=unique_address())
    before = rss_bytes(pid)
    filler = "a" * (60 * 1024)
    for n in range(200):
        status, _ = token_login(
            own_server,
            f"{n}{secrets.token_hex(4)}{filler}@example.com",
            "x",
            address=unique_address(),
        )
        assert status in (401, 429)
    after = rss_bytes(pid)
    print(f"\nRSS before {before / 2**20:.1f} MiB, after 200 logins with 60 KB e-mails "
          f"{after / 2**20:.1f} MiB (+{(after - before) / 2**20:.1f} MiB)")  # fmt: skip
    assert after - before < 10 * 1024 * 1024


# -- several processes --------------------------------------------------------------------


@pytest.mark.backends
@pytest.mark.skipif(
    not os.environ.get("CHAT_TEST_REDIS_URL"),
    reason="needs CHAT_TEST_REDIS_URL (Redis); runs in make test's PostgreSQL + Redis pass, "
    "where a skip counts as a failure",
)
def test_login_limits_are_shared_by_processes_through_redis(tmp_path: Path) -> None:
    env = {"CHAT_SECRET_KEY": secrets.token_urlsafe(32)}
    first = make_server(tmp_path / "a", **env)
    second = make_server(tmp_path / "b", CHAT_DATABASE_URL=first.env["CHAT_DATABASE_URL"], **env)
    first.start()
    second.start()
    try:
        agent = first.create_agent()
        address = unique_address()
        for n in range(10):
            assert token_login(first, f"a{n}@example.com", address=address)[0] == 401
        for n in range(10):
            assert token_login(second, f"b{n}@example.com", address=address)[0] == 401
        status, body = token_login(first, agent["email"], address=address)
        assert status == 429 and error_code(body) == "too_many_attempts"
        assert token_login(second, agent["email"], address=address)[0] == 429
        assert token_login(second, agent["email"], address=unique_address())[0] == 200
    finally:
        first.kill()
        second.kill()
