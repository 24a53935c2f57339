"""The SSE fallback transport: the socket's frames and guarantees over a stream and POSTs.

Real server processes, a real streaming HTTP client (httpx) reading the event stream
as a browser's EventSource does, and real agent sockets on the other side.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from clients import Agent, Visitor
from conftest import Server, make_server
from support.sse_client import SseVisitor, StreamClosed

pytestmark = pytest.mark.backends


async def test_a_shopper_on_the_stream_and_an_agent_talk_both_ways(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await SseVisitor.connect(server.base, site["key"])
    assert shopper.stream_id
    assert shopper.welcome["visitor_token"]

    ack = await shopper.say("Merhaba, SSE ile yazıyorum")
    assert ack["message"]["seq"] == 1
    conversation_id = ack["message"]["conversation_id"]
    # The shopper's own message comes back once, after its ack, as on a socket.
    created = await shopper.expect("message.created")
    assert created["message"]["seq"] == 1
    seen = await console.expect("message.created")
    assert seen["message"]["text"] == "Merhaba, SSE ile yazıyorum"

    await console.say(conversation_id, "Hoş geldiniz!")
    reply = await shopper.expect("message.created")
    assert reply["message"]["seq"] == 2
    assert reply["message"]["text"] == "Hoş geldiniz!"
    assert reply["message"]["author"]["kind"] == "agent"
    await shopper.close()
    await console.close()


async def test_an_array_of_frames_is_answered_in_order(server: Server, site: dict) -> None:
    shopper = await SseVisitor.connect(server.base, site["key"])
    frames = [
        {"type": "message.send", "client_id": f"batch-{n}", "text": f"line {n}"} for n in range(3)
    ]
    status, body = await shopper.post_answer(frames)
    assert (status, body) == (202, {"accepted": 3})
    acks = [await shopper.expect("ack", client_id=f"batch-{n}") for n in range(3)]
    assert [ack["message"]["seq"] for ack in acks] == [1, 2, 3]
    await shopper.close()


async def test_the_same_client_id_twice_stores_one_message(server: Server, site: dict) -> None:
    shopper = await SseVisitor.connect(server.base, site["key"])
    first = await shopper.say("bir kez", client_id="sse-retry")
    again = await shopper.say("bir kez", client_id="sse-retry")
    assert again["message"] == first["message"]
    await shopper.close()
    # Also from a new stream after a reconnect.
    back = await SseVisitor.connect(server.base, site["key"], token=shopper.token)
    third = await back.say("bir kez", client_id="sse-retry")
    assert third["message"] == first["message"]
    assert await back.drain() == [] or all(
        frame["message"]["seq"] == 1 for frame in back.frames if frame["type"] == "message.created"
    )
    await back.close()


async def test_resuming_with_last_seq_brings_exactly_the_missing_messages(
    server: Server, site: dict, agent: dict
) -> None:
    shopper = await SseVisitor.connect(server.base, site["key"])
    ack = await shopper.say("first")
    conversation_id = ack["message"]["conversation_id"]
    await shopper.expect("message.created", timeout=5)
    await shopper.close()

    console = await Agent.connect(server.ws_base, agent["token"])
    await console.say(conversation_id, "missed one")
    await console.say(conversation_id, "missed two")
    back = await SseVisitor.connect(server.base, site["key"], token=shopper.token, last_seq=1)
    backlog = [await back.expect("message.created") for _ in range(2)]
    assert [frame["message"]["seq"] for frame in backlog] == [2, 3]
    assert [frame["message"]["text"] for frame in backlog] == ["missed one", "missed two"]
    assert [f for f in await back.drain() if f["type"] == "message.created"] == []
    await back.close()
    await console.close()


async def test_refusals_over_http_are_json_errors(server: Server, site: dict) -> None:
    shopper = await SseVisitor.open(server.base, site["key"])
    status, body = await shopper.post_answer(None, raw=b"{not json")
    assert status == 400
    assert body["error"]["code"] == "invalid_json"

    status, body = await shopper.post_answer({"type": "typing", "active": True}, stream_id="x.y")
    assert status == 404
    assert body["error"]["code"] == "unknown_stream"
    # A real id of another site names no stream of this one.
    other = server.create_site("Other shop")
    elsewhere = await SseVisitor.open(server.base, other["key"])
    status, body = await shopper.post_answer(
        {"type": "typing", "active": True}, stream_id=elsewhere.stream_id
    )
    assert (status, body["error"]["code"]) == (404, "unknown_stream")
    await elsewhere.close()
    # A stream that has ended is unknown too.
    stream_id = shopper.stream_id
    await shopper.close()
    again = await SseVisitor.open(server.base, site["key"])
    for _ in range(50):
        status, body = await again.post_answer({"type": "typing", "active": True}, stream_id)
        if status == 404:
            break
        await asyncio.sleep(0.1)
    assert (status, body["error"]["code"]) == (404, "unknown_stream")
    await again.close()

    async with httpx.AsyncClient() as client:
        response = await client.get(f"{server.base}/sse/visitor?site=no-such-key")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


async def test_frames_that_break_a_rule_get_error_events(server: Server, site: dict) -> None:
    shopper = await SseVisitor.open(server.base, site["key"])
    # Before hello.
    assert await shopper.post({"type": "message.send", "client_id": "early", "text": "hi"}) == 202
    error = await shopper.expect("error")
    assert (error["code"], error["ref"]) == ("hello_required", "early")
    await shopper.post({"type": "hello", "visitor_token": None, "page": {"url": "https://s/"}})
    await shopper.expect("welcome")
    # Valid JSON, but not a frame the contract knows.
    assert await shopper.post({"type": "no.such.frame"}) == 202
    assert (await shopper.expect("error"))["code"]
    assert await shopper.post(42) == 202
    assert (await shopper.expect("error"))["code"]
    # NUL in a message: refused with an error event, nothing stored.
    nul = {"type": "message.send", "client_id": "nul-1", "text": "a\u0000b"}
    assert await shopper.post(nul) == 202
    error = await shopper.expect("error")
    assert error["ref"] == "nul-1"
    assert error["code"] != "unavailable"
    # Too long a text.
    long = {"type": "message.send", "client_id": "long-1", "text": "x" * 5001}
    assert await shopper.post(long) == 202
    assert (await shopper.expect("error"))["ref"] == "long-1"
    # The stream stays open and usable.
    ack = await shopper.say("still here")
    assert ack["message"]["seq"] == 1
    await shopper.close()


async def test_a_page_whose_origin_the_site_does_not_allow_is_refused(server: Server) -> None:
    shop = server.create_site("Strict shop", origins=("https://shop.example",))
    async with httpx.AsyncClient() as client:
        refused = await client.get(
            f"{server.base}/sse/visitor?site={shop['key']}",
            headers={"origin": "https://evil.example"},
        )
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "origin_not_allowed"
        preflight = await client.options(
            f"{server.base}/api/v1/visitor/frames?site={shop['key']}",
            headers={
                "origin": "https://shop.example",
                "access-control-request-method": "POST",
                "access-control-request-headers": "content-type,x-stream-id",
            },
        )
        assert preflight.status_code == 204
        assert "x-stream-id" in preflight.headers["access-control-allow-headers"].lower()
    shopper = await SseVisitor.open(
        server.base, shop["key"], headers={"origin": "https://shop.example"}
    )
    await shopper.post({"type": "hello", "visitor_token": None, "page": {"url": "https://s/"}})
    await shopper.expect("welcome")
    await shopper.close()


@pytest.fixture
def quick_server(tmp_path: Path) -> Iterator[Server]:
    running = make_server(tmp_path / "quick", CHAT_HELLO_TIMEOUT_SECONDS="1")
    running.start()
    yield running
    running.kill()


async def test_a_stream_without_hello_is_ended_and_an_open_stream_counts_as_online(
    quick_server: Server,
) -> None:
    site = quick_server.create_site("Deadline shop")
    agent = quick_server.create_agent("agent")
    silent = await SseVisitor.open(quick_server.base, site["key"])
    with pytest.raises(StreamClosed):
        await silent.recv(timeout=5)
    await silent.close()

    console = await Agent.connect(quick_server.ws_base, agent["token"])
    shopper = await SseVisitor.connect(quick_server.base, site["key"])
    await asyncio.sleep(2)  # past the hello deadline: a stream that said hello stays
    status, online = quick_server.api("GET", "/api/v1/visitors?online=true", agent["token"])
    assert status == 200
    assert shopper.id in {visitor["id"] for visitor in online["visitors"]}
    await shopper.close()
    left = await console.expect("visitor.left", timeout=10)
    assert left["visitor_id"] == shopper.id
    await console.close()


@pytest.mark.skipif(
    not os.environ.get("CHAT_TEST_REDIS_URL"),
    reason="two processes need Redis (CHAT_TEST_REDIS_URL); runs in make test's PostgreSQL + Redis "
    "pass, where a skip counts as a failure",
)
async def test_a_stream_on_one_process_takes_posts_sent_to_the_other(tmp_path: Path) -> None:
    def start_pair() -> tuple[Server, Server]:
        env = {"CHAT_SECRET_KEY": secrets.token_urlsafe(32)}
        first = make_server(tmp_path / "a", **env)
        second = make_server(
            tmp_path / "b", CHAT_DATABASE_URL=first.env["CHAT_DATABASE_URL"], **env
        )
        first.start()
        second.start()
        return first, second

    first, second = await asyncio.to_thread(start_pair)
    try:
        site = first.create_site("Two processes")
        agent = first.create_agent("agent")
        console = await Agent.connect(second.ws_base, agent["token"])
        shopper = await SseVisitor.open(first.base, site["key"])
        shopper.base = second.base  # every POST goes to the other process
        assert await shopper.post({"type": "hello", "visitor_token": None, "page": {"url": "/"}})
        await shopper.expect("welcome", timeout=15)
        client_ids = [uuid.uuid4().hex for _ in range(5)]
        for n, client_id in enumerate(client_ids):
            body = {"type": "message.send", "client_id": client_id, "text": f"n{n}"}
            assert await shopper.post(body) == 202
        acks = [await shopper.expect("ack", client_id=c, timeout=10) for c in client_ids]
        assert [ack["message"]["seq"] for ack in acks] == [1, 2, 3, 4, 5]
        conversation_id = acks[0]["message"]["conversation_id"]
        await console.say(conversation_id, "from the other process")
        reply = await shopper.expect("message.created", timeout=10, **{})
        while reply["message"]["text"] != "from the other process":
            reply = await shopper.expect("message.created", timeout=10)
        assert reply["message"]["seq"] == 6
        await shopper.close()
        await console.close()
    finally:
        first.kill()
        second.kill()


async def test_the_socket_still_works_beside_the_stream(server: Server, site: dict) -> None:
    """One visitor in two tabs, one on each transport, sees the same conversation."""
    on_stream = await SseVisitor.connect(server.base, site["key"])
    on_socket = await Visitor.connect(server.ws_base, site["key"], token=on_stream.token)
    ack = await on_socket.say("from the socket tab")
    created = await on_stream.expect("message.created")
    assert created["message"] == ack["message"]
    await on_socket.close()
    await on_stream.close()
