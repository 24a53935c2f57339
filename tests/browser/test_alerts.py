"""An agent hears of new chats: the tab title counts the unread ones and a chime plays."""

from __future__ import annotations

import re

from browser.browser_support import Browsing, Storefront, hook, log_in, open_widget, shopper_says
from conftest import Server
from playwright.async_api import expect

# Counts the tones the console asks the browser to play (each chime is one or two).
COUNT_TONES = """
window.__tones = 0;
if (window.AudioContext) {
  const createOscillator = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    window.__tones += 1;
    return createOscillator.call(this);
  };
}
"""


async def test_a_new_chat_is_counted_in_the_tab_title_and_chimed_until_the_agent_opens_it(
    server: Server, storefront: Storefront, browsing: Browsing
) -> None:
    site = server.create_site("Nordic Clay", origins=(storefront.origin,))
    agent = server.create_agent("agent", "Elif Kaya")
    console = await log_in(browsing, server.base, agent)
    await console.context.add_init_script(COUNT_TONES)
    await console.reload()
    await expect(console.locator(hook("connection"))).to_have_attribute("data-state", "online")
    base_title = await console.title()
    assert not re.match(r"^\(\d+\) ", base_title)
    # Browsers play sound only after the user interacted with the page: the agent clicks once.
    await console.locator("body").click(position={"x": 5, "y": 5})
    await console.wait_for_function("() => !!window.AudioContext")

    shopper = await browsing.new_page()
    await open_widget(shopper, storefront.open_shop(site))
    question = "Do you deliver to Ankara on Saturdays?"
    await shopper_says(shopper, question)

    await expect(console).to_have_title(f"(1) {base_title}")
    await console.wait_for_function("() => window.__tones >= 1")

    row = console.locator(hook("conversation-row")).filter(has_text=question)
    await row.click()
    await expect(console.locator(hook("message")).filter(has_text=question)).to_have_count(1)
    await expect(console).to_have_title(base_title)
