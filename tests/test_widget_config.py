"""``GET /api/v1/widget/config``: what the widget reads first, over real HTTP (CORS)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Sink
from conftest import Server, make_server
from support.servers import free_port


def get_config(
    server: Server, key: str, origin: str | None = None
) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(f"{server.base}/api/v1/widget/config?site={key}")
    if origin is not None:
        request.add_header("origin", origin)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_an_allowed_origin_gets_the_settings_with_cors(server: Server) -> None:
    shop = server.create_site("Config shop", origins=("https://shop.example",))
    status, headers, body = get_config(server, shop["key"], "https://shop.example")
    assert status == 200
    assert headers["access-control-allow-origin"] == "https://shop.example"
    assert "Origin" in headers["vary"]
    assert body["site"]["name"] == "Config shop"
    assert set(body["site"]) >= {"name", "color", "greeting", "locale"}
    assert body["agents_online"] == 0
    assert body["email"] is False  # no CHAT_SMTP_URL on this server
    assert body["assistant"] == "off"


def test_agents_online_counts_the_sites_agents(server: Server) -> None:
    shop = server.create_site("Staffed shop")
    status, _, body = get_config(server, shop["key"])  # no Origin: not a browser page
    assert status == 200
    assert body["agents_online"] >= 0


def test_an_origin_the_site_does_not_allow_is_told_how_to_allow_it(server: Server) -> None:
    shop = server.create_site("Strict shop", origins=("http://127.0.0.1:8080",))
    status, headers, body = get_config(server, shop["key"], "http://localhost:8080")
    assert status == 403
    assert body["error"]["code"] == "origin_not_allowed"
    # The browser may read the refusal (CORS on errors too) and the message says what to do.
    assert headers["access-control-allow-origin"] == "http://localhost:8080"
    command = f"chat-server sites update {shop['key']} --add-origin http://localhost:8080"
    assert command in body["error"]["message"]
    # Following the advice keeps the old origin and allows the new one.
    server.cli("sites", "update", shop["key"], "--add-origin", "http://localhost:8080")
    # The command is another process: the server learns of it within 5 s (CONTRACT §14).
    deadline = time.monotonic() + 5
    while get_config(server, shop["key"], "http://localhost:8080")[0] != 200:
        assert time.monotonic() < deadline, "the new origin was not allowed within 5 s"
        time.sleep(0.2)
    assert get_config(server, shop["key"], "http://127.0.0.1:8080")[0] == 200
    assert get_config(server, shop["key"], "http://elsewhere.example")[0] == 403


def test_an_unknown_site_is_not_found(server: Server) -> None:
    status, headers, body = get_config(server, "no-such-key", "https://shop.example")
    assert status == 404
    assert body["error"]["code"] == "not_found"
    assert headers["access-control-allow-origin"] == "https://shop.example"


@pytest.fixture
def smtp_relay() -> Iterator[str]:
    port = free_port()
    relay = Controller(Sink(), hostname="127.0.0.1", port=port)
    relay.start()
    yield f"smtp://127.0.0.1:{port}"
    relay.stop()


def test_email_is_offered_when_an_smtp_server_is_configured(
    tmp_path: Path, smtp_relay: str
) -> None:
    mailing = make_server(tmp_path / "mail", CHAT_SMTP_URL=smtp_relay)
    mailing.start()
    try:
        shop = mailing.create_site("Mailing shop")
        status, _, body = get_config(mailing, shop["key"])
        assert status == 200
        assert body["email"] is True
    finally:
        mailing.stop()


def test_a_preflight_for_a_page_that_adds_headers_is_answered(server: Server) -> None:
    request = urllib.request.Request(
        f"{server.base}/api/v1/widget/config?site=any", method="OPTIONS"
    )
    request.add_header("origin", "https://shop.example")
    request.add_header("access-control-request-method", "GET")
    request.add_header("access-control-request-headers", "x-forwarded-for")
    with urllib.request.urlopen(request, timeout=15) as response:
        assert response.status == 204
        assert response.headers["access-control-allow-origin"] == "https://shop.example"
        assert response.headers["access-control-allow-headers"] == "x-forwarded-for"
