"""The widget's polish in real Chromium: history after reloads, read receipts, the agent in
the header, the title flash, embedding mistakes that explain themselves, and a phone page
whose fixed header sits at the highest z-index.

The shopper is a real browser on a storefront of another origin; the agent is a script on
the agent socket (tests/clients.py), which keeps these tests about the widget.
"""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from browser.browser_support import (
    Browsing,
    Storefront,
    agent_says,
    hook,
    log_in,
    open_widget,
    screenshot,
)
from clients import Agent
from conftest import Server
from playwright.async_api import Page, expect

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def site(server: Server, storefront: Storefront) -> dict[str, Any]:
    created = server.create_site("Nordic Clay", origins=(storefront.origin,))
    storefront.open_shop(created)
    return created


@pytest.fixture(scope="module")
def helper(server: Server) -> dict[str, Any]:
    return server.create_agent("agent", "Elif Kaya")


async def conversation_of(agent: Agent, text: str) -> str:
    while True:
        frame = await agent.expect("message.created", timeout=15)
        if frame["message"]["text"] == text:
            return str(frame["message"]["conversation_id"])


async def say_in_widget(page: Page, text: str) -> None:
    await page.locator(hook("input")).fill(text)
    await page.locator(hook("send")).click()
    sent = page.locator(hook("message", author="visitor")).filter(has_text=text)
    await expect(sent).to_have_attribute("data-seq", re.compile(r"^\d+$"))


FIXED_HEADER = (
    '<header id="bar" style="position:fixed;top:0;left:0;right:0;height:96px;'
    'z-index:2147483647;background:#1f2937;color:#fff;padding:16px">Shop header</header>'
    '<main style="padding:120px 16px">Products</main>'
    # The shop adds another one later, after the widget: the last word in DOM order.
    "<script>setTimeout(function(){var h=document.getElementById('bar').cloneNode(true);"
    "h.id='late';document.body.appendChild(h)},1500)</script>"
)


def custom_page(body: str, key: str, chat_base: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<title>Fixed header shop</title><link rel="icon" href="data:,"></head>'
        f'<body style="margin:0;font:16px system-ui">{body}'
        f'<script src="{chat_base}/widget.js" data-site="{key}" async></script></body></html>'
    )


@pytest.fixture(scope="module")
def fixed_header_shop(
    server: Server, site: dict[str, Any], storefront: Storefront
) -> Iterator[str]:
    """A phone page with a fixed header at the top z-index, served from the storefront's
    origin (a real server: Chromium refuses a routed page the loopback widget)."""
    body = custom_page(FIXED_HEADER, site["key"], server.base).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html; charset=utf-8")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    server.cli("sites", "update", site["key"], "--add-origin", origin)
    yield f"{origin}/fixed.html"
    httpd.shutdown()
    httpd.server_close()


async def test_a_reload_after_resolution_keeps_the_transcript_and_the_rating_card(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
) -> None:
    agent = await Agent.connect(server.ws_base, helper["token"])
    shopper = await browsing.new_page()
    await open_widget(shopper, storefront.url(site))
    question = "Is the linen throw machine washable?"
    await say_in_widget(shopper, question)
    conversation_id = await conversation_of(agent, question)
    await agent.say(conversation_id, "Yes, at 30 °C 😊 and it gets softer every wash.")
    await agent.send({"type": "conversation.resolve", "conversation_id": conversation_id})
    await expect(shopper.locator(hook("rating"))).to_be_visible()

    # Another page of the shop: the transcript is there, and so is the rating card.
    await shopper.goto(storefront.url(site, "lamps.html"))
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await expect(shopper.locator(hook("panel"))).to_be_visible()  # it stays open across pages
    earlier = shopper.locator(hook("message"))
    await expect(earlier.filter(has_text=question)).to_have_count(1)
    await expect(earlier.filter(has_text="gets softer every wash")).to_have_count(1)
    await expect(shopper.locator(hook("rating"))).to_be_visible()
    await screenshot(shopper, "widget-history-en.png")
    await shopper.locator(f"{hook('rating')} [data-score='5']").click()
    await shopper.locator(f"{hook('rating')} button[type=submit]").click()
    await expect(shopper.locator(hook("rating-thanks"))).to_be_visible()
    # Rated: a reload shows the transcript without asking again.
    await shopper.reload()
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await expect(shopper.locator(hook("message")).filter(has_text=question)).to_have_count(1)
    await expect(shopper.locator(hook("rating"))).to_be_hidden()
    await agent.close()


