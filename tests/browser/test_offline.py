"""With no agent online the widget offers a form, and the message waits for the agents."""

from __future__ import annotations

from browser.browser_support import (
    CONSOLE_VIEWPORT,
    Browsing,
    Storefront,
    hook,
    open_widget,
    screenshot,
)
from conftest import Server
from playwright.async_api import expect


async def test_with_no_agent_online_a_shopper_leaves_a_message_that_agents_see_later(
    server: Server, storefront: Storefront, browsing: Browsing
) -> None:
    site = server.create_site("Nordic Clay", origins=(storefront.origin,))
    shopper = await browsing.new_page()
    await open_widget(shopper, storefront.open_shop(site))

    form = shopper.locator(hook("offline-form"))
    await expect(form).to_be_visible()
    await expect(shopper.locator(hook("input"))).to_be_hidden()
    await form.get_by_label("Your name").fill("Zeynep Demir")
    await form.get_by_label("E-mail").fill("zeynep@example.com")
    question = "Do you ship the linen throw to Izmir? I would need it by Friday."
    await form.get_by_label("Message").fill(question)
    await screenshot(shopper, "widget-offline.png")
    await form.get_by_role("button", name="Send message").click()
    await expect(shopper.locator(hook("confirmation"))).to_be_visible()
    await expect(form).to_be_hidden()
    sent = shopper.locator(hook("message", author="visitor"))
    await expect(sent).to_have_count(1)
    await expect(sent).to_have_attribute("data-seq", "1")
    await expect(shopper.locator(hook("input"))).to_be_visible()

    agent = server.create_agent("agent", "Can Öztürk")
    console = await browsing.new_page(CONSOLE_VIEWPORT)
    await console.goto(f"{server.base}/console/login?lang=en")
    await expect(console.get_by_role("heading", name="Sign in to your console")).to_be_visible()
    await screenshot(console, "login.png")
    await console.get_by_label("E-mail").fill(agent["email"])
    await console.get_by_label("Password").fill(agent["password"])
    await console.get_by_role("button", name="Sign in").click()

    row = console.locator(hook("conversation-row")).filter(has_text="Zeynep Demir")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text(question[:40])
    await row.click()
    await expect(console.locator(hook("conversation-title"))).to_have_text("Zeynep Demir")
    await expect(console.locator(hook("message", author="visitor"))).to_contain_text([question])


async def test_a_shopper_who_clicks_into_a_field_right_after_opening_keeps_typing_there(
    server: Server, storefront: Storefront, browsing: Browsing
) -> None:
    site = server.create_site("Nordic Clay", origins=(storefront.origin,))
    shopper = await browsing.new_page()
    await shopper.goto(storefront.open_shop(site))
    await expect(shopper.locator(hook("status"))).to_have_attribute("data-state", "online")
    # The pointer reaches the launcher first, which fetches the panel's code (docs/frontend.md).
    await shopper.locator(hook("launcher")).hover()
    await expect(shopper.locator(hook("panel"))).to_have_count(1)
    # The shopper opens the chat and at once puts the cursor in the e-mail field, before the
    # widget would focus its first field on its own; what they type must land where they put it.
    await shopper.evaluate(
        """() => {
            const root = document.querySelector('chat-widget').shadowRoot;
            root.querySelector('[data-chat=launcher]').click();
            root.querySelector('[data-chat=offline-form] input[name=email]').focus();
        }"""
    )
    await shopper.keyboard.type("zeynep@example.com", delay=25)
    form = shopper.locator(hook("offline-form"))
    await expect(form.get_by_label("E-mail")).to_have_value("zeynep@example.com")
    await expect(form.get_by_label("Your name")).to_have_value("")
