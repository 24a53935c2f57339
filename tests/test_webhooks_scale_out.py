"""Two server processes on one PostgreSQL database: each webhook delivery goes out once.

Both dispatchers claim due items with ``FOR UPDATE SKIP LOCKED`` at the same moments;
the receiver must see every delivery exactly once, whichever process sent it.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections import Counter
from pathlib import Path

import pytest
from clients import Visitor
from conftest import Server, free_port, make_server
from webhook_receiver import Receiver

pytestmark = [
    pytest.mark.backends,
    pytest.mark.skipif(
        not os.environ.get("CHAT_TEST_DATABASE_URL"),
        reason="needs CHAT_TEST_DATABASE_URL (PostgreSQL); runs in make test's PostgreSQL + Redis "
        "pass, where a skip counts as a failure",
    ),
]

FAST_OUTBOX = {
    "CHAT_WEBHOOK_ALLOW_PRIVATE": "true",
    "CHAT_OUTBOX_POLL_SECONDS": "0.1",
    "CHAT_OUTBOX_BACKOFF_SECONDS": "0.5",
}
VISITORS = 8
MESSAGES_EACH = 4


def start_two(tmp: Path) -> tuple[Server, Server]:
    env = {**FAST_OUTBOX, "CHAT_SECRET_KEY": secrets.token_urlsafe(32)}
    first = make_server(tmp / "a", **env)
    second = make_server(tmp / "b", **env, CHAT_DATABASE_URL=first.env["CHAT_DATABASE_URL"])
    first.start()
    second.start()
    return first, second


async def test_two_processes_deliver_each_item_once(tmp_path: Path) -> None:
    first, second = await asyncio.to_thread(start_two, tmp_path)
    receiver = Receiver(free_port())
    receiver.start()
    try:
        site = first.create_site("Twin")
        admin = first.create_agent("admin")
        body = {"url": receiver.url, "events": ["message.created"], "site_id": site["id"]}
        status, webhook = second.api("POST", "/api/v1/webhooks", admin["token"], body)
        assert status == 201, webhook

        shoppers = [
            await Visitor.connect((first if index % 2 else second).ws_base, site["key"])
            for index in range(VISITORS)
        ]
        for turn in range(MESSAGES_EACH):  # each shopper one message at a time, all at once
            await asyncio.gather(
                *(shopper.say(f"{index}-{turn}") for index, shopper in enumerate(shoppers))
            )
        expected = VISITORS * MESSAGES_EACH
        await receiver.until(lambda got: len(got) >= expected, timeout=30)
        await asyncio.sleep(2.0)  # time for a second copy to show up, were there one
        got = receiver.received()
        ids = Counter(delivery.headers["webhook-id"] for delivery in got)
        assert len(got) == expected and max(ids.values()) == 1
        texts = sorted(
            delivery.verify(webhook["secret"])["data"]["message"]["text"] for delivery in got
        )
        assert texts == sorted(f"{i}-{t}" for i in range(VISITORS) for t in range(MESSAGES_EACH))
        for shopper in shoppers:
            await shopper.close()
    finally:
        receiver.stop()
        first.kill()
        second.kill()
