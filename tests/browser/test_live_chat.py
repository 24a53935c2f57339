"""A shopper on a storefront of another origin and an agent in the console, in real Chromium.

One server and one shop for the module. Every test is a new shopper (a fresh browser
context) with their own conversation, which the agent finds by what the shopper wrote.
"""

from __future__ import annotations

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
    seqs,
    shopper_says,
)
from conftest import Server
from playwright.async_api import Page, expect

# A visitor behind the shop's (trusted, local) proxy, found by a web search: what the
# console shows about them then comes from the server's real geolocation and referrer parsing.
FROM_LINKOPING = {"X-Forwarded-For": "89.160.20.112"}
FROM_GOOGLE = "https://www.google.com/search?q=terracotta+table+lamp"
XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def console_agent(server: Server) -> dict[str, Any]:
    return server.create_agent("agent", "Elif Kaya")


@pytest.fixture(scope="module")
def site(server: Server, storefront: Storefront) -> dict[str, Any]:
    """The module's shop; it allows only the storefront's origin to embed the widget."""
    created = server.create_site("Nordic Clay", origins=(storefront.origin,))
    storefront.open_shop(created)
    return created


async def open_conversation(console: Page, containing: str) -> str:
    """The agent sees the conversation appear in the list, opens it; returns its id."""
    row = console.locator(hook("conversation-row")).filter(has_text=containing)
    await expect(row).to_have_count(1)
    await row.click()
    await expect(console.locator(hook("message")).filter(has_text=containing)).to_have_count(1)
    conversation_id = await row.get_attribute("data-conversation-id")
    assert conversation_id
    return conversation_id


async def test_a_shopper_and_an_agent_chat_live_and_the_history_survives_navigation(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    browsing: Browsing,
    console_agent: dict[str, Any],
) -> None:
    shop = storefront.url(site)
    console = await log_in(browsing, server.base, console_agent)
    shopper = await browsing.new_page(extra_http_headers=FROM_LINKOPING)

    await shopper.goto(shop, referer=FROM_GOOGLE)
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await expect(shopper.locator(hook("panel"))).to_be_hidden()
    await screenshot(shopper, "widget-closed.png")
    await shopper.locator(hook("launcher")).click()
    await expect(shopper.locator(hook("panel"))).to_be_visible()
    question = "Hi! Does the terracotta lamp come with a bulb?"
    await shopper_says(shopper, question)

    await open_conversation(console, question)
    answer = "Yes, a warm-white E27 LED bulb is in the box. Shall I reserve one for you?"
    await agent_says(console, answer)

    from_agent = shopper.locator(hook("message", author="agent"))
    await expect(from_agent).to_have_count(1)
    await expect(from_agent).to_contain_text(answer)
    await expect(shopper.locator(hook("message"))).to_have_count(2)
    assert await seqs(shopper) == ["1", "2"]
    await screenshot(shopper, "widget-open.png")
    await expect(console.locator(hook("visitor-keywords"))).to_contain_text("terracotta table lamp")
    await screenshot(console, "console.png")

    await shopper.locator("nav a", has_text="Lamps").click()
    await expect(shopper).to_have_title(f"Lamps · {site['name']}")
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    messages = shopper.locator(hook("message"))
    await expect(messages).to_have_count(2)
    await expect(messages.nth(0)).to_contain_text(question)
    await expect(messages.nth(1)).to_contain_text(answer)
    assert await seqs(shopper) == ["1", "2"]
    await expect(shopper.locator(hook("panel"))).to_be_visible()


async def test_the_console_speaks_turkish(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    browsing: Browsing,
    console_agent: dict[str, Any],
) -> None:
    console = await log_in(browsing, server.base, console_agent, lang="tr")
    shopper = await browsing.new_page(locale="tr-TR", extra_http_headers=FROM_LINKOPING)
    await shopper.goto(storefront.url(site))
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await open_widget(shopper, storefront.url(site, "lamps.html"))
    question = "Merhaba, pirinç okuma lambası Türkiye'ye gönderiliyor mu?"
    await shopper_says(shopper, question)

    await open_conversation(console, question)
    await agent_says(console, "Evet, 3 iş günü içinde kargoya veriyoruz.")
    await expect(console.locator("html")).to_have_attribute("lang", "tr")
    await expect(console.locator(hook("resolve"))).to_have_text("Çözüldü")
    await expect(console.locator(hook("send"))).to_have_text("Gönder")
    await screenshot(console, "console-tr.png")


