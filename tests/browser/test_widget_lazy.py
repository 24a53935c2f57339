"""The widget's code loads in two steps (issue 15, page speed): a storefront page gets only
widget.js (the launcher, the connection, the frames kept in memory); the panel's code comes when
the shopper reaches for the launcher, and shows everything that arrived before it.

Also measured here, as issue 15 asks: under 4x CPU throttling (Chromium's DevTools protocol),
the main-thread time the widget adds to a storefront page before the shopper opens it, and its
layout shift, which must be 0.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from browser.browser_support import Browsing, Storefront, hook, render_page, screenshot
from clients import Agent
from conftest import Server
from playwright.async_api import Page, Route, expect

PHONE = {"width": 390, "height": 844}
PANEL_CODE = ("/widget/panel-look.js", "/widget/panel.js")

# Layout shifts and long tasks from the first byte on, before any of the page's own code runs.
OBSERVE = """
window.__shifts = []; window.__long = [];
new PerformanceObserver(list => list.getEntries().forEach(e => {
  if (!e.hadRecentInput) window.__shifts.push(e.value);
})).observe({type: 'layout-shift', buffered: true});
new PerformanceObserver(list => list.getEntries().forEach(e => window.__long.push(e.duration)))
  .observe({type: 'longtask', buffered: true});
"""


@pytest.fixture(scope="module")
def site(server: Server, storefront: Storefront) -> dict[str, Any]:
    created = server.create_site("Lazy Linen", origins=(storefront.origin,))
    storefront.open_shop(created)
    return created


@pytest.fixture(scope="module")
def helper(server: Server) -> dict[str, Any]:
    return server.create_agent("agent", "Mert Aydın")


class Pages:
    """Pages with headers of our choosing (a policy) on 127.0.0.1: a real loopback server,
    as Chromium lets only loopback pages reach the loopback chat server."""

    def __init__(self) -> None:
        self.served: dict[str, tuple[str, dict[str, str]]] = {}
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path not in pages.served:
                    self.send_error(404)
                    return
                body, headers = pages.served[self.path]
                data = body.encode()
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def serve(self, path: str, body: str, headers: dict[str, str] | None = None) -> str:
        self.served[path] = (body, headers or {})
        return self.origin + path


@pytest.fixture(scope="module")
def pages() -> Iterator[Pages]:
    served = Pages()
    yield served
    served.httpd.shutdown()
    served.httpd.server_close()


@pytest.fixture(scope="module")
def own_site(server: Server, pages: Pages) -> dict[str, Any]:
    """A site for the pages above (their own origin)."""
    return server.create_site("Speedy Pottery", origins=(pages.origin,))


def scripts_from(requests: list[str], base: str) -> list[str]:
    """The chat server's scripts the page asked for, as paths."""
    return [url[len(base) :] for url in requests if url.startswith(base) and ".js" in url]


def record(page: Page, into: list[str]) -> None:
    page.on("request", lambda request: into.append(request.url))


