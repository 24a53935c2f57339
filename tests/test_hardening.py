"""The edges a stranger can reach: body sizes, headers, zone names, NUL, last_seq, hello, files."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import stat
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from clients import Agent, Visitor
from conftest import PASSWORD, Server, make_server

HUGE_SEQS = [2**31, 2**63, 10**30]


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError("no VmHWM")


def raw_request(server: Server, head: str, body: bytes, timeout: float = 5.0) -> tuple[int, bytes]:
    """Send ``head`` and as much of ``body`` as the server takes; the status and body
    of its answer (read as soon as it comes, before the body is all sent)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=timeout) as sock:
        sock.sendall(head.encode())
        sock.settimeout(0.05)
        sent, answer = 0, b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                answer += sock.recv(65536)
                if answer and b"\r\n\r\n" in answer:
                    break
            except TimeoutError:
                pass
            if sent < len(body):
                try:
                    sock.sendall(body[sent : sent + 256 * 1024])
                    sent += 256 * 1024
                except OSError:
                    sent = len(body)  # the server closed its end: read what it said
        sock.settimeout(timeout)
        head_part, _, body_part = answer.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head_part.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            None,
        )
        try:
            while length is None or len(body_part) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                body_part += chunk
        except OSError:
            pass
    status_line = head_part.partition(b"\r\n")[0]
    assert status_line, "no answer"
    return int(status_line.split()[1]), body_part


def error_code(body: bytes) -> str:
    return str(json.loads(body)["error"]["code"])


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, Any]:
    return server.create_agent("admin", "Admin")


@pytest.fixture(scope="module")
def manager(server: Server) -> dict[str, Any]:
    return server.create_agent("manager", "Manager")


def console_login(base_port: int, email: str) -> http.client.HTTPResponse:
    """Log in through the console's form; the answer to the POST (its cookies unread)."""
    connection = http.client.HTTPConnection("127.0.0.1", base_port, timeout=10)
    connection.request("GET", "/console/login")
    page = connection.getresponse()
    html = page.read().decode()
    seed = next(
        value.split(";")[0]
        for key, value in page.getheaders()
        if key.lower() == "set-cookie" and value.startswith("chat_login=")
    )
    csrf = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    form = urllib.parse.urlencode(
        {"email": email, "password": PASSWORD, "csrf_token": csrf, "next": "/console/"}
    )
    connection.request(
        "POST",
        "/console/login",
        form,
        {"content-type": "application/x-www-form-urlencoded", "cookie": seed},
    )
    answer = connection.getresponse()
    answer.read()
    return answer


def session_cookie(answer: http.client.HTTPResponse) -> str:
    return next(
        value.split(";")[0]
        for key, value in answer.getheaders()
        if key.lower() == "set-cookie" and value.startswith("chat_session=")
    )


# -- body limits ---------------------------------------------------------------------


def test_a_150_mb_login_body_is_refused_unread_and_memory_stays_low(server: Server) -> None:
    assert server.process is not None
    before = peak_rss_kib(server.process.pid)
    head = (
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        f"content-length: {150 * 1024 * 1024}\r\n\r\n"
    )
    started = time.monotonic()
    status, body = raw_request(server, head, b"x" * (4 * 1024 * 1024))
    assert status == 413
    assert error_code(body) == "too_large"
    assert time.monotonic() - started < 3
    assert peak_rss_kib(server.process.pid) - before < 20 * 1024


def test_a_chunked_login_body_is_cut_off_at_64_kib(server: Server) -> None:
    chunk = b'{"email": "' + b"a" * 70_000 + b'", "password": "x"}'
    head = (
        "POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        "transfer-encoding: chunked\r\n\r\n"
    )
    body = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n0\r\n\r\n"
    status, answer = raw_request(server, head, body)
    assert status == 413
    assert error_code(answer) == "too_large"


def test_a_2_mb_json_body_is_refused_and_a_smaller_one_is_read(
    server: Server, admin: dict[str, Any]
) -> None:
    big = json.dumps({"first_response_seconds": 30, "pad": "x" * (2 * 1024 * 1024)}).encode()
    head = (
        "PUT /api/v1/sla HTTP/1.1\r\nHost: x\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {admin['token']}\r\ncontent-length: {len(big)}\r\n\r\n"
    )
    status, answer = raw_request(server, head, big)
    assert status == 413
    assert error_code(answer) == "too_large"
    # Chunked, without a length to refuse up front: counted as it is read.
    head = head.replace(f"content-length: {len(big)}", "transfer-encoding: chunked")
    status, answer = raw_request(
        server, head, f"{len(big):x}\r\n".encode() + big + b"\r\n0\r\n\r\n"
    )
    assert status == 413
    assert error_code(answer) == "too_large"
    # 200 KB is under the JSON limit (though over the login one): read, then judged.
    status, body = server.api(
        "PUT", "/api/v1/sla", admin["token"], {"first_response_seconds": 30, "pad": "x" * 200_000}
    )
    assert status == 400
    assert body["error"]["code"] != "too_large"


