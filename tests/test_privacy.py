"""KVKK/GDPR over a real server, checked in the database file itself: IP truncation,
export, erasure and the retention purge."""

from __future__ import annotations

import asyncio
import os
import secrets
import sqlite3
import time
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from clients import Agent, Visitor
from conftest import Server

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("CHAT_TEST_DATABASE_URL")),
    reason="reads the SQLite file directly; PostgreSQL runs have no file to inspect",
)


def database(server: Server) -> Path:
    return server.data_dir / "chat.db"


def query(server: Server, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database(server))) as connection:
        return connection.execute(sql, params).fetchall()


def stored_bytes(server: Server) -> bytes:
    """The database as it lies on disk: the main file and its write-ahead log."""
    path = database(server)
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def page(path: str, referrer: str | None = None) -> dict[str, Any]:
    return {"url": f"https://shop.example{path}", "title": path, "referrer": referrer}


def ip_mode(server: Server, key: str, mode: str) -> None:
    server.cli("sites", "update", key, "--ip-mode", mode)


# -- IP addresses ----------------------------------------------------------------------


async def test_truncation_keeps_only_the_network_part_after_locating_the_visitor(
    server: Server, agent: dict
) -> None:
    shop = server.create_site("Kısaltan dükkan")
    ip_mode(server, shop["key"], "truncate")
    london = await Visitor.connect(
        server.ws_base, shop["key"], headers={"X-Forwarded-For": "81.2.69.142"}
    )
    istanbul = await Visitor.connect(
        server.ws_base, shop["key"], headers={"X-Forwarded-For": "2a02:d980:1:2:3:4:5:6"}
    )
    await london.close()
    await istanbul.close()

    rows = dict(query(server, "SELECT id, ip FROM visitor WHERE site_id = ?", shop["id"]))
    assert rows == {london.id: "81.2.69.0", istanbul.id: "2a02:d980:1::"}
    (geo,) = query(
        server, "SELECT json_extract(geo, '$.city') FROM visitor WHERE id = ?", london.id
    )
    assert geo == ("London",)  # located before the address was cut
    status, seen = server.api("GET", f"/api/v1/visitors/{istanbul.id}", agent["token"])
    assert status == 200
    assert seen["ip"] == "2a02:d980:1::"
    assert seen["geo"]["timezone"] == "Europe/Istanbul"
    assert b"81.2.69.142" not in stored_bytes(server)


async def test_with_ip_mode_none_no_address_is_stored_but_the_location_is(
    server: Server,
) -> None:
    shop = server.create_site("Adressiz dükkan")
    ip_mode(server, shop["key"], "none")
    shopper = await Visitor.connect(
        server.ws_base, shop["key"], headers={"X-Forwarded-For": "81.2.69.160"}
    )
    await shopper.close()
    assert query(
        server,
        "SELECT ip, json_extract(geo, '$.country_code') FROM visitor WHERE id = ?",
        shopper.id,
    ) == [(None, "GB")]


async def test_tightening_the_ip_mode_applies_to_addresses_already_stored(server: Server) -> None:
    shop = server.create_site("Sıkılaşan dükkan")
    shopper = await Visitor.connect(
        server.ws_base, shop["key"], headers={"X-Forwarded-For": "81.2.69.160"}
    )
    await shopper.close()
    ip_of = "SELECT ip FROM visitor WHERE id = ?"
    assert query(server, ip_of, shopper.id) == [("81.2.69.160",)]

    ip_mode(server, shop["key"], "truncate")
    assert query(server, ip_of, shopper.id) == [("81.2.69.0",)]
    ip_mode(server, shop["key"], "none")
    assert query(server, ip_of, shopper.id) == [(None,)]
    audited = query(
        server,
        "SELECT json_extract(detail, '$.mode') FROM audit_log WHERE action = 'site.ip_mode' AND subject = ?",
        shop["id"],
    )
    assert audited == [("truncate",), ("none",)]


# -- export and erasure ------------------------------------------------------------------