async def test_the_header_names_the_agent_and_seen_marks_travel_both_ways(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
) -> None:
    agent = await Agent.connect(server.ws_base, helper["token"])
    shopper = await browsing.new_page(locale="tr-TR")
    await open_widget(shopper, storefront.url(site))  # the shop's page is in English
    await shopper.locator(hook("lang")).click()  # the shopper switches to Turkish
    await expect(shopper.locator(hook("input"))).to_have_attribute(
        "placeholder", "Bir mesaj yazın…"
    )
    header = shopper.locator(".nm")  # the header's name line
    await expect(header).to_have_text("Nordic Clay")
    question = "Kırmızı lamba stokta var mı? 😊"
    await say_in_widget(shopper, question)
    conversation_id = await conversation_of(agent, question)
    await agent.say(conversation_id, "Evet, iki tane kaldı 😊")
    await expect(header).to_have_text("Elif Kaya")
    await expect(shopper.locator(hook("agent-avatar"))).to_have_attribute(
        "src", re.compile(f"/api/v1/agents/{helper['id']}/avatar$")
    )
    # The panel is open and visible: the widget reports what the shopper saw.
    seen = await agent.expect("message.seen", timeout=10, conversation_id=conversation_id)
    assert seen["by"] == "visitor" and seen["seq"] == 2
    # The agent reports what it saw: "Görüldü" under the shopper's message.
    await agent.send({"type": "message.seen", "conversation_id": conversation_id, "seq": 2})
    mark = shopper.locator(hook("seen"))
    await expect(mark).to_have_text("Görüldü")
    assert await mark.evaluate("e => e.closest('[data-author]').getAttribute('data-seq')") == "1"
    await screenshot(shopper, "widget-seen-tr.png")
    # Back to English, which is kept for the next page.
    await shopper.locator(hook("lang")).click()
    await expect(mark).to_have_text("Seen")
    await expect(shopper.locator(hook("input"))).to_have_attribute(
        "placeholder", "Write a message…"
    )
    await screenshot(shopper, "widget-seen-en.png")
    await shopper.reload()
    await expect(shopper.locator(hook("seen"))).to_have_text("Seen")
    await agent.close()


async def test_a_reply_while_closed_flashes_the_title_until_the_shopper_looks(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
) -> None:
    agent = await Agent.connect(server.ws_base, helper["token"])
    shopper = await browsing.new_page()
    await open_widget(shopper, storefront.url(site))
    await shopper.evaluate(
        "window.__alerts = []; addEventListener('chatwidget:alert', e => __alerts.push(e.detail))"
    )
    question = "Do you ship to Izmir?"
    await say_in_widget(shopper, question)
    conversation_id = await conversation_of(agent, question)
    title = await shopper.title()
    await shopper.locator(hook("launcher")).click()  # closed now
    await expect(shopper.locator(hook("panel"))).to_be_hidden()
    await agent.say(conversation_id, "We do, in two days.")
    await expect(shopper).to_have_title("(1) New message", timeout=5000)
    alerts = await shopper.evaluate("window.__alerts")
    assert alerts and alerts[0]["count"] == 1
    assert alerts[0]["sound"] is True  # the shopper touched the widget: audio is unlocked
    # Muted: no sound on the next reply, the title still says so.
    await shopper.locator(hook("launcher")).click()
    await expect(shopper).to_have_title(title)
    await shopper.locator(hook("mute")).click()
    await expect(shopper.locator(hook("mute"))).to_have_attribute("aria-pressed", "true")
    await shopper.locator(hook("launcher")).click()
    await agent.say(conversation_id, "Anything else?")
    await expect(shopper).to_have_title("(1) New message", timeout=5000)
    assert (await shopper.evaluate("window.__alerts"))[-1]["sound"] is False
    await shopper.locator(hook("launcher")).click()
    await expect(shopper).to_have_title(title)
    await agent.close()


