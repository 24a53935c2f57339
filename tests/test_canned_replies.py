"""Canned replies (issue 12): CRUD, roles, tenancy, validation, placeholders."""

from __future__ import annotations

from typing import Any

import pytest
from clients import Visitor
from conftest import Server

PATH = "/api/v1/canned-replies"


def account(server: Server, role: str, *site_keys: str) -> dict[str, Any]:
    """An account of ``site_keys`` (every site when none), with an API token."""
    return server.create_agent(role, f"Deniz {role}", site_keys)


class Team:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.a, self.b = server.create_site("Mağaza A"), server.create_site("Mağaza B")
        self.agent_a = account(server, "agent", self.a["key"])
        self.manager_a = account(server, "manager", self.a["key"])
        self.admin = account(server, "admin")

    def call(self, who: dict[str, Any], method: str, path: str, body: Any = None) -> Any:
        return self.server.api(method, path, who["token"], body)

    def reply(self, who: dict[str, Any], **fields: Any) -> tuple[int, Any]:
        body = {"shortcut": "kargo", "title": "Kargo", "text": "Merhaba", **fields}
        return self.call(who, "POST", PATH, body)


@pytest.fixture(scope="module")
def team(server: Server) -> Team:
    return Team(server)


def shortcuts(team: Team, who: dict[str, Any]) -> set[tuple[str, str | None]]:
    status, body = team.call(who, "GET", PATH)
    assert status == 200
    return {(reply["shortcut"], reply["site_id"]) for reply in body["canned_replies"]}


def test_managers_write_their_sites_and_agents_read_them(team: Team) -> None:
    status, made = team.reply(
        team.manager_a, shortcut="/Teslimat", site_id=team.a["id"], locale="tr"
    )
    assert status == 201, made
    assert made == {
        "id": made["id"],
        "site_id": team.a["id"],
        "shortcut": "teslimat",
        "title": "Kargo",
        "text": "Merhaba",
        "locale": "tr",
    }
    status, shared = team.reply(team.admin, shortcut="selam", site_id=None)
    assert status == 201
    status, other = team.reply(team.admin, shortcut="gizli", site_id=team.b["id"])
    assert status == 201
    seen = shortcuts(team, team.agent_a)
    assert {("teslimat", team.a["id"]), ("selam", None)} <= seen
    assert ("gizli", team.b["id"]) not in seen
    assert ("gizli", team.b["id"]) in shortcuts(team, team.admin)

    status, changed = team.call(
        team.manager_a, "PUT", f"{PATH}/{made['id']}", {"text": "Yeni metin", "title": "T"}
    )
    assert status == 200 and changed["text"] == "Yeni metin" and changed["shortcut"] == "teslimat"
    status, body = team.call(team.manager_a, "DELETE", f"{PATH}/{made['id']}")
    assert status == 200 and body == {"deleted": made["id"]}
    assert ("teslimat", team.a["id"]) not in shortcuts(team, team.agent_a)


def test_roles_and_sites_limit_who_writes(team: Team) -> None:
    status, body = team.reply(team.agent_a, site_id=team.a["id"], shortcut="ajan")
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = team.reply(team.manager_a, site_id=None, shortcut="ortak")
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, body = team.reply(team.manager_a, site_id=team.b["id"], shortcut="baska")
    assert status == 404 and body["error"]["code"] == "not_found"
    _, of_b = team.reply(team.admin, site_id=team.b["id"], shortcut="bsite")
    _, shared = team.reply(team.admin, site_id=None, shortcut="herkes")
    for method, body in (("PUT", {"text": "x"}), ("DELETE", None)):
        status, answer = team.call(team.manager_a, method, f"{PATH}/{of_b['id']}", body)
        assert status == 404 and answer["error"]["code"] == "not_found"
        status, answer = team.call(team.manager_a, method, f"{PATH}/{shared['id']}", body)
        assert status == 403
        status, _ = team.call(team.agent_a, method, f"{PATH}/{shared['id']}", body)
        assert status == 403
    status, answer = team.call(team.manager_a, "GET", f"{PATH}/{of_b['id']}/render")
    assert status == 404
    assert team.server.api("GET", PATH)[0] == 401


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"shortcut": ""}, "invalid_shortcut"),
        ({"shortcut": "iki kelime"}, "invalid_shortcut"),
        ({"shortcut": "ş"}, "invalid_shortcut"),
        ({"shortcut": "x" * 33}, "invalid_shortcut"),
        ({"shortcut": 7}, "invalid_shortcut"),
        ({"title": " "}, "invalid_title"),
        ({"text": ""}, "invalid_text"),
        ({"text": "x" * 5001}, "invalid_text"),
        ({"locale": "de"}, "invalid_locale"),
        ({"site_id": 5}, "invalid_site_id"),
    ],
)
def test_bad_fields_are_refused(team: Team, fields: dict[str, Any], code: str) -> None:
    status, body = team.reply(team.admin, **{"site_id": team.a["id"], **fields})
    assert status == 422, body
    assert body["error"]["code"] == code


def test_a_shortcut_is_unique_per_site_and_language(team: Team) -> None:
    status, first = team.reply(team.admin, shortcut="İADE", site_id=team.a["id"], locale="en")
    assert status == 201 and first["shortcut"] == "iade"
    status, body = team.reply(team.admin, shortcut="iade", site_id=team.a["id"], locale="en")
    assert status == 409 and body["error"]["code"] == "shortcut_taken"
    assert team.reply(team.admin, shortcut="iade", site_id=team.a["id"], locale="tr")[0] == 201
    assert team.reply(team.admin, shortcut="iade", site_id=team.b["id"], locale="en")[0] == 201
    status, body = team.reply(team.admin, shortcut="iade", site_id=team.a["id"], locale="tr")
    assert status == 409
    assert team.reply(team.admin, shortcut="x" * 32, site_id=team.a["id"])[0] == 201
    assert team.reply(team.admin, text="x" * 5000, shortcut="uzun", site_id=team.a["id"])[0] == 201


async def test_placeholders_are_filled_for_a_conversation(team: Team) -> None:
    server = team.server
    text = "Merhaba {{visitor.name}}, ben {{ agent.name }} ({{site.name}}). {{other}}"
    _, reply = team.reply(team.admin, shortcut="hosgeldin", site_id=team.a["id"], text=text)
    visitor = await Visitor.connect(server.ws_base, team.a["key"])
    ack = await visitor.say("selam")
    conversation_id = ack["message"]["conversation_id"]
    path = f"{PATH}/{reply['id']}/render?conversation_id={conversation_id}"
    status, body = team.call(team.agent_a, "GET", path)
    assert status == 200
    assert body["text"] == "Merhaba there, ben Deniz agent (Mağaza A). {{other}}"
    await visitor.send({"type": "identify", "name": "Elif"})
    await visitor.expect("identified")
    await visitor.close()
    status, body = team.call(team.agent_a, "GET", path)
    assert body["text"] == "Merhaba Elif, ben Deniz agent (Mağaza A). {{other}}"
    _, turkish = team.reply(
        team.admin,
        shortcut="tr-selam",
        site_id=team.a["id"],
        text="Merhaba {{visitor.name}}",
        locale="tr",
    )
    status, body = team.call(team.agent_a, "GET", f"{PATH}/{turkish['id']}/render")
    assert body["text"] == "Merhaba efendim"