async def a_visitor_with_a_history(server: Server, site: dict, agent: dict, marker: str) -> Visitor:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(
        server.ws_base,
        site["key"],
        page=page(f"/urun/{marker}", f"https://www.google.com.tr/search?q={marker}+ayakkab%C4%B1"),
        headers={
            "X-Forwarded-For": "81.2.69.142",
            "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
        },
    )
    await shopper.send(
        {"type": "identify", "name": "Gizli Müşteri", "email": f"{marker}@example.com"}
    )
    await shopper.expect("identified")
    ack = await shopper.say(f"Siparişim {marker} nerede?")
    await console.say(ack["message"]["conversation_id"], f"{marker} kargoda, yarın sizde.")
    await shopper.expect("message.created", timeout=5)
    await shopper.close()
    await console.close()
    return shopper


async def test_an_admin_exports_everything_known_about_a_visitor_and_it_is_audited(
    server: Server, site: dict, agent: dict
) -> None:
    marker = f"export{secrets.token_hex(6)}"
    shopper = await a_visitor_with_a_history(server, site, agent, marker)
    manager = server.create_agent("manager")
    status, refused = server.api("GET", f"/api/v1/visitors/{shopper.id}/export", manager["token"])
    assert status == 403 and refused["error"]["code"] == "forbidden"

    admin = server.create_agent("admin")
    status, export = server.api("GET", f"/api/v1/visitors/{shopper.id}/export", admin["token"])
    assert status == 200
    assert export["visitor"]["id"] == shopper.id
    assert export["visitor"]["pages"][0]["url"] == f"https://shop.example/urun/{marker}"
    assert export["visitor"]["search_keywords"][0] == {
        "keyword": f"{marker} ayakkabı",
        "source": "google",
        "at": export["visitor"]["search_keywords"][0]["at"],
    }
    assert export["visitor"]["geo"]["city"] == "London"
    assert export["stored"]["email"] == f"{marker}@example.com"
    assert export["stored"]["ip"] == "81.2.69.142"
    assert export["stored"]["user_agent"]["device"] == "iPhone"
    (conversation,) = export["conversations"]
    assert [m["text"] for m in conversation["messages"]] == [
        f"Siparişim {marker} nerede?",
        f"{marker} kargoda, yarın sizde.",
    ]
    assert [w["status"] for w in conversation["waits"]] == ["answered"]
    assert query(
        server,
        "SELECT actor_id FROM audit_log WHERE action = 'visitor.export' AND subject = ?",
        shopper.id,
    ) == [(admin["id"],)]


async def test_deleting_a_visitor_erases_it_and_its_conversations_from_the_database_file(
    server: Server, site: dict, agent: dict
) -> None:
    marker = f"erase{secrets.token_hex(6)}"
    shopper = await a_visitor_with_a_history(server, site, agent, marker)
    conversation_ids = [
        row[0]
        for row in query(server, "SELECT id FROM conversation WHERE visitor_id = ?", shopper.id)
    ]
    assert len(conversation_ids) == 1
    assert marker.encode() in stored_bytes(server)

    status, _ = server.api("DELETE", f"/api/v1/visitors/{shopper.id}", agent["token"])
    assert status == 403
    admin = server.create_agent("admin")
    status, body = server.api("DELETE", f"/api/v1/visitors/{shopper.id}", admin["token"])
    assert status == 200 and body == {"deleted": shopper.id}

    for table, column, value in (
        ("visitor", "id", shopper.id),
        ("page_view", "visitor_id", shopper.id),
        ("search_keyword", "visitor_id", shopper.id),
        ("conversation", "visitor_id", shopper.id),
        ("message", "conversation_id", conversation_ids[0]),
        ("wait", "conversation_id", conversation_ids[0]),
    ):
        assert query(server, f"SELECT count(*) FROM {table} WHERE {column} = ?", value) == [(0,)]
    assert query(
        server,
        "SELECT actor_id FROM audit_log WHERE action = 'visitor.delete' AND subject = ?",
        shopper.id,
    ) == [(admin["id"],)]
    assert marker.encode() not in stored_bytes(server)  # not even in free pages or the WAL
    status, _ = server.api("GET", f"/api/v1/visitors/{shopper.id}", admin["token"])
    assert status == 404
    status, _ = server.api("DELETE", f"/api/v1/visitors/{shopper.id}", admin["token"])
    assert status == 404


# -- retention --------------------------------------------------------------------------------


