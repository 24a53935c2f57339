"""The assistant in a conversation (issue 14, CONTRACT sections 11 and 14).

Real `chat-server run` processes and real sockets. Each test opens a site of its own
with its own agents and FAQ, and checks what people observe: the bot's messages on
the shopper's and the agent's sockets, the hand-over message, routing assigning an
online agent, the waits (through the stats API) and the assistant's figures.
"""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from clients import Agent, Client, Visitor
from conftest import PASSWORD, Server, http, make_server

ROUTING_TIMINGS = {"CHAT_ROUTING_SWEEP_SECONDS": "0.2", "CHAT_REQUEUE_GRACE_SECONDS": "1.0"}

SHIPPING = {
    "locale": "tr",
    "question": "Kargom nerede?",
    "answer": "Siparişiniz 1-3 iş günü içinde kargoya verilir; takip numarası e-postanızdadır.",
    "alternates": ["Siparişim ne zaman gelir", "kargo takibi nasıl yapılır"],
}
RETURNS = {
    "locale": "tr",
    "question": "İade nasıl yapılır?",
    "answer": "Ürünü 14 gün içinde faturasıyla birlikte ücretsiz iade kargosuyla gönderebilirsiniz.",
    "alternates": ["iade etmek istiyorum", "ürünü geri göndermek"],
}
PAY_AT_DOOR = {
    "locale": "tr",
    "question": "Kapıda ödeme var mı?",
    "answer": "Evet, kapıda nakit veya kartla ödeme yapabilirsiniz.",
    "alternates": ["kapıda ödeme yapabilir miyim"],
}
SHIPPING_EN = {
    "locale": "en",
    "question": "Where is my order?",
    "answer": "Orders ship within 1-3 business days; the tracking number is in your e-mail.",
    "alternates": ["track my parcel", "when will my package arrive"],
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("assistant"), **ROUTING_TIMINGS)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, Any]:
    return server.create_agent("admin", "Admin")


def login(server: Server, email: str) -> str:
    status, body = http(
        "POST", f"{server.base}/api/v1/auth/token", {"email": email, "password": PASSWORD}
    )
    assert status == 200, body
    return str(body["token"])


def shop(server: Server, admin: dict[str, Any], mode: str) -> dict[str, Any]:
    """A site with its assistant in ``mode`` and a small Turkish and English FAQ."""
    name = f"Butik {secrets.token_hex(3)}"
    status, site = server.api("POST", "/api/v1/sites", admin["token"], {"name": name})
    assert status == 201, site
    status, site = server.api(
        "PATCH", f"/api/v1/sites/{site['id']}", admin["token"], {"assistant": mode}
    )
    assert status == 200 and site["assistant"] == mode, site
    for entry in (SHIPPING, RETURNS, PAY_AT_DOOR, SHIPPING_EN):
        status, body = server.api(
            "POST", "/api/v1/faq", admin["token"], {"site_id": site["id"], **entry}
        )
        assert status == 201, body
    return dict(site)


def account(server: Server, admin: dict[str, Any], site: dict[str, Any]) -> dict[str, Any]:
    email = f"agent-{secrets.token_hex(4)}@example.com"
    body = {
        "email": email,
        "name": f"Agent {email[6:10]}",
        "role": "agent",
        "password": PASSWORD,
        "sites": [site["id"]],
    }
    status, created = server.api("POST", "/api/v1/agents", admin["token"], body)
    assert status == 201, created
    return {**created, "token": login(server, email)}


