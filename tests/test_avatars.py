"""Agent avatars and two-factor login from the admin screens' API, on a real server.

``GET /api/v1/agents/{id}/avatar`` always answers an image (the picture, else the
initials); ``PUT`` takes a small PNG, JPEG or WebP ``data:`` URL from the agent itself or
an admin, judged by its bytes; ``POST/DELETE /api/v1/agents/{id}/otp`` turn two-factor
login on and off.
"""

from __future__ import annotations

import base64
import urllib.request
from typing import Any

import pyotp
from conftest import PASSWORD, Server, http

# The smallest valid PNG: one transparent pixel.
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def data_url(data: bytes, kind: str = "image/png") -> str:
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


def fetch_avatar(server: Server, agent_id: str) -> tuple[int, str, bytes]:
    url = f"{server.base}/api/v1/agents/{agent_id}/avatar"
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read()


def put_avatar(server: Server, who: dict[str, Any], target: str, avatar: Any) -> tuple[int, Any]:
    return server.api("PUT", f"/api/v1/agents/{target}/avatar", who["token"], {"avatar": avatar})


def test_an_agent_without_a_picture_shows_its_initials(server: Server) -> None:
    agent = server.create_agent("agent", name="Zeynep Kaya")
    status, kind, body = fetch_avatar(server, agent["id"])
    assert status == 200
    assert kind.startswith("image/svg+xml")
    assert b">ZK</text>" in body


def test_an_agent_sets_its_own_picture_and_everyone_sees_it(server: Server) -> None:
    agent = server.create_agent("agent", name="Ali Veli")
    status, body = put_avatar(server, agent, agent["id"], data_url(PIXEL_PNG))
    assert status == 200, body
    status, kind, image = fetch_avatar(server, agent["id"])
    assert (status, kind, image) == (200, "image/png", PIXEL_PNG)
    status, body = put_avatar(server, agent, agent["id"], None)
    assert status == 200, body
    assert fetch_avatar(server, agent["id"])[1].startswith("image/svg+xml")


def test_a_picture_is_judged_by_its_bytes_and_its_size(server: Server) -> None:
    agent = server.create_agent("agent")
    html_as_png = data_url(b"<html><script>alert(1)</script></html>")
    status, body = put_avatar(server, agent, agent["id"], html_as_png)
    assert (status, body["error"]["code"]) == (415, "unsupported_type")
    too_big = data_url(PIXEL_PNG + b"\0" * (64 * 1024))
    status, body = put_avatar(server, agent, agent["id"], too_big)
    assert (status, body["error"]["code"]) == (413, "too_large")
    status, body = put_avatar(server, agent, agent["id"], "https://example.com/me.png")
    assert (status, body["error"]["code"]) == (422, "invalid_avatar")
    assert fetch_avatar(server, agent["id"])[1].startswith("image/svg+xml")


def test_only_the_agent_itself_or_an_admin_changes_a_picture(server: Server) -> None:
    agent = server.create_agent("agent")
    colleague = server.create_agent("agent")
    manager = server.create_agent("manager")
    admin = server.create_agent("admin")
    status, body = put_avatar(server, colleague, agent["id"], data_url(PIXEL_PNG))
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = put_avatar(server, manager, agent["id"], data_url(PIXEL_PNG))
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = put_avatar(server, admin, agent["id"], data_url(PIXEL_PNG))
    assert status == 200, body
    assert fetch_avatar(server, agent["id"])[2] == PIXEL_PNG


def test_an_admin_turns_two_factor_login_on_and_off(server: Server) -> None:
    server.create_site("Two-factor shop")
    agent = server.create_agent("agent")
    admin = server.create_agent("admin")
    status, body = server.api("POST", f"/api/v1/agents/{agent['id']}/otp", agent["token"])
    assert (status, body["error"]["code"]) == (403, "forbidden")
    status, body = server.api("POST", f"/api/v1/agents/{agent['id']}/otp", admin["token"])
    assert status == 200, body
    assert body["uri"].startswith("otpauth://totp/")
    login = {"email": agent["email"], "password": PASSWORD}
    status, answer = http("POST", f"{server.base}/api/v1/auth/token", login)
    assert (status, answer["error"]["code"]) == (401, "otp_required")
    code = pyotp.TOTP(body["secret"]).now()
    status, answer = http("POST", f"{server.base}/api/v1/auth/token", {**login, "otp": code})
    assert status == 200, answer
    status, listed = server.api("GET", "/api/v1/agents", admin["token"])
    entry = next(a for a in listed["agents"] if a["id"] == agent["id"])
    assert entry["two_factor"] is True
    status, body = server.api("DELETE", f"/api/v1/agents/{agent['id']}/otp", admin["token"])
    assert status == 200, body
    status, answer = http("POST", f"{server.base}/api/v1/auth/token", login)
    assert status == 200, answer
