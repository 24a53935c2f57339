"""History in ``welcome`` and read receipts (``message.seen``) over real sockets."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from clients import Agent, Visitor
from conftest import Server

pytestmark = pytest.mark.backends


async def backdate_resolution(server: Server, conversation_id: str, days: float) -> None:
    """Move a resolution into the past, as if the shopper came back ``days`` later."""
    url = server.env["CHAT_DATABASE_URL"]
    when = datetime.now(UTC) - timedelta(days=days)
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1]
        with sqlite3.connect(path) as db:
            db.execute(
                "UPDATE conversation SET resolved_at = ? WHERE id = ?",
                (when.replace(tzinfo=None).isoformat(sep=" "), conversation_id),
            )
        return
    import asyncpg  # type: ignore[import-untyped]  # noqa: PLC0415 - PostgreSQL runs only

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.execute(
            "UPDATE conversation SET resolved_at = $1 WHERE id = $2", when, conversation_id
        )
    finally:
        await connection.close()


async def chat_and_resolve(
    server: Server, site: dict[str, Any], console: Agent, token: str | None, words: str
) -> tuple[Visitor, str]:
    """A shopper writes, the agent answers, adds a note and resolves; returns the shopper."""
    shopper = await Visitor.connect(server.ws_base, site["key"], token=token)
    ack = await shopper.say(words)
    conversation_id = ack["message"]["conversation_id"]
    await console.say(conversation_id, f"answer to {words}")
    await console.say(conversation_id, f"note about {words}", internal=True)
    await console.send({"type": "conversation.resolve", "conversation_id": conversation_id})
    while (await shopper.expect("conversation.updated"))["conversation"]["status"] != "resolved":
        pass
    return shopper, conversation_id


async def test_welcome_history_keeps_recent_transcripts_without_notes(
    server: Server, site: dict[str, Any], agent: dict[str, Any]
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    token = None
    resolved = []
    for n in range(7):
        shopper, conversation_id = await chat_and_resolve(
            server, site, console, token, f"question {n}"
        )
        token = shopper.token
        resolved.append(conversation_id)
        await shopper.close()
    await backdate_resolution(server, resolved[6], 31)  # the newest: over 30 days ago now
    back = await Visitor.connect(server.ws_base, site["key"], token=token)
    history = back.welcome["history"]
    assert back.welcome["conversation"] is None
    # At most 5, newest first; the one resolved 31 days ago is gone.
    assert [c["id"] for c in history] == list(reversed(resolved[1:6]))
    newest = history[0]
    assert newest["status"] == "resolved"
    assert newest["rating"] is None
    assert [m["text"] for m in newest["messages"]] == ["question 5", "answer to question 5"]
    assert all(not m["internal"] for c in history for m in c["messages"])
    assert [m["seq"] for m in newest["messages"]] == [1, 2]
    # A new shopper has no history.
    stranger = await Visitor.connect(server.ws_base, site["key"])
    assert stranger.welcome["history"] == []
    await asyncio.gather(back.close(), stranger.close(), console.close())


async def test_a_pending_rating_survives_a_reload_and_names_its_conversation(
    server: Server, site: dict[str, Any], agent: dict[str, Any]
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper, first = await chat_and_resolve(server, site, console, None, "first")
    await shopper.close()
    shopper, second = await chat_and_resolve(server, site, console, shopper.token, "second")
    await shopper.close()
    # After a reload (a new socket) both are offered unrated; rate the older one by id.
    back = await Visitor.connect(server.ws_base, site["key"], token=shopper.token)
    assert [(c["id"], c["rating"]) for c in back.welcome["history"]] == [
        (second, None),
        (first, None),
    ]
    await back.send({"type": "rating.submit", "score": 4, "conversation_id": first})
    recorded = await back.expect("rating.recorded")
    assert recorded == {"type": "rating.recorded", "conversation_id": first, "score": 4}
    # Without conversation_id the latest one is rated.
    await back.send({"type": "rating.submit", "score": 5, "comment": "süper"})
    assert (await back.expect("rating.recorded"))["conversation_id"] == second
    # Somebody else's conversation is not found, and nothing changes.
    other = await Visitor.connect(server.ws_base, site["key"])
    await other.send({"type": "rating.submit", "score": 1, "conversation_id": first})
    refused = await other.expect("error")
    assert refused["code"] == "not_found"
    await back.close()
    again = await Visitor.connect(server.ws_base, site["key"], token=shopper.token)
    assert [(c["id"], c["rating"]) for c in again.welcome["history"]] == [(second, 5), (first, 4)]
    await asyncio.gather(again.close(), other.close(), console.close())


async def test_message_seen_travels_both_ways_and_never_goes_back(
    server: Server, site: dict[str, Any], agent: dict[str, Any]
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    ack = await shopper.say("Siparişim nerede?")
    conversation_id = ack["message"]["conversation_id"]
    await console.say(conversation_id, "Kargoda, yarın sizde.")
    await console.say(conversation_id, "internal only", internal=True)  # seq 3
    await console.say(conversation_id, "Başka bir şey?")  # seq 4

    # The agent saw everything: the shopper hears it with the agent's name.
    await console.send({"type": "message.seen", "conversation_id": conversation_id, "seq": 4})
    seen = await shopper.expect("message.seen")
    assert seen == {
        "type": "message.seen",
        "conversation_id": conversation_id,
        "seq": 4,
        "by": "agent",
        "agent": {"id": agent["id"], "name": "Ayşe Yılmaz"},
    }
    # The shopper saw up to its last visible message; a claim past it counts as the end.
    await shopper.send({"type": "message.seen", "conversation_id": conversation_id, "seq": 99})
    seen = await console.expect("message.seen", conversation_id=conversation_id)
    assert seen == {
        "type": "message.seen",
        "conversation_id": conversation_id,
        "seq": 4,
        "by": "visitor",
    }
    # Going back changes nothing and announces nothing.
    await shopper.send({"type": "message.seen", "conversation_id": conversation_id, "seq": 2})
    await console.send({"type": "message.seen", "conversation_id": conversation_id, "seq": 1})
    assert not [f for f in await console.drain(0.5) if f["type"] == "message.seen"]
    assert not [f for f in await shopper.drain(0.5) if f["type"] == "message.seen"]
    status, detail = server.api("GET", f"/api/v1/conversations/{conversation_id}", agent["token"])
    assert status == 200
    assert (detail["visitor_seen_seq"], detail["agent_seen_seq"]) == (4, 4)
    # The marks are in the shopper's conversation after a reload too.
    await shopper.close()
    back = await Visitor.connect(server.ws_base, site["key"], token=shopper.token)
    assert back.welcome["conversation"]["agent_seen_seq"] == 4
    await asyncio.gather(back.close(), console.close())


async def test_receipts_stay_within_their_site_and_visitor(server: Server) -> None:
    shop_a = server.create_site("Receipts A")
    shop_b = server.create_site("Receipts B")
    agent_a = server.create_agent("agent", "Agent A", sites=(shop_a["key"],))
    agent_b = server.create_agent("agent", "Agent B", sites=(shop_b["key"],))
    console_a = await Agent.connect(server.ws_base, agent_a["token"])
    console_b = await Agent.connect(server.ws_base, agent_b["token"])
    shopper = await Visitor.connect(server.ws_base, shop_a["key"])
    conversation_id = (await shopper.say("hello A"))["message"]["conversation_id"]
    await console_a.expect("message.created")
    await shopper.send({"type": "message.seen", "conversation_id": conversation_id, "seq": 1})
    await console_a.expect("message.seen", conversation_id=conversation_id)
    assert not [f for f in await console_b.drain(0.5) if f["type"] == "message.seen"]
    # Agent B may not mark a conversation of site A; another shopper may not either.
    await console_b.send({"type": "message.seen", "conversation_id": conversation_id, "seq": 1})
    assert (await console_b.expect("error"))["code"] == "not_found"
    intruder = await Visitor.connect(server.ws_base, shop_a["key"])
    await intruder.send({"type": "message.seen", "conversation_id": conversation_id, "seq": 1})
    assert (await intruder.expect("error"))["code"] == "not_found"
    assert not [f for f in await shopper.drain(0.5) if f["type"] == "message.seen"]
    # A bad seq is refused at the edge.
    await shopper.send({"type": "message.seen", "conversation_id": conversation_id, "seq": -1})
    assert (await shopper.expect("error"))["code"] == "invalid_frame"
    await asyncio.gather(shopper.close(), intruder.close(), console_a.close(), console_b.close())