async def test_a_wrong_origin_logs_one_explanation_and_never_opens_a_socket(
    server: Server, site: dict[str, Any], storefront: Storefront, browsing: Browsing
) -> None:
    browsing.allow_error(r"--add-origin")
    browsing.allow_error(r"status of 403")
    shopper = await browsing.new_page()
    errors: list[str] = []
    sockets: list[str] = []
    shopper.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    shopper.on("websocket", lambda ws: sockets.append(ws.url))
    # The shop's own page, opened as localhost: the site allows only 127.0.0.1.
    wrong = storefront.origin.replace("127.0.0.1", "localhost")
    await shopper.goto(storefront.url(site).replace(storefront.origin, wrong))
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "blocked")
    await asyncio.sleep(3)  # long enough for several reconnects, had there been any
    explained = [e for e in errors if "--add-origin" in e]
    assert explained == [
        f"[chat widget] This page's origin {wrong} is not allowed for site "
        f"{site['key']}. Allow it with: chat-server sites update {site['key']} "
        f"--add-origin {wrong}"
    ]
    assert sockets == []


async def test_a_fixed_header_at_the_top_z_index_cannot_cover_the_minimise_button(
    fixed_header_shop: str, browsing: Browsing
) -> None:
    for lang, locale in (("en", "en-US"), ("tr", "tr-TR")):
        shopper = await browsing.new_page(viewport=PHONE, locale=locale)  # type: ignore[arg-type]
        await open_widget(shopper, fixed_header_shop)
        if lang == "tr":
            await shopper.locator(hook("lang")).click()
            await expect(shopper.locator(hook("input"))).to_have_attribute(
                "placeholder", "Bir mesaj yazın…"
            )
        await shopper.wait_for_function("document.getElementById('late')")
        minimise = shopper.locator(".hd .x").last
        box = await minimise.bounding_box()
        assert box is not None and box["y"] < 96  # under the header's area
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        on_top = await shopper.evaluate(
            """([x, y]) => {
                const hit = document.elementFromPoint(x, y);
                const inner = hit && hit.shadowRoot ? hit.shadowRoot.elementFromPoint(x, y) : null;
                return [hit && hit.tagName, inner && inner.closest('button') &&
                        inner.closest('button').className];
            }""",
            [x, y],
        )
        assert on_top == ["CHAT-WIDGET", "x"]
        await screenshot(shopper, f"widget-phone-fixed-header-{lang}.png")
        await shopper.mouse.click(x, y)
        await expect(shopper.locator(hook("panel"))).to_be_hidden()
        await expect(shopper.locator(hook("launcher"))).to_be_visible()


async def test_the_console_reports_what_the_agent_saw_and_ticks_what_the_shopper_saw(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    browsing: Browsing,
) -> None:
    colleague = server.create_agent("agent", "Deniz Ak")
    console = await log_in(browsing, server.base, colleague, lang="tr")
    shopper = await browsing.new_page()
    await open_widget(shopper, storefront.url(site))
    question = "Can I pick it up in the store?"
    await say_in_widget(shopper, question)
    row = console.locator(hook("conversation-row")).filter(has_text=question)
    await row.click()
    # The agent opened it: the shopper sees its message marked seen.
    await expect(shopper.locator(hook("seen"))).to_have_text("Seen")
    await agent_says(console, "Of course, from 10:00 to 19:00.")
    # The shopper has the panel open: the agent's message gets its tick.
    tick = console.locator(hook("seen-tick"))
    await expect(tick).to_have_count(1)
    await expect(tick).to_contain_text("Görüldü")
    await screenshot(console, "console-seen-tick-tr.png")
