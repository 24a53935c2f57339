"""Routing in a real Chromium: the shopper's place in line, and the console's status switch,
colleagues, queue with Claim, and tags, in English and Turkish, on a desktop and a phone.

Screenshots of each state go to ``$CHAT_SCREENSHOTS`` when it is set (a folder), so a
person can look at them; the assertions do not depend on them.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import Any

from browser.browser_support import (
    CONSOLE_VIEWPORT,
    SHOP_VIEWPORT,
    Browsing,
    Storefront,
    hook,
    log_in,
    open_widget,
    shopper_says,
)
from clients import Agent, Visitor
from conftest import PASSWORD, Server
from playwright.async_api import Page, ViewportSize, expect

PHONE: ViewportSize = {"width": 390, "height": 844}


async def look(page: Page, name: str) -> None:
    folder = os.environ.get("CHAT_SCREENSHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)  # noqa: ASYNC230 - a test's folder, once
        await page.mouse.move(0, 0)
        await page.screenshot(path=str(Path(folder) / name), animations="disabled", caret="hide")


async def in_turkish(page: Page) -> None:
    """The storefront's pages say ``lang="en"``; for this shopper they say ``tr`` before
    the widget (an async script, fetched later) reads it."""
    await page.add_init_script(
        "new MutationObserver((_, watch) => { const root = document.documentElement;"
        " if (root) { root.lang = 'tr'; watch.disconnect(); } })"
        ".observe(document, { childList: true });"
    )


def shop_with_two_agents(server: Server) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    admin = server.create_agent("admin", name="Yönetici")
    status, site = server.api("POST", "/api/v1/sites", admin["token"], {"name": "Kargo Dükkanı"})
    assert status == 201, site
    people = []
    for name in ("Ayşe Demir", "Burak Şahin"):
        email = f"agent-{secrets.token_hex(4)}@example.com"
        body = {
            "email": email,
            "name": name,
            "password": PASSWORD,
            "sites": [site["id"]],
            "max_chats": 1,
        }
        status, created = server.api("POST", "/api/v1/agents", admin["token"], body)
        assert status == 201, created
        _, login = server.api(
            "POST", "/api/v1/auth/token", body={"email": email, "password": PASSWORD}
        )
        people.append({**created, "email": email, "password": PASSWORD, "token": login["token"]})
    return site, people[0], people[1]


async def until_nobody_waits(server: Server, token: str) -> None:
    """Polls the caller's open conversations (one site here) until none is unassigned."""
    path = "/api/v1/conversations?assignee=none&status=open"
    for _ in range(100):
        status, page = server.api("GET", path, token)
        assert status == 200, page
        if not page["conversations"]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"still waiting for an agent: {page['conversations']}")


async def test_a_full_team_puts_the_shopper_in_line_and_the_console_claims_and_tags(
    server: Server, storefront: Storefront, browsing: Browsing
) -> None:
    site, ayse, burak = shop_with_two_agents(server)
    storefront.open_shop(site)
    console = await log_in(browsing, server.base, ayse)
    colleague = await Agent.connect(server.ws_base, burak["token"])
    visitors: list[Visitor] = []
    try:
        burak_row = console.locator(hook("agent-row", agent_id=burak["id"]))
        await expect(burak_row).to_have_attribute("data-status", "online")

        # Both agents take one chat each (max_chats 1): the next shopper waits in line.
        for text in ("Kargom nerede?", "İade nasıl yapılır?"):
            visitor = await Visitor.connect(server.ws_base, site["key"])
            await visitor.say(text)
            visitors.append(visitor)
        await expect(console.locator(hook("conversation-row"))).to_have_count(2)
        shopper = await browsing.new_page(SHOP_VIEWPORT, locale="en-US")
        await open_widget(shopper, storefront.url(site))
        await shopper_says(shopper, "Where is my order?")
        place = shopper.locator(hook("queue"))
        await expect(place).to_have_text("You are next in line")
        await look(shopper, "routing-widget-queue-en.png")

        queued = console.locator(hook("queue-row"))
        await expect(queued).to_have_count(1)
        await expect(queued).to_contain_text("00:")
        await expect(burak_row).to_contain_text("1 open")
        await look(console, "routing-console-en.png")

        # Claiming ignores max_chats: the shopper leaves the line.
        await queued.locator(hook("claim-row")).click()
        await expect(queued).to_have_count(0)
        await expect(place).to_be_hidden()

        # Tags on the open conversation.
        await console.locator(hook("conversation-row")).filter(has_text="Where is my order").click()
        await expect(console.locator(hook("assignee"))).to_have_text("Assigned to you")
        tag_input = console.locator(hook("tag-input"))
        await tag_input.fill("  Kargo ")
        await tag_input.press("Enter")
        await expect(console.locator(hook("tag"))).to_have_text(["kargo×"])

        # Away: colleagues see it.
        await console.locator(hook("status-toggle")).click()
        await expect(console.locator(hook("status-toggle"))).to_have_attribute(
            "data-status", "away"
        )
        seen = await colleague.expect("agent.updated")
        while seen["agent"]["id"] != ayse["id"] or seen["agent"]["status"] != "away":
            seen = await colleague.expect("agent.updated")
        await console.locator(hook("transfer")).click()
        await expect(console.locator(hook("transfer-dialog"))).to_be_visible()
        await look(console, "routing-console-transfer-en.png")
        await console.keyboard.press("Escape")
        await console.locator(hook("status-toggle")).click()
        await expect(console.locator(hook("status-toggle"))).to_have_attribute(
            "data-status", "online"
        )
    finally:
        await colleague.close()
        for visitor in visitors:
            await visitor.close()


async def test_the_routing_panels_in_turkish_on_a_phone_and_a_desktop(
    server: Server, storefront: Storefront, browsing: Browsing
) -> None:
    site, ayse, burak = shop_with_two_agents(server)
    storefront.open_shop(site)
    colleague = await Agent.connect(server.ws_base, burak["token"])
    other = await Agent.connect(server.ws_base, ayse["token"])
    visitors = []
    try:
        for text in ("Kargom nerede?", "İade nasıl yapılır?"):
            visitor = await Visitor.connect(server.ws_base, site["key"])
            await visitor.say(text)
            visitors.append(visitor)
        # Routing assigns after the ack: wait until both chats have an agent, or Ayşe's
        # leaving would put the second one back in line ahead of this shopper.
        await until_nobody_waits(server, ayse["token"])
        await other.close()
        shopper = await browsing.new_page(PHONE, locale="tr-TR")
        await in_turkish(shopper)
        await open_widget(shopper, storefront.url(site))
        await shopper_says(shopper, "Siparişim nerede?")
        await expect(shopper.locator(hook("queue"))).to_contain_text("Sırada 1. sıradasınız")
        await look(shopper, "routing-widget-queue-tr-phone.png")

        console = await log_in(browsing, server.base, ayse, lang="tr")
        await expect(console.locator(hook("status-toggle"))).to_contain_text("Çevrimiçi")
        await expect(console.locator(hook("agent-row", agent_id=burak["id"]))).to_contain_text(
            "1 açık"
        )
        await look(console, "routing-console-tr.png")
        await console.set_viewport_size(PHONE)
        await look(console, "routing-console-tr-phone.png")
        await console.set_viewport_size(CONSOLE_VIEWPORT)
    finally:
        await colleague.close()
        for visitor in visitors:
            await visitor.close()
