"""The widget rides out a server restart: it says so, queues what the shopper types, resends once."""

from __future__ import annotations

import asyncio
import re

from browser.browser_support import Browsing, Storefront, hook, open_widget, seqs
from conftest import Server
from playwright.async_api import expect


async def test_a_message_typed_while_the_server_is_down_is_delivered_once_it_is_back(
    own_server: Server, browsing: Browsing
) -> None:
    storefront = Storefront(own_server.base).start()
    try:
        site = own_server.create_site("Nordic Clay", origins=(storefront.origin,))
        shopper = await browsing.new_page()
        await open_widget(shopper, storefront.open_shop(site))
        # No agent is online, so the first message goes through the offline form.
        form = shopper.locator(hook("offline-form"))
        await form.get_by_label("Your name").fill("Jonas Berg")
        await form.get_by_label("E-mail").fill("jonas@example.com")
        first_text = "Is the brass reading light dimmable?"
        await form.get_by_label("Message").fill(first_text)
        await form.get_by_role("button", name="Send message").click()
        first = shopper.locator(hook("message", author="visitor"))
        await expect(first).to_have_attribute("data-seq", "1")

        # While the server is down Chromium logs each refused reconnection attempt.
        browsing.allow_error(
            rf"WebSocket connection to 'ws://127\.0\.0\.1:{own_server.port}/ws/visitor\?site=\S+'"
            r" failed: Error in connection establishment: net::ERR_CONNECTION_REFUSED"
        )
        await asyncio.to_thread(own_server.stop)
        status = shopper.locator(hook("status"))
        await expect(status).to_have_attribute("data-state", re.compile("^(offline|connecting)$"))
        typed = "Hello? Are you still there?"
        await shopper.locator(hook("input")).fill(typed)
        await shopper.locator(hook("input")).press("Enter")
        queued = shopper.locator(hook("message", author="visitor")).filter(has_text=typed)
        await expect(queued).to_have_attribute("data-pending", "true")

        await asyncio.to_thread(own_server.start)
        await expect(status).to_have_attribute("data-state", "online", timeout=30_000)
        await expect(queued).to_have_attribute("data-seq", "2")
        await expect(queued).not_to_have_attribute("data-pending", "true")
        await expect(shopper.locator(hook("message"))).to_have_count(2)

        # After a reload the widget shows every message the server stored: each one once.
        await shopper.reload()
        messages = shopper.locator(hook("message"))
        await expect(messages).to_have_count(2)
        await expect(messages.nth(0)).to_contain_text(first_text)
        await expect(messages.nth(1)).to_contain_text(typed)
        assert await seqs(shopper) == ["1", "2"]
    finally:
        storefront.stop()