async def test_the_shopper_rates_the_conversation_after_the_agent_resolves_it(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    browsing: Browsing,
    console_agent: dict[str, Any],
) -> None:
    shop = storefront.url(site)
    console = await log_in(browsing, server.base, console_agent)
    shopper = await browsing.new_page()
    await open_widget(shopper, shop)
    question = "Can I return the mug set within 30 days?"
    await shopper_says(shopper, question)
    conversation_id = await open_conversation(console, question)
    await agent_says(console, "Of course: returns are free for 30 days.")
    await expect(shopper.locator(hook("message", author="agent"))).to_have_count(1)

    await console.locator(hook("resolve")).click()
    await expect(console.locator(hook("conversation-status"))).to_have_attribute(
        "data-status", "resolved"
    )
    rating = shopper.locator(hook("rating"))
    await expect(rating).to_be_visible()
    await rating.get_by_role("button", name="4 of 5").click()
    await rating.get_by_role("textbox").fill("Quick and friendly, thanks!")
    await rating.get_by_role("button", name="Send rating").click()
    await expect(shopper.locator(hook("rating-thanks"))).to_be_visible()
    await expect(rating).to_be_hidden()

    status, conversation = server.api(
        "GET", f"/api/v1/conversations/{conversation_id}", console_agent["token"]
    )
    assert status == 200
    assert conversation["status"] == "resolved"
    assert conversation["rating"] == 4
    assert conversation["rating_comment"] == "Quick and friendly, thanks!"


async def test_markup_in_a_message_shows_as_text_on_both_sides(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    browsing: Browsing,
    console_agent: dict[str, Any],
) -> None:
    shop = storefront.url(site)
    console = await log_in(browsing, server.base, console_agent)
    shopper = await browsing.new_page()
    await open_widget(shopper, shop)

    await shopper_says(shopper, XSS)
    await open_conversation(console, XSS)
    await agent_says(console, XSS)
    await expect(shopper.locator(hook("message", author="agent"))).to_have_count(1)

    for page, bubble in ((shopper, ".b"), (console, ".msg-bubble")):
        messages = page.locator(hook("message"))
        await expect(messages).to_have_count(2)
        texts = await messages.locator(bubble).evaluate_all("els => els.map(e => e.textContent)")
        assert texts == [XSS, XSS]
        await expect(page.locator(f"{hook('message')} img")).to_have_count(0)
    row = console.locator(hook("conversation-row")).filter(has_text=XSS)
    await expect(row.locator("img")).to_have_count(0)
    assert browsing.dialogs == []


async def test_an_agent_invites_a_browsing_shopper_and_the_widget_opens_by_itself(
    server: Server,
    storefront: Storefront,
    site: dict[str, Any],
    browsing: Browsing,
    console_agent: dict[str, Any],
) -> None:
    console = await log_in(browsing, server.base, console_agent)
    shopper = await browsing.new_page()
    await shopper.goto(storefront.url(site, "cart.html"))
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    await expect(shopper.locator(hook("panel"))).to_be_hidden()

    visitor = console.locator(hook("visitor-row")).filter(has_text=f"Cart · {site['name']}")
    await expect(visitor).to_have_count(1)
    await visitor.locator(hook("invite")).click()
    offer = "Hello! Need a hand with your cart? Shipping is free today."
    await console.locator(hook("input")).fill(offer)
    await console.locator(hook("send")).click()

    await expect(shopper.locator(hook("panel"))).to_be_visible()
    from_agent = shopper.locator(hook("message", author="agent"))
    await expect(from_agent).to_have_count(1)
    await expect(from_agent).to_contain_text(offer)
    await expect(console.locator(hook("message", author="agent"))).to_contain_text([offer])
