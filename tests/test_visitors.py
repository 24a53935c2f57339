"""Visitor monitoring over real sockets: location, journey and dwell time, visits,
search words, devices, presence."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, quote_plus

import pytest
from clients import Agent, Visitor
from conftest import Server, make_server

pytestmark = pytest.mark.backends

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def page(path: str, title: str | None = None, referrer: str | None = None) -> dict[str, Any]:
    return {"url": f"https://shop.example{path}", "title": title or path, "referrer": referrer}


def detail(server: Server, agent: dict, visitor_id: str) -> dict[str, Any]:
    status, body = server.api("GET", f"/api/v1/visitors/{visitor_id}", agent["token"])
    assert status == 200, body
    return body


async def next_about(
    client: Agent,
    visitor_id: str,
    kind: str,
    timeout: float = 5.0,
    where: Callable[[dict[str, Any]], bool] = lambda frame: True,
) -> dict[str, Any]:
    """The next ``visitor.updated``/``visitor.left`` frame about one visitor."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await client.recv(max(0.01, deadline - loop.time()))
        about = frame.get("visitor_id") or (frame.get("visitor") or {}).get("id")
        if frame.get("type") == kind and about == visitor_id and where(frame):
            return frame


async def frames_about(client: Agent, visitor_id: str, quiet: float) -> list[dict[str, Any]]:
    return [
        frame
        for frame in await client.drain(quiet)
        if visitor_id in (frame.get("visitor_id"), (frame.get("visitor") or {}).get("id"))
    ]


# -- location ---------------------------------------------------------------------


async def test_a_visitor_behind_a_trusted_proxy_is_located_in_london(
    server: Server, site: dict, agent: dict
) -> None:
    shopper = await Visitor.connect(
        server.ws_base, site["key"], headers={"X-Forwarded-For": "81.2.69.142"}
    )
    seen = detail(server, agent, shopper.id)
    assert seen["ip"] == "81.2.69.142"
    assert seen["geo"]["city"] == "London"
    assert seen["geo"]["country_code"] == "GB"
    assert seen["geo"]["country"] == "United Kingdom"
    assert seen["geo"]["timezone"] == "Europe/London"
    await shopper.close()


async def test_an_ipv6_visitor_is_located_in_turkey(
    server: Server, site: dict, agent: dict
) -> None:
    shopper = await Visitor.connect(
        server.ws_base, site["key"], headers={"X-Forwarded-For": "10.0.0.7, 2a02:d980::1"}
    )
    seen = detail(server, agent, shopper.id)
    assert seen["ip"] == "2a02:d980::1"
    assert seen["geo"]["country_code"] == "TR"
    assert seen["geo"]["country"] == "Turkey"
    assert seen["geo"]["timezone"] == "Europe/Istanbul"
    await shopper.close()


async def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(tmp_path: Any) -> None:
    own = make_server(tmp_path, CHAT_TRUSTED_PROXIES="10.9.9.9")
    own.start()
    try:
        shop = own.create_site()
        admin = own.create_agent("agent")
        shopper = await Visitor.connect(
            own.ws_base, shop["key"], headers={"X-Forwarded-For": "81.2.69.142"}
        )
        seen = detail(own, admin, shopper.id)
        assert seen["ip"] == "127.0.0.1"
        assert seen["geo"] is None
        await shopper.close()
    finally:
        own.stop()


async def test_without_a_geoip_database_everything_works_with_geo_null(tmp_path: Any) -> None:
    own = make_server(tmp_path, CHAT_GEOIP_DB="")
    own.start()
    try:
        shop = own.create_site()
        staff = own.create_agent("agent")
        shopper = await Visitor.connect(
            own.ws_base, shop["key"], headers={"X-Forwarded-For": "81.2.69.142"}
        )
        seen = detail(own, staff, shopper.id)
        assert seen["ip"] == "81.2.69.142"
        assert seen["geo"] is None
        assert seen["pages"][0]["url"] == "https://shop.example/"
        await shopper.close()
    finally:
        own.stop()


# -- journey and dwell time --------------------------------------------------------


