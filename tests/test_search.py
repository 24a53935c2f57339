"""History search (issue 12): Turkish-aware words, visitors, tenancy, erasure, limits.

Runs on SQLite (FTS5) and, marked ``backends``, on PostgreSQL (``tsvector``): the same
words must be found on both.
"""

from __future__ import annotations

import asyncio
import secrets
import time
import urllib.parse
from typing import Any

import pytest
from alembic import command
from clients import Agent, Visitor
from conftest import Server

from chat_server.config.settings import load_settings
from chat_server.search.folding import document, fold, query_words, snippet
from chat_server.storage.migrate import alembic_config, upgrade_to_head

pytestmark = pytest.mark.backends


def account(server: Server, role: str, *site_keys: str) -> dict[str, Any]:
    """An account of ``site_keys`` (every site when none), with an API token."""
    return server.create_agent(role, f"{role} {secrets.token_hex(4)}", site_keys)


def search(server: Server, token: str, q: str, **params: str) -> tuple[int, Any]:
    query = urllib.parse.urlencode({"q": q, **params})
    return server.api("GET", f"/api/v1/search?{query}", token)


def found(server: Server, token: str, q: str, site: dict[str, Any]) -> list[dict[str, Any]]:
    status, body = search(server, token, q, site_id=site["id"])
    assert status == 200, body
    return list(body["results"])


def texts_of(results: list[dict[str, Any]]) -> list[str]:
    return [hit["snippet"] for hit in results]


# -- folding: pure ---------------------------------------------------------------------


def test_folding_follows_turkish_case_rules_then_drops_diacritics() -> None:
    assert fold("İADE") == "iade"
    assert fold("IŞIK Ödeme ÇĞÜ") == "isik odeme cgu"
    assert len(fold("İİ ıI")) == len("İİ ıI")  # one character for one: snippets map back
    assert document("Kargo'yu 2 günde, ödedim!") == "kargo yu 2 gunde odedim"
    assert query_words("  İADE iade, kargo ") == ["iade", "kargo"]


def test_a_snippet_marks_the_original_words_and_escapes_the_rest() -> None:
    text = "x " * 80 + "<b>KARGOM</b> geldi mi? " + "y " * 80
    cut = snippet(text, ["kargo"])
    assert "<mark>KARGOM</mark>" in cut
    assert "&lt;b&gt;" in cut and "<b>" not in cut
    assert cut.startswith("…") and cut.endswith("…")
    assert len(cut) < 140


# -- the API ---------------------------------------------------------------------------


async def test_words_are_found_turkish_aware_newest_first(server: Server) -> None:
    site = server.create_site("Arama")
    admin = server.create_agent("admin")
    visitor = await Visitor.connect(server.ws_base, site["key"])
    await visitor.say("KARGOM geldi mi?")
    await visitor.say("Ödeme sayfası açılmıyor")
    await visitor.say("iade etmek istiyorum")
    await visitor.say("kargoyu aldım, teşekkürler")
    await visitor.close()

    kargo = found(server, admin["token"], "kargo", site)
    assert texts_of(kargo) == [
        "<mark>kargoyu</mark> aldım, teşekkürler",
        "<mark>KARGOM</mark> geldi mi?",
    ]
    assert [hit["seq"] for hit in kargo] == [4, 1]
    first = kargo[0]
    assert set(first) >= {"conversation_id", "message_id", "seq", "snippet", "created_at"}
    assert first["created_at"] >= kargo[1]["created_at"]
    assert texts_of(found(server, admin["token"], "odeme", site)) == [
        "<mark>Ödeme</mark> sayfası açılmıyor"
    ]
    for query in ("İADE", "iade", "IADE", "ıade"):
        assert texts_of(found(server, admin["token"], query, site)) == [
            "<mark>iade</mark> etmek istiyorum"
        ], query
    # Every word must match (as a prefix): "kargo teşekkür" finds only the one.
    assert [hit["seq"] for hit in found(server, admin["token"], "kargo tesekkur", site)] == [4]
    assert found(server, admin["token"], "argo", site) == []


async def test_agents_replies_and_internal_notes_are_found_at_once(server: Server) -> None:
    site = server.create_site("Notlar")
    admin = server.create_agent("admin")
    visitor = await Visitor.connect(server.ws_base, site["key"])
    ack = await visitor.say("merhaba")
    agent = await Agent.connect(server.ws_base, admin["token"])
    conversation_id = ack["message"]["conversation_id"]
    await agent.say(conversation_id, "Siparişiniz yolda", internal=False)
    await agent.say(conversation_id, "Müşteri iki kez aradı", internal=True)
    started = time.monotonic()
    assert [hit["seq"] for hit in found(server, admin["token"], "siparis", site)] == [2]
    assert [hit["seq"] for hit in found(server, admin["token"], "musteri", site)] == [3]
    assert time.monotonic() - started < 2
    await agent.close()
    await visitor.close()


async def test_messages_sent_at_the_same_moment_are_all_found_once_acknowledged(
    server: Server,
) -> None:
    # Messages arriving together share one transaction, and their index rows go in
    # together just before its commit: each must be searchable once its ack is out.
    site = server.create_site("Toplu")
    admin = server.create_agent("admin")
    shoppers = await asyncio.gather(
        *(Visitor.connect(server.ws_base, site["key"]) for _ in range(12))
    )
    acks = await asyncio.gather(
        *(shopper.say(f"sepetim{i} bosaldi") for i, shopper in enumerate(shoppers))
    )
    assert all(ack["type"] == "ack" for ack in acks)
    hits = found(server, admin["token"], "sepetim", site)
    assert sorted(hit["message_id"] for hit in hits) == sorted(ack["message"]["id"] for ack in acks)
    assert found(server, admin["token"], "sepetim7", site)[0]["snippet"] == (
        "<mark>sepetim7</mark> bosaldi"
    )
    for shopper in shoppers:
        await shopper.close()


