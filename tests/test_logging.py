"""Log lines: time, level and logger on each, JSON on request, and never a secret.

End to end: a real server in each format, real sockets and requests carrying
secrets in their query strings, then its whole output read back.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
import websockets
from clients import Agent, Visitor
from conftest import Server, make_server

from chat_server.observe.log_setup import JsonFormatter, PlainFormatter, RedactSecrets

SECRET = "SECRET-d2f1c9"
PLAIN_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 (DEBUG|INFO|WARNING|ERROR|CRITICAL) "
    r"[A-Za-z_][\w.]*: "
)


def records(text: str, log_format: str) -> list[dict[str, Any]]:
    """Each line as {time, level, logger, message}; fails on a line of another shape."""
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        if log_format == "json":
            record = json.loads(line)
            assert isinstance(record, dict), line
            assert {"time", "level", "logger", "message"} <= set(record), line
        else:
            match = PLAIN_LINE.match(line)
            assert match, f"not a log line: {line!r}"
            _, level, rest = line.split(" ", 2)
            logger, _, message = rest.partition(": ")
            record = {"level": level, "logger": logger, "message": message}
        found.append(record)
    return found


@pytest.mark.parametrize("log_format", ["plain", "json"])
async def test_server_lines_have_a_shape_and_no_secret(tmp_path: Path, log_format: str) -> None:
    server: Server = make_server(tmp_path, CHAT_LOG_LEVEL="info", CHAT_LOG_FORMAT=log_format)
    server.start()
    try:
        site = server.create_site("Logged shop")
        agent = server.create_agent("agent")
        console = await Agent.connect(server.ws_base, agent["token"])  # what the console does
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(f"{server.ws_base}/ws/agent?token={SECRET}")
        visitor = await Visitor.connect(server.ws_base, site["key"])
        for query in (
            f"token={SECRET}",
            f"x=1&visitor_token={SECRET}&api_token={SECRET}",
            f"password={SECRET}&csrf_token={SECRET}",
        ):
            status, _ = server.api("GET", f"/api/v1/conversations?{query}")
            assert status == 401
        await visitor.close()
        await console.close()
    finally:
        server.stop()
    assert server.log_path is not None
    text = server.log_path.read_text()
    assert SECRET not in text
    assert agent["token"] not in text
    lines = records(text, log_format)
    assert any(
        r["logger"] == "chat_server.web.cli"
        and r["level"] == "INFO"
        and f"starting on http://127.0.0.1:{server.port}" in r["message"]
        for r in lines
    ), text
    assert any(
        r["logger"] == "uvicorn.error" and "Application startup complete" in r["message"]
        for r in lines
    ), text
    sockets = [
        r["message"]
        for r in lines
        if r["logger"] == "uvicorn.error" and "WebSocket" in r["message"]
    ]
    assert any('"WebSocket /ws/agent" [accepted]' in m for m in sockets), text
    assert any("/ws/agent?token=[redacted]" in m and "403" in m for m in sockets), text
    # The site key is public: it stays, so a visitor's socket can be told apart.
    assert any(f"/ws/visitor?site={site['key']}" in m for m in sockets), text


def test_a_bad_log_format_stops_the_server_with_one_line_naming_it(tmp_path: Path) -> None:
    server = make_server(tmp_path, CHAT_LOG_FORMAT="xml")
    result = server.cli("run", "--port", str(server.port), check=False)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "CHAT_LOG_FORMAT" in lines[0]


def test_other_commands_log_in_the_chosen_format(tmp_path: Path) -> None:
    server = make_server(tmp_path, CHAT_LOG_FORMAT="json")
    result = server.cli("sites", "create", "--name", "Quiet shop")
    assert json.loads(result.stdout)["name"] == "Quiet shop"
    # Nothing to say at the tests' level; any line there would be a JSON object.
    for line in result.stderr.splitlines():
        assert {"time", "level", "logger", "message"} <= set(json.loads(line)), line


def record(name: str, msg: str, *args: Any, exc: BaseException | None = None) -> logging.LogRecord:
    exc_info = (type(exc), exc, exc.__traceback__) if exc is not None else None
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, exc_info)


def redacted(item: logging.LogRecord) -> logging.LogRecord:
    assert RedactSecrets().filter(item)
    return item


def test_access_records_keep_their_shape_with_the_secret_redacted() -> None:
    item = redacted(
        record(
            "uvicorn.access",
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            f"/api/v1/conversations?site=pub&token={SECRET}&Password={SECRET}#x",
            "1.1",
            200,
        )
    )
    assert isinstance(item.args, tuple) and len(item.args) == 5  # uvicorn's formatter unpacks them
    assert item.getMessage() == (
        '127.0.0.1:5000 - "GET /api/v1/conversations?site=pub&token=[redacted]'
        '&Password=[redacted]#x HTTP/1.1" 200'
    )


def test_a_secret_inside_an_exception_is_redacted_in_both_formats() -> None:
    try:
        raise ValueError(f"cannot open ws://h/ws/agent?token={SECRET}")
    except ValueError as exc:
        error = exc
    for formatter in (PlainFormatter(), JsonFormatter()):
        item = redacted(record("chat_server.x", "failed: %s", error, exc=error))
        line = formatter.format(item)
        assert SECRET not in line
        assert "token=[redacted]" in line
    data = json.loads(JsonFormatter().format(redacted(record("chat_server.x", "boom", exc=error))))
    assert "ValueError" in data["exc_info"] and SECRET not in data["exc_info"]
    assert (data["level"], data["logger"], data["message"]) == ("INFO", "chat_server.x", "boom")


def test_the_json_formatter_names_the_fields() -> None:
    item = record("uvicorn.error", "Started server process [%d]", 42)
    item.color_message = "Started server process [\x1b[36m%d\x1b[0m]"
    data = json.loads(JsonFormatter().format(item))
    assert list(data) == ["time", "level", "logger", "message"]
    assert data["message"] == "Started server process [42]"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", data["time"])
    assert PLAIN_LINE.match(PlainFormatter().format(record("chat_server.web.cli", "x")))


def test_a_site_key_and_other_parameters_are_left_alone() -> None:
    text = "/ws/visitor?site=abc&tokens=1&my_token=2&tokenx=3"
    assert redacted(record("uvicorn.error", "%s", text)).getMessage() == text