async def test_a_three_page_journey_counts_only_visible_time(
    server: Server, site: dict, agent: dict
) -> None:
    shopper = await Visitor.connect(server.ws_base, site["key"], page=page("/", "Ana sayfa"))
    await asyncio.sleep(1.0)
    await shopper.send(
        {"type": "page.view", **page("/kategori/bot", "Botlar", "https://shop.example/")}
    )
    await asyncio.sleep(0.5)
    await shopper.send({"type": "visibility", "visible": False})
    await asyncio.sleep(1.5)  # hidden: not dwell time
    await shopper.send({"type": "visibility", "visible": True})
    await asyncio.sleep(0.5)
    await shopper.send({"type": "page.view", **page("/urun/42", "Kışlık bot")})
    await asyncio.sleep(0.7)
    await shopper.send({"type": "visibility", "visible": False})
    await asyncio.sleep(0.3)

    seen = detail(server, agent, shopper.id)
    assert [p["url"] for p in seen["pages"]] == [
        "https://shop.example/",
        "https://shop.example/kategori/bot",
        "https://shop.example/urun/42",
    ]
    assert [p["title"] for p in seen["pages"]] == ["Ana sayfa", "Botlar", "Kışlık bot"]
    assert seen["pages"][1]["referrer"] == "https://shop.example/"
    dwell = [p["dwell_seconds"] for p in seen["pages"]]
    for measured, truth in zip(dwell, [1.0, 1.0, 0.7], strict=True):
        assert abs(measured - truth) < 0.5, dwell
    assert seen["pages"][0]["left_at"] is not None and seen["pages"][2]["left_at"] is None
    assert seen["current_page"] == {"url": "https://shop.example/urun/42", "title": "Kışlık bot"}
    assert abs(seen["time_on_site_seconds"] - 2.7) < 0.5
    assert seen["visits"] == 1

    await shopper.close()
    await asyncio.sleep(0.3)
    after = detail(server, agent, shopper.id)
    assert after["pages"][2]["left_at"] is not None
    assert abs(after["pages"][2]["dwell_seconds"] - 0.7) < 0.5
    assert abs(after["time_on_site_seconds"] - 2.7) < 0.5


async def test_a_multi_page_journey_with_one_socket_per_page_keeps_every_page(
    server: Server, site: dict, agent: dict
) -> None:
    first = await Visitor.connect(server.ws_base, site["key"], page=page("/"))
    await asyncio.sleep(1.0)
    await first.close()
    second = await Visitor.connect(
        server.ws_base,
        site["key"],
        token=first.token,
        page=page("/sepet", None, "https://shop.example/"),
    )
    await asyncio.sleep(0.8)
    await second.send({"type": "visibility", "visible": False})
    await asyncio.sleep(1.0)
    await second.close()
    third = await Visitor.connect(
        server.ws_base, site["key"], token=first.token, page=page("/odeme")
    )
    await asyncio.sleep(0.6)
    await third.close()
    await asyncio.sleep(0.3)

    seen = detail(server, agent, first.id)
    assert second.id == third.id == first.id
    assert [p["url"].rsplit("/", 1)[1] for p in seen["pages"]] == ["", "sepet", "odeme"]
    for measured, truth in zip(
        [p["dwell_seconds"] for p in seen["pages"]], [1.0, 0.8, 0.6], strict=True
    ):
        assert abs(measured - truth) < 0.5
    assert all(p["left_at"] is not None for p in seen["pages"])
    assert seen["visits"] == 1


async def test_a_reload_continues_the_same_page_view(
    server: Server, site: dict, agent: dict
) -> None:
    before = await Visitor.connect(server.ws_base, site["key"], page=page("/urun/7", "Ürün"))
    await asyncio.sleep(1.0)
    await before.close()
    await asyncio.sleep(0.3)  # the new document loads; these seconds are not counted
    after = await Visitor.connect(
        server.ws_base, site["key"], token=before.token, page=page("/urun/7", "Ürün")
    )
    await asyncio.sleep(1.0)

    seen = detail(server, agent, before.id)
    assert len(seen["pages"]) == 1
    assert seen["pages"][0]["left_at"] is None
    assert abs(seen["pages"][0]["dwell_seconds"] - 2.0) < 0.5
    assert abs(seen["time_on_site_seconds"] - 2.0) < 0.5
    await after.close()


async def test_a_reconnect_before_the_old_socket_closes_is_still_one_page_view(
    server: Server, site: dict, agent: dict
) -> None:
    """A network blip: the client reconnects before the server notices the dead socket."""
    stale = await Visitor.connect(server.ws_base, site["key"], page=page("/urun/9"))
    await asyncio.sleep(1.0)
    fresh = await Visitor.connect(
        server.ws_base, site["key"], token=stale.token, page=page("/urun/9")
    )
    entered = detail(server, agent, stale.id)["pages"][0]["entered_at"]
    await asyncio.sleep(0.5)
    await stale.close()
    await asyncio.sleep(0.5)

    seen = detail(server, agent, stale.id)
    assert len(seen["pages"]) == 1
    assert seen["pages"][0]["entered_at"] == entered
    assert seen["pages"][0]["left_at"] is None
    # one second on the old socket, one on the new: the overlap counts once
    assert abs(seen["pages"][0]["dwell_seconds"] - 2.0) < 0.5
    await fresh.close()


