"""Where WebSockets cannot be used, the widget chats over Server-Sent Events and POSTs.

Playwright's ``page.route`` cannot block WebSockets, so the storefront's page gets a
``WebSocket`` that behaves as a blocking network or proxy would, before the widget
loads: a constructor that throws, or sockets that fail without ever opening (what a
proxy answering something other than 101 looks like to a page).
"""

from __future__ import annotations

from typing import Any

import pytest
from browser.browser_support import (
    Browsing,
    Storefront,
    hook,
    open_widget,
    screenshot,
    shopper_says as shopper_writes,
)
from clients import Agent
from conftest import Server
from playwright.async_api import Page, ViewportSize, expect

PHONE: ViewportSize = {"width": 390, "height": 844}

CONSTRUCTOR_THROWS = """
window.WebSocket = function () { throw new DOMException('blocked by policy', 'SecurityError'); };
"""

# A socket that reports failure at once, as one refused by a proxy does (no open event).
PROXY_REFUSES = """
window.__wsAttempts = 0;
window.WebSocket = function () {
  var sock = new EventTarget();
  window.__wsAttempts += 1;
  sock.readyState = 0;
  sock.send = function () { throw new Error('not open'); };
  sock.close = function () {};
  setTimeout(function () {
    sock.readyState = 3;
    var onclose = sock.onclose;
    sock.dispatchEvent(new Event('close'));
    if (onclose) onclose({ code: 1006 });
  }, 20);
  return sock;
};
"""


@pytest.fixture(scope="module")
def site(server: Server, storefront: Storefront) -> dict[str, Any]:
    created = server.create_site("Nordic Clay", origins=(storefront.origin,))
    storefront.open_shop(created)
    return created


def watch_transport(page: Page) -> list[str]:
    """The fallback's requests the page makes, in order."""
    seen: list[str] = []

    def record(url: str) -> None:
        if "/sse/visitor" in url or "/api/v1/visitor/frames" in url:
            seen.append(url)

    page.on("request", lambda request: record(request.url))
    return seen


@pytest.mark.parametrize(
    ("lang", "locale", "viewport", "blocker"),
    [
        ("en", "en-US", None, CONSTRUCTOR_THROWS),
        ("tr", "tr-TR", PHONE, PROXY_REFUSES),
    ],
    ids=["en-desktop-constructor-throws", "tr-phone-proxy-refuses"],
)
async def test_with_websockets_blocked_the_shopper_and_the_agent_chat_over_sse(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    browsing: Browsing,
    lang: str,
    locale: str,
    viewport: ViewportSize | None,
    blocker: str,
) -> None:
    agent = server.create_agent("agent", "Elif Kaya")
    console = await Agent.connect(server.ws_base, agent["token"])
    shopper = await browsing.new_page(viewport, locale=locale)
    await shopper.add_init_script(blocker)
    requests = watch_transport(shopper)
    await open_widget(shopper, storefront.url(site))
    assert any("/sse/visitor" in url for url in requests)

    question = (
        "Merhaba, vazo kırık geldi. Ne yapmalıyım?"
        if lang == "tr"
        else "Hello, the vase arrived broken. What should I do?"
    )
    await shopper_writes(shopper, question)
    created = await console.expect("message.created", timeout=10, **{})
    while created["message"]["text"] != question:
        created = await console.expect("message.created", timeout=10)
    conversation_id = created["message"]["conversation_id"]
    assert any("/api/v1/visitor/frames" in url for url in requests)

    answer = (
        "Çok üzgünüz! Yenisini hemen gönderiyoruz."
        if lang == "tr"
        else "We are so sorry! A new one is on its way."
    )
    await console.say(conversation_id, answer)
    reply = shopper.locator(hook("message", author="agent")).filter(has_text=answer)
    await expect(reply).to_have_count(1)
    await expect(reply).to_have_attribute("data-seq", "2")
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    if blocker is PROXY_REFUSES:
        # Two refused sockets, then the fallback: no endless retrying of WebSockets.
        assert await shopper.evaluate("window.__wsAttempts") == 2

    # A reload resumes over the fallback again and shows each message once.
    await shopper.reload()
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    # The widget remembers that it was open (on a phone the panel then covers the launcher).
    await expect(shopper.locator(hook("panel"))).to_be_visible()
    await expect(shopper.locator(hook("message"))).to_have_count(2)
    if lang == "tr":  # the storefront's page is in English: the shopper switches
        await shopper.locator(hook("lang")).click()
        await expect(shopper.locator(hook("lang"))).to_have_text("EN")
        await expect(shopper.locator(hook("status"))).not_to_contain_text("Online")
    device = "phone" if viewport else "desktop"
    await screenshot(shopper, f"widget-sse-{lang}-{device}.png")
    await console.close()
