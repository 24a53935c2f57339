"""CHAT_METRICS_TOKEN: /metrics wants `Authorization: Bearer <token>` when it is set."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Server, make_server

TOKEN = "scrape-me-9f2c1d7e"


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("metrics"), CHAT_METRICS_TOKEN=TOKEN)
    running.start()
    yield running
    running.stop()


def scrape(server: Server, authorization: str | None) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(f"{server.base}/metrics")
    if authorization is not None:
        request.add_header("authorization", authorization)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def test_the_right_bearer_token_gets_the_metrics(guarded: Server) -> None:
    status, text, headers = scrape(guarded, f"Bearer {TOKEN}")
    assert status == 200
    assert headers["content-type"].startswith("text/plain")
    assert "chat_ws_connections" in text


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer wrong", f"Bearer {TOKEN}x", f"Basic {TOKEN}", TOKEN],
)
def test_anything_else_is_401_unauthorized_without_metrics(
    guarded: Server, authorization: str | None
) -> None:
    status, text, headers = scrape(guarded, authorization)
    assert status == 401
    assert '"code":"unauthorized"' in text.replace(" ", "")
    assert "chat_ws_connections" not in text
    assert headers["www-authenticate"].startswith("Bearer")


def test_the_scheme_is_case_insensitive(guarded: Server) -> None:
    assert scrape(guarded, f"bearer {TOKEN}")[0] == 200


def test_the_health_check_stays_open(guarded: Server) -> None:
    status, _, _ = scrape_path(guarded, "/healthz")
    assert status == 200


def scrape_path(server: Server, path: str) -> tuple[int, str, dict[str, str]]:
    with urllib.request.urlopen(f"{server.base}{path}", timeout=15) as response:
        return response.status, response.read().decode(), dict(response.headers)


def test_without_the_variable_metrics_stay_open(tmp_path: Path) -> None:
    open_server = make_server(tmp_path / "open")
    open_server.start()
    try:
        status, text, _ = scrape(open_server, None)
        assert status == 200
        assert "chat_ws_connections" in text
    finally:
        open_server.stop()