async def test_a_visitors_name_and_email_are_found(server: Server) -> None:
    site = server.create_site("Kişiler")
    admin = server.create_agent("admin")
    visitor = await Visitor.connect(server.ws_base, site["key"])
    first = await visitor.say("ilk soru")
    await visitor.send({"type": "identify", "name": "Şükrü Öztürk", "email": "sukru@ornek.com.tr"})
    await visitor.expect("identified")
    await visitor.close()
    silent = await Visitor.connect(server.ws_base, site["key"])  # no conversation to open
    await silent.send({"type": "identify", "name": "Şükrü Öztürk"})
    await silent.expect("identified")
    await silent.close()

    for query in ("sukru", "ÖZTÜRK", "ornek.com", "Şükrü Öz"):
        hits = found(server, admin["token"], query, site)
        assert len(hits) == 1, (query, hits)
        hit = hits[0]
        assert hit["message_id"] is None and hit["seq"] is None
        assert hit["conversation_id"] == first["message"]["conversation_id"]
        assert "Öztürk" in hit["snippet"]
    assert found(server, admin["token"], "ukru", site) != []  # e-mail: anywhere in it
    assert found(server, admin["token"], "zturk", site) == []  # name: a word's start


async def test_another_sites_messages_never_appear(server: Server) -> None:
    shop_a, shop_b = server.create_site("Shop A"), server.create_site("Shop B")
    agent_a = account(server, "agent", shop_a["key"])
    admin = server.create_agent("admin")
    word = "zebra" + secrets.token_hex(3)
    for shop in (shop_a, shop_b):
        visitor = await Visitor.connect(server.ws_base, shop["key"])
        await visitor.say(f"{word} {shop['name']}")
        await visitor.send({"type": "identify", "name": f"{word} Kişi"})
        await visitor.expect("identified")
        await visitor.close()

    status, body = search(server, agent_a["token"], word)
    assert status == 200
    assert len(body["results"]) == 2  # the message and the visitor, of shop A only
    assert all("Shop B" not in hit["snippet"] for hit in body["results"])
    assert any("Shop A" in hit["snippet"] for hit in body["results"])
    status, body = search(server, agent_a["token"], word, site_id=shop_b["id"])
    assert status == 404 and body["error"]["code"] == "not_found"
    status, body = search(server, admin["token"], word)
    assert len(body["results"]) == 4


async def test_an_erased_visitors_messages_leave_the_index(server: Server) -> None:
    site = server.create_site("Silme")
    admin = server.create_agent("admin")
    visitor = await Visitor.connect(server.ws_base, site["key"])
    await visitor.say("gizli adresim Kadıköy")
    await visitor.close()
    other = await Visitor.connect(server.ws_base, site["key"])
    await other.say("Kadıköy şubesi açık mı")
    await other.close()
    assert len(found(server, admin["token"], "kadikoy", site)) == 2

    status, _ = server.api("DELETE", f"/api/v1/visitors/{visitor.id}", admin["token"])
    assert status == 200
    assert texts_of(found(server, admin["token"], "kadikoy", site)) == [
        "<mark>Kadıköy</mark> şubesi açık mı"
    ]


def test_bad_queries_are_refused(server: Server) -> None:
    admin = server.create_agent("admin")
    for query in ("", "   ", "x" * 201):
        status, body = search(server, admin["token"], query)
        assert status == 422, query
        assert body["error"]["code"] == "invalid_query"
    status, body = search(server, admin["token"], "x", limit="many")
    assert status == 422 and body["error"]["code"] == "invalid_limit"
    assert search(server, admin["token"], "x" * 200)[0] == 200
    assert search(server, admin["token"], "!!!")[1] == {"results": []}
    status, body = server.api("GET", "/api/v1/search?q=kargo")
    assert status == 401


async def test_limit_caps_the_results(server: Server) -> None:
    site = server.create_site("Çok")
    admin = server.create_agent("admin")
    visitor = await Visitor.connect(server.ws_base, site["key"])
    for number in range(6):
        await visitor.say(f"paket {number}")
    await visitor.close()
    status, body = search(server, admin["token"], "paket", site_id=site["id"], limit="3")
    assert status == 200
    assert [hit["snippet"] for hit in body["results"]] == [
        "<mark>paket</mark> 5",
        "<mark>paket</mark> 4",
        "<mark>paket</mark> 3",
    ]
    status, body = search(server, admin["token"], "paket", site_id=site["id"], limit="500")
    assert len(body["results"]) == 6


async def test_messages_from_before_the_index_are_indexed_by_the_migration(
    own_server: Server,
) -> None:
    site = own_server.create_site("Eski")
    admin = own_server.create_agent("admin")
    visitor = await Visitor.connect(own_server.ws_base, site["key"])
    await visitor.say("eski sipariş numaram 42")
    await visitor.close()
    own_server.stop()
    settings = load_settings(own_server.env)

    def migrate() -> None:  # alembic runs its own event loop: not on this one
        command.downgrade(alembic_config(settings), "0003")  # the index is gone
        upgrade_to_head(settings)

    await asyncio.to_thread(migrate)
    own_server.start()
    assert texts_of(found(own_server, admin["token"], "siparis", site)) == [
        "eski <mark>sipariş</mark> numaram 42"
    ]