async def test_before_opening_only_widget_js_loads_and_the_panel_then_works(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
) -> None:
    agent = await Agent.connect(server.ws_base, helper["token"])
    shopper = await browsing.new_page()
    requests: list[str] = []
    record(shopper, requests)
    await shopper.goto(storefront.url(site))
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await asyncio.sleep(1)  # anything widget.js would fetch on its own has had time to start
    assert scripts_from(requests, server.base) == ["/widget.js"]
    await expect(shopper.locator(hook("panel"))).to_have_count(0)
    await expect(shopper.locator(hook("launcher"))).to_have_attribute("aria-label", "Open chat")

    # A slow network: the launcher shows that the panel is on its way.
    release = asyncio.Event()

    async def slow(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await shopper.route(re.compile(r".*/widget/panel\.js$"), slow)
    await shopper.locator(hook("launcher")).click()
    launcher = shopper.locator(hook("launcher"))
    await expect(launcher).to_have_attribute("aria-busy", "true")
    await expect(launcher).to_have_attribute("aria-label", "Loading…")
    await screenshot(shopper, "widget-lazy-loading-en.png")
    release.set()
    await expect(shopper.locator(hook("panel"))).to_be_visible()
    await expect(launcher).to_have_attribute("aria-busy", "false")
    assert sorted(p for p in scripts_from(requests, server.base) if p in PANEL_CODE) == sorted(
        PANEL_CODE
    )
    # The panel works: the shopper writes, the agent answers, the status is in the header.
    await expect(shopper.locator(hook("input"))).to_be_focused()
    await shopper.locator(hook("input")).fill("Is the sage throw in stock?")
    await shopper.locator(hook("send")).click()
    sent = shopper.locator(hook("message", author="visitor"))
    await expect(sent).to_have_attribute("data-seq", re.compile(r"^\d+$"))
    frame = await agent.expect("message.created", timeout=15)
    await agent.say(frame["message"]["conversation_id"], "Yes, three left.")
    await expect(shopper.locator(hook("message", author="agent"))).to_have_text(
        re.compile("Yes, three left.")
    )
    await expect(shopper.locator(hook("status"))).to_be_visible()
    await screenshot(shopper, "widget-lazy-open-en.png")
    await agent.close()


async def test_frames_that_arrive_before_the_panel_loads_are_shown_when_it_opens(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
) -> None:
    agent = await Agent.connect(server.ws_base, helper["token"])
    shopper = await browsing.new_page(locale="tr-TR")
    await shopper.goto(storefront.url(site))
    await shopper.evaluate("ChatWidget.open()")  # the page's own button, through the API
    await expect(shopper.locator(hook("panel"))).to_be_visible()
    await shopper.locator(hook("lang")).click()  # the shopper prefers Turkish
    await shopper.locator(hook("input")).fill("Kargo ücreti ne kadar?")
    await shopper.locator(hook("send")).click()
    frame = await agent.expect("message.created", timeout=15)
    conversation_id = frame["message"]["conversation_id"]
    await expect(shopper.locator(hook("message", author="visitor"))).to_have_attribute(
        "data-seq", re.compile(r"^\d+$")
    )
    await shopper.locator(hook("launcher")).click()  # closed, and the next page starts closed
    await expect(shopper.locator(hook("panel"))).to_be_hidden()

    # The next page: the conversation's frames arrive while only widget.js is there.
    requests: list[str] = []
    record(shopper, requests)
    await shopper.goto(storefront.url(site, "lamps.html"))
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await asyncio.sleep(1)
    assert scripts_from(requests, server.base) == ["/widget.js"]
    await expect(shopper.locator(hook("launcher"))).to_have_attribute("aria-label", "Sohbeti aç")
    # A reply while closed: the badge counts it and the panel's code comes along (to ring).
    await agent.say(conversation_id, "500 TL üzeri ücretsiz.")
    launcher = shopper.locator(hook("launcher"))
    await expect(launcher).to_have_attribute("data-unread", "1")
    await expect(launcher).to_have_attribute("aria-label", re.compile("1 okunmamış mesaj"))
    await screenshot(shopper, "widget-lazy-closed-unread-tr.png")
    await launcher.click()
    messages = shopper.locator(hook("message"))
    await expect(messages.filter(has_text="Kargo ücreti ne kadar?")).to_have_count(1)
    await expect(messages.filter(has_text="500 TL üzeri ücretsiz.")).to_have_count(1)
    await expect(shopper.locator(hook("input"))).to_have_attribute(
        "placeholder", "Bir mesaj yazın…"
    )
    await expect(launcher).to_have_attribute("data-unread", "0")
    await agent.close()


async def test_on_a_phone_closed_and_open_in_both_languages(
    storefront: Storefront, site: dict[str, Any], browsing: Browsing
) -> None:
    for lang, locale, placeholder in (
        ("en", "en-US", "Write a message…"),
        ("tr", "tr-TR", "Bir mesaj yazın…"),
    ):
        shopper = await browsing.new_page(viewport=PHONE, locale=locale)  # type: ignore[arg-type]
        await shopper.goto(storefront.url(site))
        await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
        if lang == "tr":  # the storefront's <html lang="en"> wins over the browser: switch
            await shopper.evaluate(
                "k => localStorage.setItem('chatw:' + k + ':lang', 'tr')", site["key"]
            )
            await shopper.reload()
            await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
        await screenshot(shopper, f"widget-lazy-phone-closed-{lang}.png")
        await shopper.locator(hook("launcher")).click()
        await expect(shopper.locator(hook("panel"))).to_be_visible()
        await expect(shopper.locator(hook("input"))).to_have_attribute("placeholder", placeholder)
        await screenshot(shopper, f"widget-lazy-phone-open-{lang}.png")


async def test_under_a_content_security_policy_that_allows_the_chat_server(
    server: Server,
    pages: Pages,
    own_site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
) -> None:
    site = own_site
    agent = await Agent.connect(server.ws_base, helper["token"])  # online: the composer shows
    chat = server.base
    policy = (
        f"default-src 'self'; script-src 'self' {chat}; "
        f"connect-src {chat} {chat.replace('http', 'ws', 1)}; img-src 'self' {chat} data: blob:"
    )
    page = render_page("index.html", site["name"], site["key"], f"{chat}/widget.js")
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)  # the policy has no inline styles
    page = page.replace(' style="background:', ' data-x="')
    url = pages.serve("/csp.html", page, {"content-security-policy": policy})
    shopper = await browsing.new_page()
    await shopper.add_init_script(
        "window.__violations = []; document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    await shopper.goto(url)
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await shopper.locator(hook("launcher")).click()
    await expect(shopper.locator(hook("panel"))).to_be_visible()
    await shopper.locator(hook("input")).fill("Works under our policy?")
    await shopper.locator(hook("send")).click()
    await expect(shopper.locator(hook("message", author="visitor"))).to_have_attribute(
        "data-seq", re.compile(r"^\d+$")
    )
    assert await shopper.evaluate("window.__violations") == []
    await agent.close()


async def test_with_websockets_blocked_the_fallback_loads_before_opening_and_nothing_else(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
) -> None:
    agent = await Agent.connect(server.ws_base, helper["token"])
    shopper = await browsing.new_page()
    await shopper.add_init_script(
        "window.WebSocket = function () { throw new DOMException('blocked', 'SecurityError'); };"
    )
    requests: list[str] = []
    record(shopper, requests)
    await shopper.goto(storefront.url(site, "cart.html"))
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await asyncio.sleep(1)
    assert scripts_from(requests, server.base) == ["/widget.js", "/widget/sse.js"]
    await shopper.locator(hook("launcher")).click()
    await shopper.locator(hook("input")).fill("Over the fallback, lazily")
    await shopper.locator(hook("send")).click()
    await expect(shopper.locator(hook("message", author="visitor"))).to_have_attribute(
        "data-seq", re.compile(r"^\d+$")
    )
    await agent.close()


async def test_consent_first_then_chat_then_consent_withdrawn(
    server: Server,
    pages: Pages,
    own_site: dict[str, Any],
    helper: dict[str, Any],
    browsing: Browsing,
) -> None:
    agent = await Agent.connect(server.ws_base, helper["token"])
    page = render_page("cart.html", own_site["name"], own_site["key"], f"{server.base}/widget.js")
    page = page.replace(" async></script>", ' data-consent="required" async></script>')
    url = pages.serve("/consent.html", page)
    shopper = await browsing.new_page()
    sockets: list[str] = []
    shopper.on("websocket", lambda ws: sockets.append(ws.url))
    await shopper.goto(url)
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "offline")
    await shopper.locator(hook("launcher")).click()
    await expect(shopper.locator(hook("consent"))).to_be_visible()
    assert sockets == []
    await shopper.evaluate("ChatWidget.consent(true)")
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await expect(shopper.locator(hook("consent"))).to_be_hidden()
    await shopper.locator(hook("input")).fill("Can I pay on delivery?")
    await shopper.locator(hook("send")).click()
    await expect(shopper.locator(hook("message", author="visitor"))).to_have_attribute(
        "data-seq", re.compile(r"^\d+$")
    )
    await shopper.evaluate("ChatWidget.consent(false)")
    await expect(shopper.locator(hook("message"))).to_have_count(0)
    await expect(shopper.locator(hook("consent"))).to_be_visible()
    assert (
        await shopper.evaluate("Object.keys(localStorage).filter(k => k.startsWith('chatw:'))")
        == []
    )
    await agent.close()


