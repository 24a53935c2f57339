"""The sites, agents and teams API and the ``sites`` commands, by role (CONTRACT sections 9, 14)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
import websockets
from clients import Visitor
from conftest import Server
from test_tenancy import make_account

SITE_FIELDS = {
    "id",
    "key",
    "name",
    "origins",
    "color",
    "greeting",
    "locale",
    "ip_mode",
    "retention_days",
    "search_params",
    "notify_emails",
    "routing",
    "assistant",
    "auto_invite",
}


class Team:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.a = server.create_site("Admin A")
        self.b = server.create_site("Admin B")
        self.agent_a = make_account(server, "agent", self.a["key"])
        self.agent_b = make_account(server, "agent", self.b["key"])
        self.manager_a = make_account(server, "manager", self.a["key"])
        self.admin = make_account(server, "admin")

    def call(
        self, who: dict[str, Any], method: str, path: str, body: Any = None
    ) -> tuple[int, Any]:
        return self.server.api(method, path, who["token"], body)


@pytest.fixture(scope="module")
def team(server: Server) -> Team:
    return Team(server)


def test_sites_are_listed_by_scope_and_created_by_admins_only(team: Team) -> None:
    status, body = team.call(team.agent_a, "GET", "/api/v1/sites")
    assert status == 200 and [s["id"] for s in body["sites"]] == [team.a["id"]]
    assert set(body["sites"][0]) == SITE_FIELDS
    assert body["sites"][0]["routing"] is True and body["sites"][0]["assistant"] == "off"
    for who in (team.agent_a, team.manager_a):
        status, body = team.call(who, "POST", "/api/v1/sites", {"name": "Sneaky"})
        assert status == 403 and body["error"]["code"] == "forbidden"
        status, _ = team.call(who, "PATCH", f"/api/v1/sites/{team.a['id']}", {"name": "Mine"})
        assert status == 403
    status, created = team.call(
        team.admin,
        "POST",
        "/api/v1/sites",
        {"name": "Yeni Mağaza", "origins": ["https://yeni.example:443"], "locale": "tr"},
    )
    assert status == 201, created
    assert created["origins"] == ["https://yeni.example"] and created["locale"] == "tr"
    assert created["key"] and set(created) == SITE_FIELDS
    _, listed = team.call(team.admin, "GET", "/api/v1/sites")
    assert created["id"] in {s["id"] for s in listed["sites"]}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("origins", ["not an origin"]),
        ("color", "red"),
        ("greeting", {"de": "Hallo"}),
        ("locale", "de"),
        ("ip_mode", "partial"),
        ("retention_days", -1),
        ("search_params", [""]),
        ("notify_emails", ["nobody"]),
        ("routing", "yes"),
        ("assistant", "sometimes"),
        ("auto_invite", [{"url_contains": 3}]),
        ("no_such_setting", 1),
    ],
)
def test_a_bad_site_setting_is_refused_and_nothing_changes(
    team: Team, field: str, value: Any
) -> None:
    path = f"/api/v1/sites/{team.b['id']}"
    _, before = team.call(team.admin, "GET", path)
    status, body = team.call(team.admin, "PATCH", path, {"color": "#123456", field: value})
    assert status == 422, body
    assert body["error"]["code"] == f"invalid_{field}"
    _, after = team.call(team.admin, "GET", path)
    assert after == before


def test_site_settings_are_changed_flat(team: Team) -> None:
    path = f"/api/v1/sites/{team.b['id']}"
    change = {
        "name": "Admin B (renamed)",
        "color": "#2563eb",
        "greeting": {"tr": "Merhaba!", "en": "Hello!"},
        "notify_emails": ["Shop@B.example"],
        "routing": False,
        "assistant": "offline",
        "retention_days": 30,
        "search_params": ["ara"],
        "ip_mode": "truncate",
    }
    status, body = team.call(team.admin, "PATCH", path, change)
    assert status == 200, body
    assert body["notify_emails"] == ["shop@b.example"]
    assert {k: body[k] for k in change if k != "notify_emails"} == {
        k: v for k, v in change.items() if k != "notify_emails"
    }
    status, body = team.call(team.admin, "PATCH", "/api/v1/sites/nope", {"name": "x"})
    assert status == 404 and body["error"]["code"] == "not_found"


async def test_an_origin_change_reaches_the_visitor_socket_within_seconds(team: Team) -> None:
    site = team.server.create_site("Origin shop", ("https://one.example",))
    visitor = await Visitor.connect(team.server.ws_base, site["key"], origin="https://one.example")
    await visitor.close()
    status, _ = team.call(
        team.admin, "PATCH", f"/api/v1/sites/{site['id']}", {"origins": ["https://two.example"]}
    )
    assert status == 200
    deadline = time.monotonic() + 5
    while True:
        try:
            visitor = await Visitor.connect(
                team.server.ws_base, site["key"], origin="https://one.example"
            )
            await visitor.close()
        except websockets.InvalidStatus:
            break
        assert time.monotonic() < deadline, "the old origin is still accepted after 5 s"


def test_the_agent_directory_by_role(team: Team) -> None:
    status, body = team.call(team.agent_a, "GET", "/api/v1/agents")
    assert status == 200
    mine = {entry["id"]: entry for entry in body["agents"]}
    assert team.agent_a["id"] in mine and team.manager_a["id"] in mine
    assert team.agent_b["id"] not in mine  # shares no site
    entry = mine[team.manager_a["id"]]
    assert {"id", "name", "status", "open_chats", "sites", "teams"} <= set(entry)
    assert "email" not in entry and "role" not in entry
    assert entry["status"] == "offline" and entry["sites"] == [team.a["id"]]
    _, body = team.call(team.manager_a, "GET", "/api/v1/agents")
    entry = {e["id"]: e for e in body["agents"]}[team.agent_a["id"]]
    assert entry["email"] == team.agent_a["email"] and entry["role"] == "agent"
    assert entry["active"] is True and entry["max_chats"] == 5


def test_admins_create_agents_and_every_field_is_checked(team: Team) -> None:
    new = {
        "email": "Yeni.Temsilci@example.com",
        "name": "Yeni Temsilci",
        "role": "agent",
        "password": "long-enough-pass",
        "sites": [team.a["id"]],
        "max_chats": 3,
    }
    status, body = team.call(team.manager_a, "POST", "/api/v1/agents", new)
    assert status == 403
    status, body = team.call(team.admin, "POST", "/api/v1/agents", {**new, "sites": []})
    assert status == 422 and body["error"]["code"] == "invalid_sites"
    status, body = team.call(team.admin, "POST", "/api/v1/agents", {**new, "sites": ["nope"]})
    assert status == 422 and body["error"]["code"] == "invalid_sites"
    status, body = team.call(team.admin, "POST", "/api/v1/agents", {**new, "max_chats": -1})
    assert status == 422 and body["error"]["code"] == "invalid_max_chats"
    status, created = team.call(team.admin, "POST", "/api/v1/agents", new)
    assert status == 201, created
    assert created["email"] == "yeni.temsilci@example.com" and "password" not in created
    assert created["sites"] == [team.a["id"]] and created["max_chats"] == 3
    status, body = team.server.api(
        "POST",
        "/api/v1/auth/token",
        body={"email": "yeni.temsilci@example.com", "password": "long-enough-pass"},
    )
    assert status == 200
    _, sites = team.server.api("GET", "/api/v1/sites", body["token"])
    assert [s["id"] for s in sites["sites"]] == [team.a["id"]]
    status, everywhere = team.call(
        team.admin, "POST", "/api/v1/agents", {**new, "email": "every@example.com", "sites": None}
    )
    assert status == 201 and everywhere["all_sites"] is True


def test_managers_change_only_capacity_teams_and_active_of_their_agents(team: Team) -> None:
    agent_a = f"/api/v1/agents/{team.agent_a['id']}"
    for change in ({"role": "admin"}, {"sites": [team.a["id"]]}, {"name": "x"}):
        status, body = team.call(team.manager_a, "PATCH", agent_a, change)
        assert status == 403 and body["error"]["code"] == "forbidden", change
    status, body = team.call(team.manager_a, "PATCH", agent_a, {"max_chats": 2})
    assert status == 200 and body["max_chats"] == 2
    status, body = team.call(
        team.manager_a, "PATCH", f"/api/v1/agents/{team.agent_b['id']}", {"max_chats": 2}
    )
    assert status == 404 and body["error"]["code"] == "not_found"
    status, _ = team.call(team.agent_a, "PATCH", agent_a, {"max_chats": 9})
    assert status == 403
    status, body = team.call(team.admin, "PATCH", agent_a, {"sites": []})
    assert status == 422 and body["error"]["code"] == "invalid_sites"


def test_deactivating_through_the_api_refuses_the_token(team: Team) -> None:
    leaving = make_account(team.server, "agent", team.a["key"])
    assert team.call(leaving, "GET", "/api/v1/conversations")[0] == 200
    status, body = team.call(
        team.manager_a, "PATCH", f"/api/v1/agents/{leaving['id']}", {"active": False}
    )
    assert status == 200 and body["active"] is False
    status, body = team.call(leaving, "GET", "/api/v1/conversations")
    assert status == 401 and body["error"]["code"] == "unauthorized"


def test_teams_by_role_and_scope(team: Team) -> None:
    body = {"name": "Kargo ekibi", "site_ids": [team.a["id"]], "agent_ids": [team.agent_a["id"]]}
    status, _ = team.call(team.agent_a, "POST", "/api/v1/teams", body)
    assert status == 403
    status, created = team.call(team.manager_a, "POST", "/api/v1/teams", body)
    assert status == 201, created
    assert created["site_ids"] == [team.a["id"]] and created["agent_ids"] == [team.agent_a["id"]]
    status, body = team.call(
        team.manager_a, "POST", "/api/v1/teams", {"name": "B's", "site_ids": [team.b["id"]]}
    )
    assert status == 404
    status, body = team.call(team.manager_a, "POST", "/api/v1/teams", {"name": ""})
    assert status == 422 and body["error"]["code"] == "invalid_name"
    _, listed = team.call(team.agent_a, "GET", "/api/v1/teams")
    assert created["id"] in {t["id"] for t in listed["teams"]}
    _, listed = team.call(team.agent_b, "GET", "/api/v1/teams")
    assert created["id"] not in {t["id"] for t in listed["teams"]}
    _, directory = team.call(team.agent_a, "GET", "/api/v1/agents")
    me = {e["id"]: e for e in directory["agents"]}[team.agent_a["id"]]
    assert created["id"] in me["teams"]
    status, renamed = team.call(
        team.manager_a, "PATCH", f"/api/v1/teams/{created['id']}", {"name": "İade ekibi"}
    )
    assert status == 200 and renamed["name"] == "İade ekibi"
    status, _ = team.call(team.manager_a, "DELETE", f"/api/v1/teams/{created['id']}")
    assert status == 200
    _, listed = team.call(team.admin, "GET", "/api/v1/teams")
    assert created["id"] not in {t["id"] for t in listed["teams"]}


def test_sites_list_and_update_on_the_command_line(team: Team) -> None:
    server = team.server
    listed = json.loads(server.cli("sites", "list").stdout)
    assert isinstance(listed, list) and team.a["id"] in {s["id"] for s in listed}
    site = server.create_site("CLI shop", ("https://a.example",))
    updated = json.loads(
        server.cli(
            "sites", "update", site["key"], "--origin", "https://b.example", "https://c.example"
        ).stdout
    )
    assert updated["origins"] == ["https://b.example", "https://c.example"]
    updated = json.loads(
        server.cli("sites", "update", site["id"], "--add-origin", "https://d.example").stdout
    )
    assert updated["origins"] == ["https://b.example", "https://c.example", "https://d.example"]
    updated = json.loads(
        server.cli(
            "sites",
            "update",
            site["key"],
            "--notify-email",
            "a@shop.example",
            "b@shop.example",
            "--greeting-tr",
            "Merhaba",
            "--routing",
            "off",
        ).stdout
    )
    assert updated["notify_emails"] == ["a@shop.example", "b@shop.example"]
    assert updated["greeting"] == {"tr": "Merhaba", "en": None} and updated["routing"] is False
    refused = server.cli("sites", "update", site["key"], "--add-origin", "nonsense", check=False)
    assert refused.returncode == 1 and "origins" in refused.stderr
    missing = server.cli("sites", "update", "no-such-site", "--color", "#123456", check=False)
    assert missing.returncode == 1
    _, agents = server.api("GET", "/api/v1/agents", team.admin["token"])
    entry = {e["id"]: e for e in agents["agents"]}[team.agent_b["id"]]
    assert entry["sites"] == [team.b["id"]]  # created with --site KEY
