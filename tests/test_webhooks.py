"""Webhooks (CONTRACT sections 10 and 14) against a real receiver on loopback.

Every delivery is verified with the ``standardwebhooks`` library, as a receiver would.
The server runs with CHAT_WEBHOOK_ALLOW_PRIVATE=true (the receiver is on 127.0.0.1) and
a short backoff, so retries come within a second.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clients import Agent, Visitor
from conftest import Server, free_port, make_server
from webhook_receiver import Delivery, Receiver

ALL_EVENTS = [
    "conversation.created",
    "message.created",
    "conversation.resolved",
    "rating.recorded",
    "visitor.identified",
    "offline_message.created",
]
FAST_OUTBOX = {
    "CHAT_WEBHOOK_ALLOW_PRIVATE": "true",
    "CHAT_OUTBOX_POLL_SECONDS": "0.2",
    "CHAT_OUTBOX_BACKOFF_SECONDS": "0.5",
    "CHAT_OUTBOX_BACKOFF_CAP_SECONDS": "2",
}


@pytest.fixture(scope="module")
def hooks_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("webhooks"), **FAST_OUTBOX)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def admin(hooks_server: Server) -> dict[str, Any]:
    return hooks_server.create_agent("admin")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(free_port())
    running.start()
    yield running
    running.stop()


def subscribe(
    server: Server, token: str, url: str, site_id: str | None, events: list[str] = ALL_EVENTS
) -> dict[str, Any]:
    body: dict[str, Any] = {"url": url, "events": events}
    if site_id is not None:
        body["site_id"] = site_id
    status, webhook = server.api("POST", "/api/v1/webhooks", token, body)
    assert status == 201, webhook
    return webhook


def payloads(deliveries: list[Delivery], secret: str) -> list[dict[str, Any]]:
    return [delivery.verify(secret) for delivery in deliveries]


def types(deliveries: list[Delivery]) -> list[str]:
    return [json.loads(delivery.body)["type"] for delivery in deliveries]


@pytest.mark.backends
async def test_each_event_arrives_signed_with_the_contract_data(
    hooks_server: Server, admin: dict[str, Any], receiver: Receiver
) -> None:
    site = hooks_server.create_site("Hooks")
    webhook = subscribe(hooks_server, admin["token"], receiver.url, site["id"])
    assert webhook["secret"].startswith("whsec_")
    assert set(webhook) >= {"id", "url", "events", "secret", "site_id", "created_at"}
    assert webhook["events"] == ALL_EVENTS and webhook["site_id"] == site["id"]

    # No agent is online: the shopper's first message is an offline message too.
    shopper = await Visitor.connect(hooks_server.ws_base, site["key"])
    first = await shopper.say("Kargom nerede?")
    conversation_id = first["message"]["conversation_id"]
    await shopper.send({"type": "identify", "name": "Ayşe", "email": "ayse@example.com"})
    await shopper.expect("identified")
    await receiver.until(lambda got: len(got) >= 4)

    agent = hooks_server.create_agent("agent", sites=(site["key"],))
    console = await Agent.connect(hooks_server.ws_base, agent["token"])
    await asyncio.sleep(1.0)  # the dispatcher reads presence every poll
    await console.say(conversation_id, "Yarın kapınızda.")
    await console.say(conversation_id, "internal: check the courier", internal=True)
    await shopper.say("Teşekkürler")
    await console.send({"type": "conversation.resolve", "conversation_id": conversation_id})
    await shopper.expect("conversation.updated")
    await shopper.send({"type": "rating.submit", "score": 5, "comment": "Çok hızlı"})
    await shopper.expect("rating.recorded")
    got = await receiver.until(lambda got: "rating.recorded" in types(got))
    await asyncio.sleep(0.8)  # nothing else may follow (the internal note above all)
    got = receiver.received()

    verified = payloads(got, webhook["secret"])
    # Deliveries go out side by side, so their order is not promised: compare by type.
    assert sorted(payload["type"] for payload in verified) == sorted(
        [
            "conversation.created",
            "message.created",
            "offline_message.created",
            "visitor.identified",
            "message.created",
            "message.created",
            "conversation.resolved",
            "rating.recorded",
        ]
    )
    for delivery, payload in zip(got, verified, strict=True):
        assert set(payload) == {"id", "type", "created_at", "data"}
        assert payload["id"] == delivery.headers["webhook-id"]
        assert delivery.headers["content-type"] == "application/json"
    assert len({payload["id"] for payload in verified}) == len(verified)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for payload in sorted(verified, key=lambda payload: payload["created_at"]):
        by_type.setdefault(payload["type"], []).append(payload)
    [created] = by_type["conversation.created"]
    [offline] = by_type["offline_message.created"]  # an agent was online for the second
    [identified] = by_type["visitor.identified"]
    [resolved] = by_type["conversation.resolved"]
    [rating] = by_type["rating.recorded"]
    visitor_message, reply, thanks = by_type["message.created"]
    assert created["data"]["conversation"]["id"] == conversation_id
    assert created["data"]["conversation"]["site_id"] == site["id"]
    assert visitor_message["data"]["message"]["text"] == "Kargom nerede?"
    assert visitor_message["data"]["message"]["author"]["kind"] == "visitor"
    assert offline["data"]["message"]["text"] == "Kargom nerede?"
    assert offline["data"]["conversation"]["id"] == conversation_id
    visitor = identified["data"]["visitor"]
    assert (visitor["id"], visitor["name"], visitor["email"]) == (
        shopper.id,
        "Ayşe",
        "ayse@example.com",
    )
    assert visitor["site_id"] == site["id"] and visitor["pages"]
    assert reply["data"]["message"]["text"] == "Yarın kapınızda."
    assert reply["data"]["message"]["internal"] is False
    assert thanks["data"]["message"]["text"] == "Teşekkürler"
    assert resolved["data"]["conversation"]["status"] == "resolved"
    assert resolved["data"]["conversation"]["resolved_at"] is not None
    assert rating["data"] == {
        "conversation_id": conversation_id,
        "score": 5,
        "comment": "Çok hızlı",
    }
    assert all("check the courier" not in delivery.body.decode() for delivery in got)
    await console.close()
    await shopper.close()


async def test_a_receiver_that_is_down_gets_the_delivery_later_with_the_same_id(
    hooks_server: Server, admin: dict[str, Any]
) -> None:
    site = hooks_server.create_site("Outage")
    receiver = Receiver(free_port())  # not listening yet: connections are refused
    webhook = subscribe(hooks_server, admin["token"], receiver.url, site["id"], ["message.created"])
    shopper = await Visitor.connect(hooks_server.ws_base, site["key"])
    await shopper.say("Anyone there?")
    path = f"/api/v1/webhooks/{webhook['id']}/deliveries"

    deadline = time.monotonic() + 15
    while True:
        status, log = hooks_server.api("GET", path, admin["token"])
        assert status == 200, log
        if len(log["deliveries"]) >= 2 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.2)
    failed = log["deliveries"]
    assert len(failed) >= 2 and not any(attempt["ok"] for attempt in failed)
    assert failed[0]["attempt"] > failed[-1]["attempt"]  # newest first
    assert failed[0]["event"] == "message.created" and failed[0]["status_code"] is None
    assert failed[0]["error"] and failed[0]["next_retry_at"] is not None
    assert len({attempt["webhook_id"] for attempt in failed}) == 1
    status, metrics = hooks_server.api("GET", "/metrics")
    assert 'chat_outbox_pending{kind="webhook"}' in metrics
    assert "chat_outbox_failures_total" in metrics

    # Up, but failing with 500: still retried; then answering 200: delivered.
    receiver.status = 500
    receiver.start()
    try:
        await receiver.until(lambda got: len(got) >= 1)
        receiver.status = 200
        got = await receiver.until(lambda got: len(got) >= 2)
        await asyncio.sleep(1.5)
        got = receiver.received()
        assert {delivery.headers["webhook-id"] for delivery in got} == {failed[0]["webhook_id"]}
        assert got[-1].verify(webhook["secret"])["data"]["message"]["text"] == "Anyone there?"
        status, log = hooks_server.api("GET", path, admin["token"])
        attempts = log["deliveries"]
        assert attempts[0]["ok"] is True and attempts[0]["status_code"] == 200
        assert attempts[0]["next_retry_at"] is None
        assert any(attempt["status_code"] == 500 for attempt in attempts)
        assert sum(attempt["ok"] for attempt in attempts) == 1
    finally:
        receiver.stop()
        await shopper.close()


@pytest.mark.backends
async def test_erasing_a_visitor_drops_its_pending_deliveries(
    hooks_server: Server, admin: dict[str, Any]
) -> None:
    site = hooks_server.create_site("Erasure")
    receiver = Receiver(free_port())  # down: the delivery waits in the outbox
    webhook = subscribe(hooks_server, admin["token"], receiver.url, site["id"], ["message.created"])
    shopper = await Visitor.connect(hooks_server.ws_base, site["key"])
    await shopper.say("My address is Bağdat Caddesi 12")
    await shopper.close()
    path = f"/api/v1/webhooks/{webhook['id']}/deliveries"
    deadline = time.monotonic() + 15
    while not hooks_server.api("GET", path, admin["token"])[1]["deliveries"]:
        assert time.monotonic() < deadline, "the delivery was never tried"
        await asyncio.sleep(0.2)

    status, _ = hooks_server.api("DELETE", f"/api/v1/visitors/{shopper.id}", admin["token"])
    assert status in (200, 204)
    status, log = hooks_server.api("GET", path, admin["token"])
    assert status == 200 and log["deliveries"] == []
    receiver.start()  # up again: nothing about the erased shopper arrives
    try:
        await asyncio.sleep(3)
        assert receiver.received() == []
    finally:
        receiver.stop()


async def test_webhooks_are_admin_only_and_kept_to_their_site(
    hooks_server: Server, admin: dict[str, Any], receiver: Receiver
) -> None:
    shop_a, shop_b = hooks_server.create_site("A"), hooks_server.create_site("B")
    webhook = subscribe(hooks_server, admin["token"], receiver.url, shop_a["id"])
    manager_b = hooks_server.create_agent("manager", sites=(shop_b["key"],))
    manager_a = hooks_server.create_agent("manager", sites=(shop_a["key"],))
    agent_b = hooks_server.create_agent("agent", sites=(shop_b["key"],))

    body = {"url": receiver.url, "events": ["message.created"], "site_id": shop_b["id"]}
    assert hooks_server.api("POST", "/api/v1/webhooks", agent_b["token"], body)[0] == 403
    assert hooks_server.api("POST", "/api/v1/webhooks", manager_b["token"], body)[0] == 403
    assert hooks_server.api("GET", "/api/v1/webhooks", agent_b["token"])[0] == 403
    path = f"/api/v1/webhooks/{webhook['id']}"
    assert hooks_server.api("GET", path, manager_b["token"])[0] == 404
    assert hooks_server.api("GET", f"{path}/deliveries", manager_b["token"])[0] == 404
    status, listed = hooks_server.api("GET", "/api/v1/webhooks", manager_b["token"])
    assert status == 200 and webhook["id"] not in [hook["id"] for hook in listed["webhooks"]]
    status, seen = hooks_server.api("GET", path, manager_a["token"])
    assert status == 200 and "secret" not in seen  # the secret is for admins
    status, seen = hooks_server.api("GET", path, admin["token"])
    assert status == 200 and seen["secret"] == webhook["secret"]
    assert hooks_server.api("DELETE", path, manager_a["token"])[0] == 403

    unknown = {"url": receiver.url, "events": ["order.paid"]}
    status, error = hooks_server.api("POST", "/api/v1/webhooks", admin["token"], unknown)
    assert status == 422 and error["error"]["code"] == "unknown_event"
    not_http = {"url": "ftp://example.com/hook", "events": ["message.created"]}
    status, error = hooks_server.api("POST", "/api/v1/webhooks", admin["token"], not_http)
    assert status == 422 and error["error"]["code"] == "invalid_url"

    # Site B's events never reach site A's webhook; site A's do.
    other = await Visitor.connect(hooks_server.ws_base, shop_b["key"])
    await other.say("B here")
    mine = await Visitor.connect(hooks_server.ws_base, shop_a["key"])
    await mine.say("A here")
    await receiver.until(lambda got: "offline_message.created" in types(got))
    await asyncio.sleep(0.8)
    texts = [
        payload["data"]["message"]["text"]
        for payload in payloads(receiver.received(), webhook["secret"])
        if payload["type"] == "message.created"
    ]
    assert texts == ["A here"]

    # Deleted: listed nowhere, and nothing more is delivered.
    assert hooks_server.api("DELETE", path, admin["token"])[0] == 200
    assert hooks_server.api("GET", path, admin["token"])[0] == 404
    count = len(receiver.received())
    await mine.say("after the delete")
    await asyncio.sleep(1.0)
    assert len(receiver.received()) == count
    await other.close()
    await mine.close()


def test_a_private_receiver_is_refused_unless_allowed(tmp_path: Path) -> None:
    strict = make_server(tmp_path / "strict")
    strict.start()
    try:
        admin = strict.create_agent("admin")
        for url in (
            "http://127.0.0.1:9/hook",
            "http://localhost:9/hook",
            "http://10.1.2.3/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]:9/hook",
        ):
            body = {"url": url, "events": ["message.created"]}
            status, error = strict.api("POST", "/api/v1/webhooks", admin["token"], body)
            assert status == 422, (url, error)
            assert error["error"]["code"] == "private_address", (url, error)
    finally:
        strict.stop()


def test_a_delivery_survives_a_crash_right_after_the_ack(tmp_path: Path) -> None:
    receiver = Receiver(free_port())
    receiver.start()
    # The first process never gets round to sending: it polls once a minute.
    crashing = make_server(tmp_path / "crash", **{**FAST_OUTBOX, "CHAT_OUTBOX_POLL_SECONDS": "60"})
    crashing.start()
    try:
        site = crashing.create_site("Crash")
        admin = crashing.create_agent("admin")
        first = subscribe(crashing, admin["token"], receiver.url + "?one", site["id"])
        second = subscribe(crashing, admin["token"], receiver.url + "?two", site["id"])

        async def leave_a_message() -> None:
            shopper = await Visitor.connect(crashing.ws_base, site["key"])
            await asyncio.sleep(1.0)  # the one poll at start-up has passed
            await shopper.say("Sipariş iptali " + uuid.uuid4().hex[:6])
            crashing.kill()  # SIGKILL, right after the ack

        asyncio.run(leave_a_message())
        assert receiver.received() == []
        crashing.env["CHAT_OUTBOX_POLL_SECONDS"] = "0.2"
        crashing.start()
        expected = 2 * 3  # created, message, offline message, for each webhook
        got = receiver.wait_for(lambda got: len(got) >= expected)
        time.sleep(1.5)
        got = receiver.received()
        assert len(got) == expected
        ids = [delivery.headers["webhook-id"] for delivery in got]
        assert len(set(ids)) == expected  # each delivery once
        for webhook in (first, second):
            mine = [
                delivery.verify(webhook["secret"])
                for delivery in got
                if delivery.headers["webhook-id"]
                and webhook["url"].endswith(("?one", "?two"))
                and _sent_to(delivery, webhook)
            ]
            assert sorted(payload["type"] for payload in mine) == sorted(
                ["conversation.created", "message.created", "offline_message.created"]
            )
    finally:
        crashing.kill()
        receiver.stop()


def _sent_to(delivery: Delivery, webhook: dict[str, Any]) -> bool:
    try:
        delivery.verify(webhook["secret"])
    except Exception:
        return False
    return True
