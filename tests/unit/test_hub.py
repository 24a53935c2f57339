"""The hub's promises to each socket: in order, once, gaps filled, slow sockets dropped.

The socket is a stand-in for Starlette's WebSocket (the part the hub uses: ``send_text``,
``close`` and ``application_state``) whose writes can be held back, as a client that
stops reading holds back a real transport.
"""

from __future__ import annotations

import asyncio

from starlette.websockets import WebSocketState

from chat_server.realtime.bus import MemoryBus
from chat_server.realtime.hub import SLOW_CONSUMER, Connection, Hub
from chat_server.wire.envelope import Envelope


class HeldBackSocket:
    """Writes complete at once while ``flowing`` is set; otherwise they wait for it."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed_with: int | None = None
        self.application_state = WebSocketState.CONNECTED
        self.flowing = asyncio.Event()
        self.flowing.set()

    async def send_text(self, text: str) -> None:
        if not self.flowing.is_set():
            await self.flowing.wait()
        self.sent.append(text)

    async def close(self, code: int = 1000) -> None:
        self.closed_with = code
        self.application_state = WebSocketState.DISCONNECTED


def message(seq: int, conversation_id: str = "c1") -> Envelope:
    return Envelope("agents", f"m{seq}", conversation_id, seq)


def no_gap_expected(conversation_id: str, after: int) -> asyncio.Future[list[tuple[int, str]]]:
    raise AssertionError(f"no gap was expected ({conversation_id} after {after})")


def connection_for(
    socket: HeldBackSocket, *, loader=no_gap_expected, fill_unknown=False, queue_size=10
) -> Connection:
    return Connection(socket, "agent", queue_size, loader, fill_unknown)  # type: ignore[arg-type]


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_messages_go_out_in_seq_order_and_a_repeated_seq_is_dropped() -> None:
    socket = HeldBackSocket()
    connection = connection_for(socket)
    for seq in (1, 1, 2, 2, 3):
        connection.offer(message(seq))
    assert socket.sent == ["m1", "m2", "m3"]


async def test_frames_without_a_seq_are_never_deduplicated() -> None:
    socket = HeldBackSocket()
    connection = connection_for(socket)
    connection.offer(Envelope("agents", "typing"))
    connection.offer(Envelope("agents", "typing"))
    connection.send("ack")
    assert socket.sent == ["typing", "typing", "ack"]


async def test_a_gap_is_filled_from_the_database_before_anything_later() -> None:
    socket = HeldBackSocket()
    asked: list[tuple[str, int]] = []

    async def loader(conversation_id: str, after: int) -> list[tuple[int, str]]:
        asked.append((conversation_id, after))
        return [(2, "m2"), (3, "m3"), (4, "m4")]

    connection = connection_for(socket, loader=loader)
    connection.mark_sent("c1", 1)
    connection.offer(message(4))  # 2 and 3 are committed but their events have not come
    connection.offer(message(5))  # arrives while the gap loads: must wait behind it
    await settle()
    assert asked == [("c1", 1)]
    assert socket.sent == ["m2", "m3", "m4", "m5"]
    connection.offer(message(3))  # the late event of a message already sent
    assert socket.sent == ["m2", "m3", "m4", "m5"]


async def test_a_visitor_socket_fills_a_conversation_it_never_saw_from_its_first_message() -> None:
    socket = HeldBackSocket()

    async def loader(conversation_id: str, after: int) -> list[tuple[int, str]]:
        assert after == 0
        return [(1, "m1"), (2, "m2")]

    connection = connection_for(socket, loader=loader, fill_unknown=True)
    connection.offer(message(2))
    await settle()
    assert socket.sent == ["m1", "m2"]


async def test_an_agent_socket_takes_a_new_conversation_from_whatever_seq_comes_first() -> None:
    socket = HeldBackSocket()
    connection = connection_for(socket)
    connection.offer(message(7, "new"))
    connection.offer(message(8, "new"))
    assert socket.sent == ["m7", "m8"]


async def test_events_held_during_a_backlog_come_after_it_without_repeats() -> None:
    socket = HeldBackSocket()
    connection = connection_for(socket)
    connection.hold()
    connection.offer(message(2))  # live, while the backlog is read
    connection.offer(message(3))
    connection.send("welcome")
    connection.send("m1")
    connection.send("m2")  # the backlog already had 2
    connection.mark_sent("c1", 2)
    connection.release()
    assert socket.sent == ["welcome", "m1", "m2", "m3"]


async def test_a_backed_up_socket_keeps_order_and_goes_back_to_direct_writes_once_caught_up() -> (
    None
):
    socket = HeldBackSocket()
    connection = connection_for(socket)
    socket.flowing.clear()
    connection.offer(message(1))
    connection.send("ack")
    connection.offer(message(2))
    await settle()
    assert socket.sent == []
    socket.flowing.set()
    await settle()
    assert socket.sent == ["m1", "ack", "m2"]
    connection.offer(message(3))
    assert socket.sent[-1] == "m3"  # written at once: no queue or task is left behind


async def test_a_socket_that_stops_reading_is_closed_with_1013_and_others_are_not_held_up() -> None:
    slow_socket, quick_socket = HeldBackSocket(), HeldBackSocket()
    hub = Hub(MemoryBus())
    slow = connection_for(slow_socket, queue_size=3)
    quick = connection_for(quick_socket, queue_size=3)
    await hub.attach(slow, ["agents"])
    await hub.attach(quick, ["agents"])
    reading = asyncio.Event()
    runs = [
        asyncio.create_task(slow.run(reading.wait)),
        asyncio.create_task(quick.run(reading.wait)),
    ]
    await settle()
    slow_socket.flowing.clear()
    for seq in range(1, 8):
        hub.deliver(message(seq))
    await asyncio.wait_for(runs[0], 2)
    assert slow.closed
    assert slow_socket.closed_with == SLOW_CONSUMER
    assert quick_socket.sent == [f"m{seq}" for seq in range(1, 8)]
    assert not quick.closed
    reading.set()
    await asyncio.wait_for(runs[1], 2)


async def test_a_detached_socket_hears_nothing_more_and_the_others_still_do() -> None:
    first_socket, second_socket = HeldBackSocket(), HeldBackSocket()
    hub = Hub(MemoryBus())
    first, second = connection_for(first_socket), connection_for(second_socket)
    await hub.attach(first, ["agents", "visitor:v1"])
    await hub.attach(second, ["agents"])
    hub.deliver(Envelope("visitor:v1", "only-first"))
    hub.deliver(message(1))
    await hub.detach(first)
    hub.deliver(message(2))
    hub.deliver(Envelope("visitor:v1", "nobody"))
    assert first_socket.sent == ["only-first", "m1"]
    assert second_socket.sent == ["m1", "m2"]
