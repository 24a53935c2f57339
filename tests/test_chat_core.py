"""The chat core over real sockets against a real `chat-server run` process."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest
import websockets
from clients import Agent, Visitor
from conftest import Server, make_server

pytestmark = pytest.mark.backends


async def test_a_shopper_and_an_agent_exchange_messages(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("Merhaba, kargo ne zaman gelir?")
    assert ack["message"]["seq"] == 1
    assert ack["message"]["author"]["kind"] == "visitor"
    conversation_id = ack["message"]["conversation_id"]

    created = await console.expect("message.created")
    assert created["message"]["text"] == "Merhaba, kargo ne zaman gelir?"
    assert created["message"]["conversation_id"] == conversation_id

    reply = await console.say(conversation_id, "Yarın kargoda 🚚")
    assert reply["message"]["seq"] == 2
    seen = await shopper.expect("message.created", timeout=5)
    assert seen["message"]["seq"] == 1  # the shopper's own message comes back once too
    seen = await shopper.expect("message.created", timeout=5)
    assert seen["message"]["text"] == "Yarın kargoda 🚚"
    assert seen["message"]["author"] == {"kind": "agent", "id": agent["id"], "name": "Ayşe Yılmaz"}

    status, detail = server.api("GET", f"/api/v1/conversations/{conversation_id}", agent["token"])
    assert status == 200
    assert [m["seq"] for m in detail["messages"]] == [1, 2]
    assert detail["first_response_at"] is not None
    await shopper.close()
    await console.close()


async def test_a_retried_client_id_stores_nothing_new(
    server: Server, site: dict, agent: dict
) -> None:
    shopper = await Visitor.connect(server.ws_base, site["key"])
    first = await shopper.say("once", client_id="retry-1")
    again = await shopper.say("once", client_id="retry-1")
    assert again["message"] == first["message"]
    # Even from a new connection after a reconnect.
    await shopper.close()
    back = await Visitor.connect(server.ws_base, site["key"], token=shopper.token)
    third = await back.say("once", client_id="retry-1")
    assert third["message"]["id"] == first["message"]["id"]
    status, detail = server.api(
        "GET", f"/api/v1/conversations/{first['message']['conversation_id']}", agent["token"]
    )
    assert [m["text"] for m in detail["messages"]] == ["once"]
    await back.close()


async def test_a_reconnect_with_last_seq_gets_exactly_the_missed_visible_messages(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("hello")
    conversation_id = ack["message"]["conversation_id"]
    await shopper.close()

    await console.say(conversation_id, "answer one")
    await console.say(conversation_id, "a note only agents see", internal=True)
    await console.say(conversation_id, "answer two")

    back = await Visitor.connect(server.ws_base, site["key"], token=shopper.token, last_seq=1)
    assert back.welcome["conversation"]["id"] == conversation_id
    missed = [await back.expect("message.created") for _ in range(2)]
    assert [m["message"]["text"] for m in missed] == ["answer one", "answer two"]
    assert [m["message"]["seq"] for m in missed] == [2, 4]  # seq skips the internal note
    assert all(m["type"] != "message.created" for m in await back.drain(0.5))
    await back.close()
    await console.close()


async def test_internal_notes_never_reach_the_shopper(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("is this in stock?")
    conversation_id = ack["message"]["conversation_id"]
    note = await console.say(conversation_id, "SECRET: check the warehouse", internal=True)
    assert note["message"]["internal"] is True
    await console.say(conversation_id, "Yes, it is.")
    # The shopper never does: not live, not on resume, not in a second tab.
    frames = await shopper.drain(0.7)
    second_tab = await Visitor.connect(server.ws_base, site["key"], token=shopper.token)
    frames += await second_tab.drain(0.7)
    everything = json.dumps(frames + [shopper.welcome, second_tab.welcome])
    assert "SECRET" not in everything
    texts = [f["message"]["text"] for f in frames if f["type"] == "message.created"]
    assert "Yes, it is." in texts
    await second_tab.close()
    await shopper.close()
    await console.close()


async def test_every_acknowledged_message_is_there_once_and_in_order_after_a_restart(
    own_server: Server,
) -> None:
    site = own_server.create_site("Restart shop")
    agent = own_server.create_agent()
    shopper = await Visitor.connect(own_server.ws_base, site["key"])
    acked = [await shopper.say(f"message {i}") for i in range(10)]  # within the burst allowance
    conversation_id = acked[0]["message"]["conversation_id"]
    await shopper.close()
    own_server.restart()
    back = await Visitor.connect(own_server.ws_base, site["key"], token=shopper.token, last_seq=0)
    replay = [await back.expect("message.created") for _ in range(10)]
    assert [m["message"]["text"] for m in replay] == [f"message {i}" for i in range(10)]
    assert [m["message"]["seq"] for m in replay] == list(range(1, 11))
    status, detail = own_server.api(
        "GET", f"/api/v1/conversations/{conversation_id}", agent["token"]
    )
    assert [m["seq"] for m in detail["messages"]] == list(range(1, 11))
    await back.close()


async def test_no_acknowledged_message_is_lost_when_the_server_is_killed_mid_stream(
    own_server: Server,
) -> None:
    site = own_server.create_site("Kill shop")
    agent = own_server.create_agent()
    shopper = await Visitor.connect(own_server.ws_base, site["key"])
    acked: list[dict[str, Any]] = []

    async def stream() -> None:
        for i in range(10_000):
            client_id = f"k-{i}"
            try:
                await shopper.send(
                    {"type": "message.send", "client_id": client_id, "text": f"m{i}"}
                )
                frame = await shopper.expect("ack", client_id=client_id, timeout=5)
            except (websockets.ConnectionClosed, TimeoutError, EOFError):
                return
            acked.append(frame["message"])
            await asyncio.sleep(0.2)  # within the rate limit

    task = asyncio.create_task(stream())
    await asyncio.sleep(2.0)
    own_server.kill()
    await asyncio.wait_for(task, 10)
    assert len(acked) >= 5
    own_server.start()
    status, detail = own_server.api(
        "GET", f"/api/v1/conversations/{acked[0]['conversation_id']}", agent["token"]
    )
    stored = {m["client_id"]: m for m in detail["messages"]}
    for message in acked:
        assert stored[message["client_id"]]["seq"] == message["seq"]
    seqs = [m["seq"] for m in detail["messages"]]
    assert seqs == sorted(set(seqs))


async def test_a_hundred_concurrent_shoppers_reach_the_agent_exactly_once(
    server: Server, agent: dict
) -> None:
    site = server.create_site("Busy shop")
    console = await Agent.connect(server.ws_base, agent["token"])
    shoppers = await asyncio.gather(
        *(Visitor.connect(server.ws_base, site["key"]) for _ in range(100))
    )

    async def deliver(shopper: Visitor, client_id: str, text: str) -> str:
        """Send as the widget does: retry the same client_id while the server says
        "unavailable" or "rate_limited", until acknowledged."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await shopper.send({"type": "message.send", "client_id": client_id, "text": text})
            while True:
                frame = await shopper.recv(30)
                if frame["type"] == "ack" and frame["client_id"] == client_id:
                    return str(frame["message"]["id"])
                if frame["type"] == "error" and frame["ref"] == client_id:
                    assert frame["code"] in ("unavailable", "rate_limited"), frame
                    await asyncio.sleep(0.5)
                    break
        raise AssertionError(f"{client_id} never acknowledged")

    async def five(shopper: Visitor, n: int) -> list[str]:
        return [await deliver(shopper, f"{n}-{i}", f"{n}:{i}") for i in range(5)]

    acked = await asyncio.gather(*(five(s, n) for n, s in enumerate(shoppers)))
    expected = {mid for ids in acked for mid in ids}
    assert len(expected) == 500
    received: list[str] = []
    deadline = time.monotonic() + 60
    while len(set(received) & expected) < 500 and time.monotonic() < deadline:
        frame = await console.recv(30)
        if frame["type"] == "message.created":
            received.append(frame["message"]["id"])
    mine = [mid for mid in received if mid in expected]
    assert len(mine) == 500 and len(set(mine)) == 500
    assert not [
        f
        for f in await console.drain(0.5)
        if f.get("type") == "message.created" and f["message"]["id"] in expected
    ]
    await asyncio.gather(*(s.close() for s in shoppers))
    await console.close()


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json at all", "invalid_json"),
        ("[1, 2, 3]", "invalid_frame"),
        ('{"no": "type"}', "invalid_frame"),
        ('{"type": "launch.missiles"}', "unknown_type"),
        ('{"type": "message.send", "client_id": 5, "text": "x"}', "invalid_frame"),
        ('{"type": "message.send", "client_id": "a"}', "invalid_frame"),
        ('{"type": "message.send", "client_id": "a", "text": "   "}', "empty_message"),
        (
            json.dumps({"type": "message.send", "client_id": "a", "text": "x" * 5001}),
            "message_too_long",
        ),
        ("[" * 30000 + "]" * 30000, "invalid_json"),
        (b"\x00\x01binary", "binary_not_supported"),
    ],
)
async def test_a_bad_frame_gets_an_error_and_the_connection_stays_open(
    server: Server, site: dict, frame: str | bytes, code: str
) -> None:
    shopper = await Visitor.connect(server.ws_base, site["key"])
    await shopper.send(frame)
    error = await shopper.expect("error")
    assert error["code"] == code
    assert error["message"]
    ack = await shopper.say("still here")
    assert ack["message"]["text"] == "still here"
    await shopper.close()


