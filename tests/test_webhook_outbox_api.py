"""``GET /api/v1/webhooks/{id}/outbox``: a webhook's deliveries one row each (the console's
webhooks page reads it), against a real receiver on loopback.

The backoff is a minute, so a failed delivery stays failing until someone presses
"Retry now" (``POST .../deliveries/{id}/retry``): what the page shows is what the test reads.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from clients import Visitor
from conftest import Server, free_port, make_server
from webhook_receiver import Receiver

SLOW_RETRIES = {
    "CHAT_WEBHOOK_ALLOW_PRIVATE": "true",
    "CHAT_OUTBOX_POLL_SECONDS": "0.2",
    "CHAT_OUTBOX_BACKOFF_SECONDS": "60",
    "CHAT_OUTBOX_BACKOFF_CAP_SECONDS": "3600",
}


@pytest.fixture(scope="module")
def hooks_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("webhook-outbox"), **SLOW_RETRIES)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(free_port())
    running.start()
    yield running
    running.stop()


def outbox(server: Server, token: str, webhook_id: str) -> list[dict[str, Any]]:
    status, body = server.api("GET", f"/api/v1/webhooks/{webhook_id}/outbox", token)
    assert status == 200, body
    deliveries: list[dict[str, Any]] = body["deliveries"]
    return deliveries


async def until_state(
    server: Server, token: str, webhook_id: str, state: str, attempts: int
) -> dict[str, Any]:
    """The newest delivery once it is in ``state`` after ``attempts`` attempts."""
    seen: list[dict[str, Any]] = []

    def settled() -> bool:
        nonlocal seen
        seen = outbox(server, token, webhook_id)
        return bool(seen) and seen[0]["state"] == state and seen[0]["attempts"] == attempts

    for _ in range(150):
        if settled():
            return seen[0]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no delivery {state} after {attempts} attempts: {seen}")


async def test_a_failing_delivery_shows_its_answer_and_retry_now_delivers_it(
    hooks_server: Server, receiver: Receiver
) -> None:
    site = hooks_server.create_site("Outbox Shop")
    admin = hooks_server.create_agent("admin")
    manager = hooks_server.create_agent("manager", sites=(site["key"],))
    agent = hooks_server.create_agent("agent", sites=(site["key"],))
    status, webhook = hooks_server.api(
        "POST",
        "/api/v1/webhooks",
        admin["token"],
        {"url": receiver.url, "events": ["conversation.created"], "site_id": site["id"]},
    )
    assert status == 201, webhook
    assert outbox(hooks_server, admin["token"], webhook["id"]) == []

    receiver.status = 500
    shopper = await Visitor.connect(hooks_server.ws_base, site["key"])
    await shopper.say("Merhaba, siparişim nerede?")
    failing = await until_state(hooks_server, admin["token"], webhook["id"], "pending", 1)
    assert failing["event"] == "conversation.created"
    assert failing["status_code"] == 500 and failing["error"] == "HTTP 500"
    assert failing["next_attempt_at"] > failing["last_attempt_at"] >= failing["created_at"]
    assert failing["sent_at"] is None
    # The id is the delivery's webhook-id header, the same on every retry.
    assert receiver.received()[0].headers["webhook-id"] == failing["id"]

    # Managers of the site read it; agents do not; nobody but an admin retries.
    assert outbox(hooks_server, manager["token"], webhook["id"])[0]["id"] == failing["id"]
    path = f"/api/v1/webhooks/{webhook['id']}"
    assert hooks_server.api("GET", f"{path}/outbox", agent["token"])[0] == 403
    retry = f"{path}/deliveries/{failing['id']}/retry"
    assert hooks_server.api("POST", retry, manager["token"])[0] == 403

    receiver.status = 204
    status, body = hooks_server.api("POST", retry, admin["token"])
    assert (status, body) == (202, {"retrying": failing["id"]})
    delivered = await until_state(hooks_server, admin["token"], webhook["id"], "sent", 2)
    assert delivered["id"] == failing["id"]
    assert delivered["status_code"] == 204 and delivered["error"] is None
    assert delivered["next_attempt_at"] is None and delivered["sent_at"] is not None
    assert [d.headers["webhook-id"] for d in receiver.received()] == [failing["id"]] * 2
    # A delivered one is not sent again.
    assert hooks_server.api("POST", retry, admin["token"])[0] == 404
    await shopper.close()


def test_the_outbox_is_limited_and_hidden_outside_the_callers_sites(
    hooks_server: Server,
) -> None:
    site = hooks_server.create_site("Hidden Outbox")
    other = hooks_server.create_site("Other Shop")
    admin = hooks_server.create_agent("admin")
    stranger = hooks_server.create_agent("manager", sites=(other["key"],))
    status, webhook = hooks_server.api(
        "POST",
        "/api/v1/webhooks",
        admin["token"],
        {"url": "http://127.0.0.1:9/hook", "events": ["message.created"], "site_id": site["id"]},
    )
    assert status == 201, webhook
    path = f"/api/v1/webhooks/{webhook['id']}/outbox"
    assert hooks_server.api("GET", path, stranger["token"])[0] == 404
    assert hooks_server.api("GET", path + "?limit=0", admin["token"])[0] == 400
    assert hooks_server.api("GET", path + "?limit=2", admin["token"]) == (200, {"deliveries": []})
    assert hooks_server.api("GET", "/api/v1/webhooks/nope/outbox", admin["token"])[0] == 404