async def message_by(client: Client, kind: str, timeout: float = 5.0) -> dict[str, Any]:
    """The next ``message.created`` written by a ``kind`` author."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await client.expect("message.created", timeout=deadline - loop.time())
        if frame["message"]["author"]["kind"] == kind:
            return dict(frame["message"])


def stats(server: Server, admin: dict[str, Any], site: dict[str, Any]) -> dict[str, Any]:
    status, body = server.api(
        "GET", f"/api/v1/stats/response-times?site_id={site['id']}", admin["token"]
    )
    assert status == 200, body
    return dict(body)


def conversation(server: Server, admin: dict[str, Any], conversation_id: str) -> dict[str, Any]:
    status, body = server.api("GET", f"/api/v1/conversations/{conversation_id}", admin["token"])
    assert status == 200, body
    return dict(body)


async def test_always_the_assistant_answers_from_the_faq_and_opens_no_wait(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "always")
    person = account(server, admin, site)
    console = await Agent.connect(server.ws_base, person["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    asked = await shopper.say("kargom nerde")
    conversation_id = asked["message"]["conversation_id"]

    answer = await message_by(shopper, "bot")
    follow_up = await message_by(shopper, "bot")
    assert answer["text"] == SHIPPING["answer"]
    assert answer["author"]["id"] is None and answer["author"]["name"].endswith(" Asistan")
    assert follow_up["text"] == "Bu yanıt yardımcı oldu mu?"
    assert [answer["seq"], follow_up["seq"]] == [
        asked["message"]["seq"] + 1,
        asked["message"]["seq"] + 2,
    ]
    # The agent sees the bot's part as it happens.
    seen = await message_by(console, "bot")
    assert seen["id"] == answer["id"]
    state = await shopper.expect("conversation.updated")
    assert state["conversation"]["assistant"]["active"] is True
    assert state["conversation"]["assistant"]["feedback_seq"] == follow_up["seq"]

    detail = conversation(server, admin, conversation_id)
    assert detail["assignee_id"] is None and detail.get("waiting_since") is None
    figures = stats(server, admin, site)
    assert figures["first_response"]["count"] == 0 and figures["missed"] == 0
    assert figures["assistant"]["answered"] == 1
    assert figures["assistant"]["handed_over"] == 0
    await shopper.close()
    await console.close()


async def test_asking_for_a_person_hands_over_routes_and_opens_the_wait_then(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "always")
    person = account(server, admin, site)
    console = await Agent.connect(server.ws_base, person["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    asked = await shopper.say("iade nasil yapicam")
    conversation_id = asked["message"]["conversation_id"]
    assert (await message_by(shopper, "bot"))["text"] == RETURNS["answer"]
    await message_by(shopper, "bot")

    await shopper.say("Müşteri TEMSİLCİSİ ile görüşmek istiyorum")
    handed = await message_by(shopper, "system")
    assert handed["text"] == "Sizi bir temsilciye bağlıyorum."
    assigned = await console.expect("conversation.updated", timeout=5)
    while assigned["conversation"]["assignee_id"] != person["id"]:
        assigned = await console.expect("conversation.updated", timeout=5)
    assert assigned["conversation"]["waiting_since"] is not None
    assert assigned["conversation"]["assistant"]["active"] is False
    assert assigned["conversation"]["assistant"]["handed_over_at"] is not None

    # The wait opened at the hand-over: the agent's answer is the first response.
    await console.say(conversation_id, "Merhaba, ben yardımcı olayım.")
    assert (await message_by(shopper, "agent"))["text"].startswith("Merhaba")
    figures = stats(server, admin, site)
    assert figures["first_response"]["count"] == 1
    assert figures["first_response"]["max"] < 5
    assert figures["assistant"] == {"answered": 1, "handed_over": 1, "resolved_without_agent": 0}

    # After the hand-over the assistant stays quiet.
    await shopper.say("kapıda ödeme var mı")
    quiet = await shopper.drain(0.8)
    assert not [
        f
        for f in quiet
        if f.get("type") == "message.created" and f["message"]["author"]["kind"] == "bot"
    ]
    await shopper.close()
    await console.close()


async def test_no_to_did_this_help_hands_over_and_yes_counts_as_resolved_without_agent(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "always")
    person = account(server, admin, site)
    console = await Agent.connect(server.ws_base, person["token"])

    unhappy = await Visitor.connect(server.ws_base, site["key"])
    await unhappy.say("kargom nerde")
    await message_by(unhappy, "bot")
    await message_by(unhappy, "bot")
    await unhappy.say("Hayır")
    assert (await message_by(unhappy, "system"))["text"] == "Sizi bir temsilciye bağlıyorum."

    happy = await Visitor.connect(server.ws_base, site["key"])
    asked = await happy.say("kapida odeme yapabilirmiyim")
    await message_by(happy, "bot")
    question = await message_by(happy, "bot")
    await happy.send({"type": "assistant.feedback", "seq": question["seq"], "helpful": True})
    assert (await message_by(happy, "bot"))["text"].startswith("Yardımcı olabildiğime sevindim")
    state = await happy.expect("conversation.updated")
    assert state["conversation"]["assistant"]["feedback_seq"] is None
    await console.send(
        {"type": "conversation.resolve", "conversation_id": asked["message"]["conversation_id"]}
    )
    await happy.expect("conversation.updated", timeout=5)

    figures = stats(server, admin, site)
    assert figures["assistant"] == {"answered": 2, "handed_over": 1, "resolved_without_agent": 1}
    # Neither conversation is missed: the helped one never waited for a person.
    assert figures["missed"] == 0
    await unhappy.close()
    await happy.close()
    await console.close()


async def test_the_talk_to_a_person_frame_hands_over(server: Server, admin: dict[str, Any]) -> None:
    site = shop(server, admin, "always")
    shopper = await Visitor.connect(server.ws_base, site["key"])
    await shopper.say("where is my order")
    answer = await message_by(shopper, "bot")
    assert answer["text"] == SHIPPING_EN["answer"]
    await message_by(shopper, "bot")
    await shopper.send({"type": "assistant.handover"})
    handed = await message_by(shopper, "system")
    assert handed["text"] in ("Connecting you to a person.", "Sizi bir temsilciye bağlıyorum.")
    state = await shopper.expect("conversation.updated")
    assert state["conversation"]["assistant"]["active"] is False
    await shopper.close()


async def test_offline_mode_answers_only_while_no_agent_is_online(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "offline")
    person = account(server, admin, site)
    console = await Agent.connect(server.ws_base, person["token"])
    daytime = await Visitor.connect(server.ws_base, site["key"])
    await daytime.say("kargom nerde")
    frames = await daytime.drain(1.0)
    assert not [
        f
        for f in frames
        if f.get("type") == "message.created" and f["message"]["author"]["kind"] == "bot"
    ]
    await daytime.close()

    await console.send({"type": "status.set", "status": "away"})
    await asyncio.sleep(0.5)
    night = await Visitor.connect(server.ws_base, site["key"])
    await night.say("kargom nerde")
    assert (await message_by(night, "bot"))["text"] == SHIPPING["answer"]
    await night.close()
    await console.close()


async def test_an_unsure_question_promises_a_person_and_is_listed_as_unanswered(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "always")
    person = account(server, admin, site)
    console = await Agent.connect(server.ws_base, person["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    question = "kargo firmanizda is ilani var mi"
    asked = await shopper.say(question)
    reply = await message_by(shopper, "bot")
    assert reply["text"].endswith("Bir temsilcimiz kısa süre içinde yanıt verecek.")
    assigned = await console.expect("conversation.updated", timeout=5)
    while assigned["conversation"]["assignee_id"] != person["id"]:
        assigned = await console.expect("conversation.updated", timeout=5)
    assert assigned["conversation"]["id"] == asked["message"]["conversation_id"]

    status, body = server.api("GET", f"/api/v1/faq/unanswered?site_id={site['id']}", admin["token"])
    assert status == 200, body
    texts = [item["text"] for item in body["questions"]]
    assert question in texts
    await shopper.close()
    await console.close()

    # No one online: it asks for an e-mail address instead.
    site_at_night = shop(server, admin, "offline")
    late = await Visitor.connect(server.ws_base, site_at_night["key"])
    await late.say(question)
    assert "E-posta adresinizi bırakın" in (await message_by(late, "bot"))["text"]
    await late.close()


async def test_the_site_setting_is_validated_by_the_api_and_the_cli(
    server: Server, admin: dict[str, Any]
) -> None:
    site = shop(server, admin, "off")
    status, body = server.api(
        "PATCH", f"/api/v1/sites/{site['id']}", admin["token"], {"assistant": "sometimes"}
    )
    assert status == 422 and body["error"]["code"] == "invalid_assistant", body
    server.cli("sites", "update", site["key"], "--assistant", "always")
    status, body = server.api("GET", "/api/v1/sites", admin["token"])
    listed = body["sites"] if isinstance(body, dict) else body
    assert [s["assistant"] for s in listed if s["id"] == site["id"]] == ["always"]
    # Mode off: nothing from the assistant.
    server.cli("sites", "update", site["key"], "--assistant", "off")
    await asyncio.sleep(2.5)  # the sockets' site cache
    shopper = await Visitor.connect(server.ws_base, site["key"])
    await shopper.say("kargom nerde", client_id=uuid.uuid4().hex)
    frames = await shopper.drain(1.0)
    assert not [
        f
        for f in frames
        if f.get("type") == "message.created" and f["message"]["author"]["kind"] == "bot"
    ]
    await shopper.close()