async def test_a_frame_before_hello_is_refused(server: Server, site: dict) -> None:
    connection = await websockets.connect(f"{server.ws_base}/ws/visitor?site={site['key']}")
    await connection.send(json.dumps({"type": "message.send", "client_id": "x", "text": "hi"}))
    error = json.loads(await asyncio.wait_for(connection.recv(), 5))
    assert (error["type"], error["code"], error["ref"]) == ("error", "hello_required", "x")
    await connection.close()


async def test_an_8_mib_frame_closes_only_that_connection(
    server: Server, site: dict, agent: dict
) -> None:
    bystander = await Visitor.connect(server.ws_base, site["key"])
    attacker = await Visitor.connect(server.ws_base, site["key"])
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await attacker.send("x" * (8 * 1024 * 1024))
        await attacker.recv(5)
    assert closed.value.rcvd is None or closed.value.rcvd.code == 1009
    ack = await bystander.say("unharmed")
    assert ack["message"]["text"] == "unharmed"
    await bystander.close()


async def test_a_flood_is_rate_limited_while_another_shopper_is_served_promptly(
    server: Server, site: dict
) -> None:
    flooder = await Visitor.connect(server.ws_base, site["key"])
    calm = await Visitor.connect(server.ws_base, site["key"])
    for i in range(60):
        await flooder.send({"type": "message.send", "client_id": f"f{i}", "text": "spam"})
    started = time.monotonic()
    ack = await calm.say("just one question")
    assert time.monotonic() - started < 2.0
    assert ack["message"]["text"] == "just one question"
    frames = await flooder.drain(1.0)
    acks = [f for f in frames if f["type"] == "ack"]
    limited = [f for f in frames if f["type"] == "error" and f["code"] == "rate_limited"]
    assert 10 <= len(acks) < 60
    assert limited and all(f["ref"].startswith("f") for f in limited)
    await flooder.close()
    await calm.close()