def backdate(server: Server, visitor_ids: list[str], days: float) -> None:
    """Move everything about these visitors ``days`` into the past, as stored (naive UTC)."""
    then = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S.%f")
    marks = ",".join("?" * len(visitor_ids))
    conversations = f"SELECT id FROM conversation WHERE visitor_id IN ({marks})"
    with closing(sqlite3.connect(database(server))) as connection, connection:
        for statement in (
            f"UPDATE visitor SET first_seen_at = ?, last_seen_at = ? WHERE id IN ({marks})",
            f"UPDATE page_view SET entered_at = ?, left_at = ? WHERE visitor_id IN ({marks})",
        ):
            connection.execute(statement, (then, then, *visitor_ids))
        connection.execute(
            f"UPDATE search_keyword SET at = ? WHERE visitor_id IN ({marks})", (then, *visitor_ids)
        )
        connection.execute(
            f"UPDATE conversation SET created_at = ?, resolved_at = CASE WHEN status = 'resolved' THEN ? END "
            f"WHERE visitor_id IN ({marks})",
            (then, then, *visitor_ids),
        )
        connection.execute(
            f"UPDATE message SET created_at = ? WHERE conversation_id IN ({conversations})",
            (then, *visitor_ids),
        )


async def test_the_retention_purge_removes_old_journeys_and_closed_conversations(
    own_server: Server,
) -> None:
    server = own_server
    shop = server.create_site("Unutan dükkan")
    updated = server.cli("sites", "update", shop["key"], "--retention-days", "1")
    assert '"retention_days":1' in updated.stdout
    agent = server.create_agent("agent", "Ayşe")
    marker = f"purge{secrets.token_hex(6)}"

    gone = await a_visitor_with_a_history(server, shop, agent, marker)
    (conversation_id,) = query(server, "SELECT id FROM conversation WHERE visitor_id = ?", gone.id)[
        0
    ]
    console = await Agent.connect(server.ws_base, agent["token"])
    await console.send({"type": "conversation.resolve", "conversation_id": conversation_id})
    await console.expect("conversation.updated")
    waiting = await Visitor.connect(server.ws_base, shop["key"], page=page("/eski-sayfa"))
    await waiting.say("Hâlâ cevap bekliyorum")  # open: kept however old
    recent = await Visitor.connect(server.ws_base, shop["key"], page=page("/yeni?q=bot"))
    for client in (waiting, recent, console):
        await client.close()
    await asyncio.sleep(0.3)

    dwell_of = "SELECT dwell_closed_seconds FROM visitor WHERE id = ?"
    assert query(server, dwell_of, waiting.id)[0][0] > 0
    server.stop()
    backdate(server, [gone.id, waiting.id], days=3)
    assert marker.encode() in stored_bytes(server)
    server.start()  # the purge runs when the server starts, then hourly
    deadline = time.monotonic() + 15
    while not query(
        server,
        "SELECT 1 FROM audit_log WHERE action = 'retention.purge' AND subject = ?",
        shop["id"],
    ):
        assert time.monotonic() < deadline, "the purge did not run"
        await asyncio.sleep(0.2)
    # The purge commits, then folds the log into the file: the bytes go a moment later.
    while marker.encode() in stored_bytes(server):
        assert time.monotonic() < deadline, "the purged text is still on disk"
        await asyncio.sleep(0.2)

    def count(table: str, column: str, value: str) -> int:
        return int(query(server, f"SELECT count(*) FROM {table} WHERE {column} = ?", value)[0][0])

    assert count("visitor", "id", gone.id) == 0
    assert count("page_view", "visitor_id", gone.id) == 0
    assert count("search_keyword", "visitor_id", gone.id) == 0
    assert count("conversation", "id", conversation_id) == 0
    assert count("message", "conversation_id", conversation_id) == 0

    assert count("visitor", "id", waiting.id) == 1  # its open conversation is kept...
    assert count("conversation", "visitor_id", waiting.id) == 1
    assert count("page_view", "visitor_id", waiting.id) == 0  # ...but not its old journey
    (dwell,) = query(server, dwell_of, waiting.id)[0]
    assert abs(dwell) < 1e-6  # time on site is the sum of the journey that is kept

    assert count("visitor", "id", recent.id) == 1
    assert count("page_view", "visitor_id", recent.id) == 1
    assert count("search_keyword", "visitor_id", recent.id) == 1
