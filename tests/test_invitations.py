"""Proactive chat over real sockets: an agent's invitation, and the site's automatic ones."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from clients import Agent, Visitor
from conftest import Server, make_server

pytestmark = pytest.mark.backends

TURKISH = {"Accept-Language": "tr-TR,tr;q=0.9,en;q=0.8"}


def page(path: str) -> dict[str, Any]:
    return {"url": f"https://shop.example{path}", "title": path, "referrer": None}


def with_invites(server: Server, rules: list[dict[str, Any]]) -> dict[str, Any]:
    shop = server.create_site("Davetli dükkan")
    server.cli("sites", "update", shop["key"], "--auto-invite", json.dumps(rules))
    return shop


async def nothing_for(client: Visitor, seconds: float, kind: str = "message.created") -> None:
    assert kind not in [f["type"] for f in await client.drain(seconds)]


def conversations_of(server: Server, token: str, visitor_id: str) -> list[dict[str, Any]]:
    status, body = server.api("GET", "/api/v1/conversations?status=all", token)
    assert status == 200
    return [c for c in body["conversations"] if c["visitor_id"] == visitor_id]


async def test_an_agents_invitation_reaches_the_browsing_visitor(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"], page=page("/urun/5"))
    await console.send(
        {
            "type": "conversation.invite",
            "visitor_id": shopper.id,
            "client_id": "invite-1",
            "text": "Merhaba! Bu ürünle ilgili yardım ister misiniz?",
        }
    )
    ack = await console.expect("ack", client_id="invite-1")
    conversation_id = ack["message"]["conversation_id"]

    updated = await shopper.expect("conversation.updated")
    assert updated["conversation"]["id"] == conversation_id
    assert updated["conversation"]["status"] == "open"
    invited = await shopper.expect("message.created")
    assert invited["message"]["text"] == "Merhaba! Bu ürünle ilgili yardım ister misiniz?"
    assert invited["message"]["author"] == {
        "kind": "agent",
        "id": agent["id"],
        "name": "Ayşe Yılmaz",
    }

    reply = await shopper.say("Evet, beden tablosu var mı?")
    assert reply["message"]["conversation_id"] == conversation_id
    await shopper.close()
    await console.close()


async def test_inviting_a_visitor_who_has_left_is_refused(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    await shopper.close()
    await asyncio.sleep(0.3)
    await console.send(
        {"type": "conversation.invite", "visitor_id": shopper.id, "client_id": "late", "text": "Hi"}
    )
    refused = await console.expect("error", ref="late")
    assert refused["code"] == "visitor_offline"
    await console.close()


async def test_an_automatic_invitation_comes_after_its_delay_on_a_matching_page(
    server: Server, agent: dict
) -> None:
    shop = with_invites(
        server,
        [
            {
                "id": "urun",
                "url_contains": "/urun/",
                "after_seconds": 1,
                "text": {"tr": "Bu ürünle ilgili sorunuz var mı?", "en": "Any questions?"},
            }
        ],
    )
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, shop["key"], page=page("/"), headers=TURKISH)
    await nothing_for(shopper, 1.5)  # the home page matches no rule

    await shopper.send({"type": "page.view", **page("/urun/5")})
    entered = time.monotonic()
    started = await shopper.expect("conversation.updated", timeout=4)
    invited = await shopper.expect("message.created", timeout=4)
    assert time.monotonic() - entered >= 0.9
    assert invited["message"]["author"] == {"kind": "system", "id": None, "name": None}
    assert invited["message"]["text"] == "Bu ürünle ilgili sorunuz var mı?"
    assert invited["message"]["conversation_id"] == started["conversation"]["id"]

    created = await console.expect("conversation.created", timeout=4)
    assert created["conversation"]["visitor_id"] == shopper.id
    assert created["conversation"]["waiting_since"] is None  # nobody waits for an answer yet

    reply = await shopper.say("Evet: kargo ücretsiz mi?")
    assert reply["message"]["conversation_id"] == started["conversation"]["id"]
    await shopper.close()
    await console.close()


async def test_an_automatic_invitation_is_shown_once_per_visit_even_with_two_tabs(
    server: Server, agent: dict
) -> None:
    shop = with_invites(
        server, [{"url_contains": "/sepet", "text": "Siparişinizde yardım ister misiniz?"}]
    )
    console = await Agent.connect(server.ws_base, agent["token"])
    first = await Visitor.connect(server.ws_base, shop["key"], page=page("/"))
    tabs = await asyncio.gather(
        *(
            Visitor.connect(server.ws_base, shop["key"], token=first.token, page=page("/sepet"))
            for _ in range(2)
        )
    )
    invited = await tabs[0].expect("message.created", timeout=4)
    assert invited["message"]["text"] == "Siparişinizde yardım ister misiniz?"
    await asyncio.sleep(1.0)
    assert len(conversations_of(server, agent["token"], first.id)) == 1

    await console.send(
        {"type": "conversation.resolve", "conversation_id": invited["message"]["conversation_id"]}
    )
    await console.expect("conversation.updated")
    for tab in tabs:
        await tab.close()
    again = await Visitor.connect(
        server.ws_base, shop["key"], token=first.token, page=page("/sepet")
    )
    await nothing_for(again, 1.5)
    assert len(conversations_of(server, agent["token"], first.id)) == 1
    await again.close()
    await first.close()
    await console.close()


async def test_automatic_invitations_need_an_agent_online_and_wait_while_the_tab_is_hidden(
    tmp_path: Any,
) -> None:
    own = make_server(tmp_path)
    own.start()
    try:
        shop = with_invites(
            own, [{"url_contains": "/urun/", "after_seconds": 0.5, "text": "Yardım?"}]
        )
        staff = own.create_agent("agent")
        shopper = await Visitor.connect(own.ws_base, shop["key"], page=page("/urun/1"))
        await nothing_for(shopper, 1.5)  # no agent is online to answer
        assert conversations_of(own, staff["token"], shopper.id) == []

        console = await Agent.connect(own.ws_base, staff["token"])
        await shopper.send({"type": "page.view", **page("/urun/2")})
        await shopper.send({"type": "visibility", "visible": False})
        await nothing_for(shopper, 1.5)
        await shopper.send({"type": "visibility", "visible": True})
        invited = await shopper.expect("message.created", timeout=2)
        assert invited["message"]["text"] == "Yardım?"
        await shopper.close()
        await console.close()
    finally:
        own.stop()


async def test_a_new_visit_may_see_the_invitation_again(tmp_path: Any) -> None:
    own = make_server(tmp_path, CHAT_VISIT_TIMEOUT_SECONDS="1.5")
    own.start()
    try:
        shop = with_invites(own, [{"url_contains": "/sepet", "text": "Yardım?"}])
        staff = own.create_agent("agent")
        console = await Agent.connect(own.ws_base, staff["token"])
        shopper = await Visitor.connect(own.ws_base, shop["key"], page=page("/sepet"))
        invited = await shopper.expect("message.created", timeout=4)
        await console.send(
            {
                "type": "conversation.resolve",
                "conversation_id": invited["message"]["conversation_id"],
            }
        )
        await shopper.expect("conversation.updated", timeout=4)
        await shopper.close()
        await asyncio.sleep(2.0)
        back = await Visitor.connect(
            own.ws_base, shop["key"], token=shopper.token, page=page("/sepet")
        )
        again = await back.expect("message.created", timeout=4)
        assert again["message"]["conversation_id"] != invited["message"]["conversation_id"]
        assert len(conversations_of(own, staff["token"], shopper.id)) == 2
        await back.close()
        await console.close()
    finally:
        own.stop()


def test_sites_update_refuses_a_bad_automatic_invitation(server: Server) -> None:
    shop = server.create_site("Kural denemesi")
    for bad, problem in (
        ("not json", "not valid JSON"),
        ('[{"text": ""}]', "rule 1.text"),
        ('[{"text": "Hi", "after_seconds": -1}]', "after_seconds"),
        ('[{"text": "Hi", "delay": 3}]', "unknown field"),
    ):
        result = server.cli("sites", "update", shop["key"], "--auto-invite", bad, check=False)
        assert result.returncode == 1
        assert problem in result.stderr
    stored = json.loads(
        server.cli("sites", "update", shop["key"], "--auto-invite", '{"text": "Merhaba"}').stdout
    )
    assert stored["auto_invites"] == [{"text": "Merhaba"}]