# -- headers -----------------------------------------------------------------------


def header_map(answer: http.client.HTTPResponse) -> dict[str, str]:
    return {key.lower(): value for key, value in answer.getheaders()}


def get(server: Server, path: str, headers: dict[str, str] | None = None) -> dict[str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    answer = connection.getresponse()
    answer.read()
    return {"status": str(answer.status), **header_map(answer)}


def test_the_console_carries_a_strict_policy(server: Server, agent: dict[str, Any]) -> None:
    cookie = session_cookie(console_login(server.port, agent["email"]))
    for path in ("/console/", "/console/login"):
        headers = get(server, path, {"cookie": cookie} if path == "/console/" else None)
        assert headers["status"] == "200", path
        policy = headers["content-security-policy"]
        directives = {part.split()[0]: part.split()[1:] for part in policy.split("; ")}
        assert directives["script-src"] == ["'self'"]
        assert "'unsafe-inline'" not in policy
        assert directives["frame-ancestors"] == ["'none'"]
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"] == "no-store"
        assert headers["referrer-policy"]
    static = get(server, "/console/static/console.css")
    assert static["x-content-type-options"] == "nosniff"
    assert static.get("cache-control") != "no-store"


def test_api_answers_widget_and_demo_headers(server: Server, agent: dict[str, Any]) -> None:
    api = get(server, "/api/v1/conversations", {"authorization": f"Bearer {agent['token']}"})
    assert api["status"] == "200"
    assert api["x-content-type-options"] == "nosniff"
    assert api["cache-control"] == "no-store"
    refused = get(server, "/api/v1/conversations")
    assert refused["status"] == "401"
    assert refused["x-content-type-options"] == "nosniff"
    widget = get(server, "/widget.js")
    assert widget["status"] == "200"
    assert widget["x-content-type-options"] == "nosniff"
    assert "public" in widget["cache-control"]
    assert "content-security-policy" not in widget
    demo = get(server, "/demo/")
    assert demo["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in demo
    assert "strict-transport-security" not in demo  # no https public URL here


def test_an_https_public_url_makes_cookies_secure_and_sends_hsts(tmp_path: Path) -> None:
    running = make_server(tmp_path / "https", CHAT_PUBLIC_URL="https://chat.example.com")
    running.start()
    try:
        agent = running.create_agent("agent")
        answer = console_login(running.port, agent["email"])
        cookies = [v for k, v in answer.getheaders() if k.lower() == "set-cookie"]
        assert any(c.startswith("chat_session=") for c in cookies)
        assert all("secure" in c.lower().split("; ") for c in cookies), cookies
        assert header_map(answer)["strict-transport-security"] == "max-age=31536000"
        assert get(running, "/healthz")["strict-transport-security"] == "max-age=31536000"
    finally:
        running.stop()


def test_a_public_url_that_is_not_http_stops_the_server(tmp_path: Path) -> None:
    running = make_server(tmp_path / "bad-url", CHAT_PUBLIC_URL="ftp://chat.example.com")
    result = running.cli("migrate", check=False)
    assert result.returncode == 2
    assert "CHAT_PUBLIC_URL" in result.stderr


# -- time zones --------------------------------------------------------------------

BAD_ZONES = ["A" * 300, "Mars/Olympus", "Europe", "../../etc/passwd", "Europe/../UTC", "/etc"]


def test_bad_tz_names_on_stats_get_400(server: Server, manager: dict[str, Any]) -> None:
    for name in BAD_ZONES:
        query = urllib.parse.urlencode({"tz": name})
        status, body = server.api("GET", f"/api/v1/stats/overview?{query}", manager["token"])
        assert status == 400, (name, body)
        assert body["error"]["code"] == "invalid_parameter"
    status, body = server.api("GET", "/api/v1/stats/overview?tz=Europe/Istanbul", manager["token"])
    assert status == 200, body


def test_bad_zone_names_in_business_hours_get_400(server: Server, admin: dict[str, Any]) -> None:
    for name in BAD_ZONES:
        hours = {"timezone": name, "intervals": {"mon": [["09:00", "18:00"]]}}
        status, body = server.api(
            "PUT",
            "/api/v1/sla",
            admin["token"],
            {"first_response_seconds": 60, "next_response_seconds": 120, "business_hours": hours},
        )
        assert status == 400, (name, body)
        assert body["error"]["code"] == "invalid_parameter"


# -- NUL ---------------------------------------------------------------------------


@pytest.mark.backends
async def test_nul_in_a_visitor_message_is_refused_and_the_socket_stays_usable(
    server: Server, site: dict[str, Any], agent: dict[str, Any]
) -> None:
    shopper = await Visitor.connect(server.ws_base, site["key"])
    await shopper.send({"type": "message.send", "client_id": "nul-1", "text": "a\x00b"})
    refused = await shopper.expect("error")
    assert refused["code"] == "invalid_text"
    assert refused["ref"] == "nul-1"
    await shopper.send({"type": "page.view", "url": "https://shop.example/\x00", "title": "x"})
    assert (await shopper.expect("error"))["code"] == "invalid_text"
    ack = await shopper.say("still here")
    assert ack["message"]["text"] == "still here"

    console = await Agent.connect(server.ws_base, agent["token"])
    conversation_id = ack["message"]["conversation_id"]
    await console.send(
        {
            "type": "message.send",
            "conversation_id": conversation_id,
            "client_id": "nul-2",
            "text": "\x00",
        }
    )
    assert (await console.expect("error", ref="nul-2"))["code"] == "invalid_text"
    reply = await console.say(conversation_id, "answer")
    assert reply["message"]["seq"] == 2
    await console.close()
    await shopper.close()


@pytest.mark.backends
def test_nul_in_rest_bodies_and_queries_gets_400(server: Server, admin: dict[str, Any]) -> None:
    status, body = server.api(
        "PUT",
        "/api/v1/sla",
        admin["token"],
        {"first_response_seconds": 60, "next_response_seconds": 60, "site_id": "x\x00"},
    )
    assert (status, body["error"]["code"]) == (400, "invalid_text")
    status, body = server.api("GET", "/api/v1/conversations?status=open%00", admin["token"])
    assert (status, body["error"]["code"]) == (400, "invalid_text")
    status, body = server.api(
        "POST", "/api/v1/auth/token", None, {"email": "a\x00@example.com", "password": "x"}
    )
    assert (status, body["error"]["code"]) == (400, "invalid_text")


# -- last_seq ----------------------------------------------------------------------


@pytest.mark.backends
async def test_a_last_seq_beyond_anything_stored_gets_no_backlog_but_live_messages(
    server: Server, site: dict[str, Any], agent: dict[str, Any]
) -> None:
    first = await Visitor.connect(server.ws_base, site["key"])
    conversation_id = (await first.say("hello"))["message"]["conversation_id"]
    await first.close()
    console = await Agent.connect(server.ws_base, agent["token"])
    for huge in HUGE_SEQS:
        back = await Visitor.connect(server.ws_base, site["key"], token=first.token, last_seq=huge)
        assert back.welcome["conversation"]["id"] == conversation_id
        assert [f for f in await back.drain(0.3) if f["type"] == "message.created"] == []
        reply = await console.say(conversation_id, f"for {huge}")
        live = await back.expect("message.created")
        assert live["message"]["seq"] == reply["message"]["seq"]
        await back.close()
    await console.close()


# -- hello deadline ----------------------------------------------------------------


@pytest.fixture(scope="module")
def impatient(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("impatient"), CHAT_HELLO_TIMEOUT_SECONDS="1")
    running.start()
    yield running
    running.stop()


async def test_a_visitor_socket_without_hello_is_closed_with_1008(impatient: Server) -> None:
    site = impatient.create_site("Impatient shop")
    url = f"{impatient.ws_base}/ws/visitor?site={site['key']}"
    silent = await websockets.connect(url)
    chatty = await websockets.connect(url)  # frames, but never a hello that works
    await chatty.send(json.dumps({"type": "typing", "active": True}))
    assert json.loads(await chatty.recv())["code"] == "hello_required"
    started = time.monotonic()
    for connection in (silent, chatty):
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), 5)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    assert time.monotonic() - started < 3
    # A visitor who said hello in time stays well past the deadline.
    visitor = await Visitor.connect(impatient.ws_base, site["key"])
    await asyncio.sleep(1.5)
    assert (await visitor.say("still open"))["message"]["seq"] == 1
    await visitor.close()


# -- data files ----------------------------------------------------------------------


def test_the_data_dir_and_database_are_owner_only(tmp_path: Path) -> None:
    data_dir = tmp_path / "private"
    data_dir.mkdir(mode=0o755)
    old = data_dir / "left-by-an-old-version.json"
    old.write_text("{}")
    old.chmod(0o644)
    running = make_server(data_dir)
    running.env.pop("CHAT_DATABASE_URL")  # the default: chat.db in the data dir
    running.start()
    try:
        site = running.create_site("Modes")

        async def chat() -> None:
            visitor = await Visitor.connect(running.ws_base, site["key"])
            await visitor.say("make the WAL")
            await visitor.close()

        asyncio.run(chat())

        def mode(path: Path) -> int:
            return stat.S_IMODE(path.stat().st_mode)

        assert mode(data_dir) == 0o700
        assert mode(old) == 0o600
        written = [data_dir / "chat.db", data_dir / "secret_key"]
        written += [p for p in data_dir.iterdir() if p.name.startswith("chat.db-")]
        assert len(written) >= 3, list(data_dir.iterdir())
        for path in written:
            assert mode(path) == 0o600, path
    finally:
        running.stop()