async def test_a_visitor_back_after_the_visit_timeout_starts_a_new_visit(tmp_path: Any) -> None:
    own = make_server(tmp_path, CHAT_VISIT_TIMEOUT_SECONDS="1.5")
    own.start()
    try:
        shop = own.create_site()
        staff = own.create_agent("agent")
        first = await Visitor.connect(
            own.ws_base, shop["key"], page=page("/?utm_source=newsletter&utm_campaign=kis")
        )
        await first.close()
        again = await Visitor.connect(own.ws_base, shop["key"], token=first.token, page=page("/a"))
        await again.close()
        seen = detail(own, staff, first.id)
        assert seen["visits"] == 1
        assert seen["campaign"] == {"source": "newsletter", "campaign": "kis"}

        await asyncio.sleep(2.0)
        back = await Visitor.connect(own.ws_base, shop["key"], token=first.token, page=page("/b"))
        seen = detail(own, staff, first.id)
        assert back.id == first.id
        assert seen["visits"] == 2
        assert seen["campaign"] is None  # the campaign belongs to the visit it started
        assert [p["url"].rsplit("/", 1)[1] for p in seen["pages"]] == [
            "?utm_source=newsletter&utm_campaign=kis",
            "a",
            "b",
        ]
        await back.close()
    finally:
        own.stop()


# -- search words --------------------------------------------------------------------


async def test_search_words_from_google_utm_and_the_shops_search_keep_turkish_letters(
    server: Server, agent: dict
) -> None:
    shop = server.create_site("Arama dükkanı")
    server.cli("sites", "update", shop["key"], "--search-param", "ara")
    landing = page(
        "/?utm_source=newsletter&utm_medium=email&utm_campaign=kis-indirimi"
        f"&utm_term={quote_plus('kışlık bot')}",
        "Ana sayfa",
        f"https://www.google.com.tr/search?q={quote_plus('çocuk şapka ısıtmalı')}&hl=tr",
    )
    shopper = await Visitor.connect(server.ws_base, shop["key"], page=landing)
    await shopper.send(
        {"type": "page.view", **page(f"/arama?ara={quote('gözlük İstanbul')}&q=yok")}
    )
    await asyncio.sleep(0.3)

    seen = detail(server, agent, shopper.id)
    words = [(k["keyword"], k["source"]) for k in seen["search_keywords"]]
    assert words == [
        ("çocuk şapka ısıtmalı", "google"),
        ("kışlık bot", "utm"),
        ("gözlük İstanbul", "site"),  # "q" is not this shop's search parameter
    ]
    assert all(k["at"] for k in seen["search_keywords"])
    assert seen["campaign"] == {
        "source": "newsletter",
        "medium": "email",
        "campaign": "kis-indirimi",
        "term": "kışlık bot",
    }
    await shopper.close()


async def test_a_new_shoppers_first_visitor_updated_carries_its_search_words_and_first_page(
    server: Server, site: dict, agent: dict
) -> None:
    # A new visitor's hello builds this frame from what it just wrote, reading nothing
    # back: it must say what the stored visitor says.
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(
        server.ws_base,
        site["key"],
        page=page(
            "/kampanya",
            "Kampanya",
            f"https://www.google.com.tr/search?q={quote_plus('ıslak mendil')}",
        ),
    )
    assert shopper.welcome["history"] == []
    arrived = (await next_about(console, shopper.id, "visitor.updated"))["visitor"]
    assert arrived["pages_total"] == 1
    assert [p["url"] for p in arrived["pages"]] == ["https://shop.example/kampanya"]
    assert [(k["keyword"], k["source"]) for k in arrived["search_keywords"]] == [
        ("ıslak mendil", "google")
    ]
    stored = detail(server, agent, shopper.id)
    assert stored["search_keywords"] == arrived["search_keywords"]
    assert stored["visits"] == arrived["visits"] == 1
    await shopper.close()
    await console.close()


async def test_the_default_site_search_parameters_apply_without_configuration(
    server: Server, site: dict, agent: dict
) -> None:
    shopper = await Visitor.connect(
        server.ws_base,
        site["key"],
        page=page(
            f"/ara?q={quote_plus('üç tekerlekli bisiklet')}",
            referrer=f"https://yandex.com.tr/search/?text={quote_plus('güneş gözlüğü')}",
        ),
    )
    seen = detail(server, agent, shopper.id)
    assert [(k["keyword"], k["source"]) for k in seen["search_keywords"]] == [
        ("güneş gözlüğü", "yandex"),
        ("üç tekerlekli bisiklet", "site"),
    ]
    await shopper.close()


# -- devices and bots --------------------------------------------------------------------