async def test_the_rate_limit_allows_five_messages_a_second_sustained(
    server: Server, site: dict
) -> None:
    shopper = await Visitor.connect(server.ws_base, site["key"])
    for i in range(20):
        await shopper.say(f"steady {i}")
        await asyncio.sleep(0.2)
    await shopper.close()


def rss_bytes(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def test_an_agent_that_never_reads_does_not_stall_another_agent(tmp_path: Path) -> None:
    server = make_server(tmp_path, CHAT_SEND_QUEUE_SIZE="32")
    server.start()
    try:
        await _slow_agent_scenario(server)
    finally:
        server.stop()


async def _slow_agent_scenario(server: Server) -> None:
    assert server.process is not None
    site = server.create_site("Slow reader shop")
    stuck_agent = server.create_agent()
    live_agent = server.create_agent()
    # A socket that reads nothing, with a tiny receive buffer: the TCP window fills, then
    # the server's send queue for it, and the server drops it.
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.connect(("127.0.0.1", server.port))
    stuck = await websockets.connect(f"{server.ws_base}/ws/agent", sock=raw, max_queue=1)
    await stuck.send(json.dumps({"type": "auth", "token": stuck_agent["token"]}))
    stuck.transport.pause_reading()
    rss_before = rss_bytes(server.process.pid)
    console = await Agent.connect(server.ws_base, live_agent["token"])
    shoppers = [await Visitor.connect(server.ws_base, site["key"]) for _ in range(60)]
    big = "😀" * 4990  # ~20 KB per frame
    latencies = []
    for round_number in range(10):  # 10 messages per shopper stays within the burst allowance
        for shopper in shoppers:
            started = time.monotonic()
            ack = await shopper.say(f"{round_number} {big}")
            frame = await console.expect("message.created", timeout=5)
            while frame["message"]["id"] != ack["message"]["id"]:
                frame = await console.expect("message.created", timeout=5)
            latencies.append(time.monotonic() - started)
    latencies.sort()
    assert len(latencies) == 600
    assert latencies[int(len(latencies) * 0.99)] < 0.5
    _, metrics_text = server.api("GET", "/metrics")
    assert 'chat_ws_slow_consumers_total{kind="agent"}' in metrics_text
    assert 'chat_ws_slow_consumers_total{kind="agent"} 0.0' not in metrics_text
    status, _ = server.api("GET", "/healthz")
    assert status == 200
    assert rss_bytes(server.process.pid) - rss_before < 100 * 1024 * 1024
    for shopper in shoppers:
        await shopper.close()
    await console.close()
    stuck.transport.abort()


async def test_a_token_in_the_url_is_refused_and_a_bad_auth_frame_closes(server: Server) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(f"{server.ws_base}/ws/agent?token=forged")
    assert refused.value.response.status_code == 403
    socket_ = await websockets.connect(f"{server.ws_base}/ws/agent")
    await socket_.send(json.dumps({"type": "auth", "token": "forged"}))
    error = json.loads(await asyncio.wait_for(socket_.recv(), 5))
    assert (error["type"], error["code"]) == ("error", "unauthorized")
    with pytest.raises(websockets.ConnectionClosed) as closed:
        await asyncio.wait_for(socket_.recv(), 5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_an_unknown_site_key_is_refused_at_the_handshake(server: Server) -> None:
    with pytest.raises(websockets.InvalidStatus) as refused:
        await websockets.connect(f"{server.ws_base}/ws/visitor?site=nope")
    assert refused.value.response.status_code == 403


async def test_a_site_with_origins_refuses_other_origins(server: Server) -> None:
    site = server.create_site("Strict shop", origins=("https://shop.example",))
    allowed = await Visitor.connect(server.ws_base, site["key"], origin="https://shop.example")
    await allowed.close()
    with pytest.raises(websockets.InvalidStatus):
        await Visitor.connect(server.ws_base, site["key"], origin="https://evil.example")
    with pytest.raises(websockets.InvalidStatus):
        await Visitor.connect(server.ws_base, site["key"])


async def test_a_returning_visitor_gets_its_open_conversation_back(
    server: Server, site: dict
) -> None:
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("remember me")
    await shopper.close()
    back = await Visitor.connect(server.ws_base, site["key"], token=shopper.token)
    assert back.id == shopper.id
    assert back.welcome["conversation"]["id"] == ack["message"]["conversation_id"]
    replay = await back.expect("message.created")
    assert replay["message"]["text"] == "remember me"
    await back.close()


async def test_resolving_updates_both_sides_and_the_next_message_starts_a_new_conversation(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("thanks, that is all")
    conversation_id = ack["message"]["conversation_id"]
    await console.send({"type": "conversation.resolve", "conversation_id": conversation_id})
    update = await console.expect("conversation.updated", timeout=5)
    while (
        update["conversation"]["id"] != conversation_id
        or update["conversation"]["status"] != "resolved"
    ):
        update = await console.expect("conversation.updated", timeout=5)
    mine = await shopper.expect("conversation.updated", timeout=5)
    while mine["conversation"]["status"] != "resolved":
        mine = await shopper.expect("conversation.updated", timeout=5)
    await console.send({"type": "conversation.resolve", "conversation_id": conversation_id})
    error = await console.expect("error")
    assert error["code"] == "invalid_transition"
    again = await shopper.say("one more thing")
    assert again["message"]["conversation_id"] != conversation_id
    assert again["message"]["seq"] == 1
    await shopper.close()
    await console.close()


async def test_typing_is_forwarded_both_ways(server: Server, site: dict, agent: dict) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("typing test")
    conversation_id = ack["message"]["conversation_id"]
    await shopper.send({"type": "typing", "active": True})
    typing = await console.expect("typing", conversation_id=conversation_id)
    assert typing["active"] is True
    await console.send({"type": "typing", "conversation_id": conversation_id, "active": True})
    seen = await shopper.expect("typing")
    assert seen["active"] is True and seen["author"]["kind"] == "agent"
    await shopper.close()
    await console.close()


def test_http_errors_have_the_json_shape(server: Server, agent: dict) -> None:
    status, body = server.api("GET", "/api/v1/conversations")
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = server.api("GET", "/api/v1/conversations", "bad-token")
    assert status == 401 and body["error"]["code"] == "unauthorized"
    status, body = server.api(
        "POST", "/api/v1/auth/token", body={"email": agent["email"], "password": "wrong"}
    )
    assert status == 401 and body["error"]["code"] == "invalid_credentials"
    status, body = server.api("GET", "/api/v1/conversations/nope", agent["token"])
    assert status == 404 and body["error"]["code"] == "conversation_not_found"
    status, body = server.api("GET", "/api/v1/conversations?status=weird", agent["token"])
    assert status == 400 and body["error"]["code"] == "invalid_parameter"
    status, body = server.api("GET", "/healthz")
    assert (status, body) == (200, {"status": "ok"})


def test_metrics_are_exposed_in_prometheus_format(server: Server) -> None:
    status, text = server.api("GET", "/metrics")
    assert status == 200
    assert "chat_ws_connections" in text and "chat_messages_total" in text


def test_garbage_collector_pauses_are_measured_and_the_oldest_generation_waits_for_its_job(
    server: Server,
) -> None:
    # Young collections run all the time; a full one only when the job runs it (10 min).
    _, text = server.api("GET", "/metrics")
    counts = {
        line.split('generation="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("chat_gc_pause_seconds_count{")
    }
    assert counts.get("0", 0) > 0
    assert counts.get("2", 0) == 0


async def test_shoppers_hear_when_agents_come_online_and_leave(own_server: Server) -> None:
    site = own_server.create_site("Presence shop")
    agent = own_server.create_agent()
    shopper = await Visitor.connect(own_server.ws_base, site["key"])
    assert shopper.welcome["agents_online"] == 0
    console = await Agent.connect(own_server.ws_base, agent["token"])
    update = await shopper.expect("agents.updated")
    assert update["agents_online"] == 1
    await console.close()
    update = await shopper.expect("agents.updated")
    assert update["agents_online"] == 0
    await shopper.close()