# -- page speed ---------------------------------------------------------------------------


async def measure(page: Page, url: str, with_widget: bool) -> dict[str, float]:
    """One throttled load of ``url``: main-thread time until the page (and widget) settled."""
    cdp = await page.context.new_cdp_session(page)
    await cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    await cdp.send("Performance.enable")
    await page.goto(url, wait_until="networkidle")
    # The same quiet window for both pages, long enough for the widget to be online, and no
    # probing of the page meanwhile: Playwright's own polling would count as main-thread time.
    await asyncio.sleep(2.5)
    metrics = {m["name"]: m["value"] for m in (await cdp.send("Performance.getMetrics"))["metrics"]}
    await cdp.detach()
    if with_widget:  # measured while online, not while still connecting
        await expect(page.locator(hook("status"))).to_have_attribute("data-state", "online")
    shifts = await page.evaluate("window.__shifts")
    long_tasks = await page.evaluate("window.__long")
    return {
        "task": metrics["TaskDuration"] * 1000,
        "script": metrics["ScriptDuration"] * 1000,
        "layout": (metrics["LayoutDuration"] + metrics["RecalcStyleDuration"]) * 1000,
        "cls": sum(shifts),
        "long": sum(long_tasks),
    }


async def test_the_widget_adds_little_main_thread_time_and_no_layout_shift(
    server: Server, pages: Pages, own_site: dict[str, Any], browsing: Browsing
) -> None:
    site = own_site
    with_tag = render_page("index.html", site["name"], site["key"], f"{server.base}/widget.js")
    without_tag = re.sub(r"<script src=[^>]*></script>", "", with_tag)
    assert without_tag != with_tag
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    for attempt in range(3):
        for with_widget in (False, True):
            page = await browsing.new_page()
            await page.add_init_script(OBSERVE)
            html = with_tag if with_widget else without_tag
            url = pages.serve(f"/speed/{attempt}-{int(with_widget)}.html", html)
            requests: list[str] = []
            record(page, requests)
            runs[with_widget].append(await measure(page, url, with_widget))
            if with_widget:  # nothing of the panel came along
                assert scripts_from(requests, server.base) == ["/widget.js"]
            await page.context.close()

    def median(with_widget: bool, key: str) -> float:
        return statistics.median(run[key] for run in runs[with_widget])

    added = {key: median(True, key) - median(False, key) for key in ("task", "script", "layout")}
    print(
        "\nwidget before opening, 4x CPU throttling (median of 3): "
        f"main-thread +{added['task']:.0f} ms (script +{added['script']:.0f} ms, "
        f"style+layout +{added['layout']:.0f} ms); long tasks with widget "
        f"{median(True, 'long'):.0f} ms vs {median(False, 'long'):.0f} ms without; "
        f"CLS {max(run['cls'] for run in runs[True])}"
    )
    assert all(run["cls"] == 0 for run in runs[True])
    # Generous bounds (a loaded 2-core machine is noisy); the printed line is the measurement.
    assert added["script"] < 500, (added, runs)
    assert added["task"] < 1500, (added, runs)