async def test_chrome_on_windows_and_safari_on_iphone_are_recognised(
    server: Server, site: dict, agent: dict
) -> None:
    desktop = await Visitor.connect(
        server.ws_base, site["key"], headers={"User-Agent": CHROME_WINDOWS}
    )
    phone = await Visitor.connect(
        server.ws_base, site["key"], headers={"User-Agent": SAFARI_IPHONE}
    )

    chrome = detail(server, agent, desktop.id)["user_agent"]
    assert set(chrome) == {"browser", "os", "device"}
    assert chrome["browser"].startswith("Chrome")
    assert chrome["os"].startswith("Windows")
    assert chrome["device"] == "Desktop"

    safari = detail(server, agent, phone.id)["user_agent"]
    assert set(safari) == {"browser", "os", "device"}
    assert "Safari" in safari["browser"]
    assert safari["os"].startswith("iOS")
    assert safari["device"] == "iPhone"
    await desktop.close()
    await phone.close()


async def test_bots_stay_out_of_the_online_list_and_of_agents_updates(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    bot = await Visitor.connect(server.ws_base, site["key"], headers={"User-Agent": GOOGLEBOT})
    await bot.send({"type": "page.view", **page("/urun/1")})
    human = await Visitor.connect(
        server.ws_base, site["key"], headers={"User-Agent": CHROME_WINDOWS}
    )
    await next_about(console, human.id, "visitor.updated")

    status, online = server.api("GET", "/api/v1/visitors?online=true", agent["token"])
    assert status == 200
    ids = {v["id"] for v in online["visitors"]}
    assert human.id in ids and bot.id not in ids
    assert detail(server, agent, bot.id)["is_bot"] is True

    await bot.close()
    assert await frames_about(console, bot.id, quiet=2.0) == []
    assert all(
        f["type"] != "visitor.updated" or f["visitor"]["id"] != bot.id for f in console.frames
    )
    await human.close()
    await console.close()


# -- presence ----------------------------------------------------------------------------


async def test_agents_see_each_page_and_the_departure_of_the_last_tab_within_5_seconds(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    tab = await Visitor.connect(server.ws_base, site["key"], page=page("/", "Ana sayfa"))
    arrived = await next_about(console, tab.id, "visitor.updated")
    assert arrived["visitor"]["online"] is True
    assert arrived["visitor"]["current_page"] == {
        "url": "https://shop.example/",
        "title": "Ana sayfa",
    }

    await tab.send({"type": "page.view", **page("/sepet", "Sepet")})
    moved = await next_about(console, tab.id, "visitor.updated")
    assert moved["visitor"]["current_page"] == {
        "url": "https://shop.example/sepet",
        "title": "Sepet",
    }
    assert [p["url"] for p in moved["visitor"]["pages"]][-1] == "https://shop.example/sepet"

    other_tab = await Visitor.connect(
        server.ws_base, site["key"], token=tab.token, page=page("/urun/3")
    )
    await next_about(console, tab.id, "visitor.updated")
    await tab.close()
    # One tab is still open: no departure, however long we wait past the grace period.
    frames = await frames_about(console, tab.id, quiet=2.5)
    assert [f["type"] for f in frames] == ["visitor.updated"]
    assert frames[0]["visitor"]["current_page"]["url"] == "https://shop.example/urun/3"

    await other_tab.close()
    closed = time.monotonic()
    await next_about(console, tab.id, "visitor.left", timeout=6.0)
    assert time.monotonic() - closed <= 5.0
    status, online = server.api("GET", "/api/v1/visitors?online=true", agent["token"])
    assert tab.id not in {v["id"] for v in online["visitors"]}
    await console.close()


async def test_navigating_within_the_grace_period_does_not_announce_a_departure(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    leaving = await Visitor.connect(server.ws_base, site["key"], page=page("/a"))
    await leaving.close()
    await asyncio.sleep(0.2)
    arriving = await Visitor.connect(
        server.ws_base, site["key"], token=leaving.token, page=page("/b")
    )
    frames = await frames_about(console, leaving.id, quiet=2.5)
    assert "visitor.left" not in [f["type"] for f in frames]
    assert frames[-1]["visitor"]["current_page"]["url"] == "https://shop.example/b"
    await arriving.close()
    await next_about(console, leaving.id, "visitor.left", timeout=6.0)
    await console.close()


async def test_identifying_tells_agents_the_visitors_name(
    server: Server, site: dict, agent: dict
) -> None:
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await Visitor.connect(server.ws_base, site["key"])
    await next_about(console, shopper.id, "visitor.updated")
    await shopper.send({"type": "identify", "name": "Şule Çelik", "email": "sule@example.com"})
    named = await next_about(
        console, shopper.id, "visitor.updated", where=lambda f: f["visitor"]["name"] is not None
    )
    assert named["visitor"]["name"] == "Şule Çelik"
    assert named["visitor"]["email"] == "sule@example.com"
    await shopper.close()
    await console.close()
