"""Canned replies and history search in the console, in real Chromium (issue 12).

The shopper is a WebSocket client; the agent uses the console: ``/kargo`` and Tab
inserts the reply with the shopper's name filled in, and the search box finds a
message and opens its conversation at that message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser.browser_support import Browsing, hook, log_in
from clients import Visitor
from conftest import Server
from playwright.async_api import Page, ViewportSize, expect

SHOTS = Path("/tmp/canned-search-shots")
PHONE: ViewportSize = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def console_agent(server: Server) -> dict[str, Any]:
    return server.create_agent("agent", "Elif Kaya")


@pytest.fixture(scope="module")
def shop(server: Server) -> dict[str, Any]:
    site = server.create_site("Kervan Kahve")
    admin = server.create_agent("admin")
    reply = {
        "shortcut": "kargo",
        "title": "Kargo durumu",
        "text": "Merhaba {{visitor.name}}, siparişiniz kargoda. {{site.name}}",
        "site_id": site["id"],
        "locale": "tr",
    }
    assert server.api("POST", "/api/v1/canned-replies", admin["token"], reply)[0] == 201
    other = {**reply, "shortcut": "kargo-iade", "title": "İade kargosu", "text": "İade kodu"}
    assert server.api("POST", "/api/v1/canned-replies", admin["token"], other)[0] == 201
    return site


async def shopper(server: Server, site: dict[str, Any], name: str, text: str) -> Visitor:
    visitor = await Visitor.connect(server.ws_base, site["key"])
    await visitor.send({"type": "identify", "name": name})
    await visitor.expect("identified")
    await visitor.say(text)
    return visitor


async def open_row(console: Page, containing: str) -> None:
    row = console.locator(hook("conversation-row")).filter(has_text=containing)
    await row.click()
    await expect(console.locator(hook("message")).filter(has_text=containing)).to_have_count(1)


async def test_slash_shortcut_and_tab_insert_the_reply_with_the_name_filled(
    server: Server, shop: dict[str, Any], browsing: Browsing, console_agent: dict[str, Any]
) -> None:
    visitor = await shopper(server, shop, "Zeynep", "Siparişim nerede acaba?")
    console = await log_in(browsing, server.base, console_agent)
    await open_row(console, "Siparişim nerede")
    box = console.locator(hook("input"))
    await box.press_sequentially("Tabii, /kar")
    suggestions = console.locator(hook("canned-suggestions"))
    await expect(suggestions).to_be_visible()
    await expect(suggestions.locator(hook("canned-suggestion"))).to_have_count(2)
    await expect(suggestions.locator(hook("canned-suggestion")).first).to_have_attribute(
        "data-shortcut", "kargo"
    )
    await console.screenshot(path=str(SHOTS / "canned-en.png"))
    await box.press("Tab")
    await expect(box).to_have_value("Tabii, Merhaba Zeynep, siparişiniz kargoda. Kervan Kahve")
    await expect(suggestions).to_be_hidden()

    # Arrows move, Enter inserts the highlighted one, Escape closes without inserting.
    await box.fill("")
    await box.press_sequentially("/kargo")
    await expect(suggestions.locator(hook("canned-suggestion"))).to_have_count(2)
    await box.press("ArrowDown")
    await box.press("Enter")
    await expect(box).to_have_value("İade kodu")
    await box.fill("")
    await box.press_sequentially("/kar")
    await expect(suggestions).to_be_visible()
    await box.press("Escape")
    await expect(suggestions).to_be_hidden()
    await expect(box).to_have_value("/kar")
    assert await console.locator(hook("message")).filter(has_text="İade kodu").count() == 0
    await visitor.close()


@pytest.mark.parametrize(("lang", "viewport"), [("en", None), ("tr", PHONE)])
async def test_the_search_box_finds_a_message_and_opens_its_conversation(
    server: Server,
    shop: dict[str, Any],
    browsing: Browsing,
    console_agent: dict[str, Any],
    lang: str,
    viewport: ViewportSize | None,
) -> None:
    visitor = await shopper(server, shop, "Mert", f"KARGOM hâlâ gelmedi ({lang})")
    await visitor.say("Bir de fatura lazım")
    console = await log_in(browsing, server.base, console_agent, lang=lang)
    if viewport:
        await console.set_viewport_size(viewport)
    search = console.locator(hook("search"))
    await search.fill("kargo hala")
    hit = console.locator(hook("search-result")).filter(has_text=f"({lang})")
    await expect(hit).to_have_count(1)
    await expect(hit.locator("mark").first).to_have_text("KARGOM")
    await console.screenshot(path=str(SHOTS / f"search-{lang}.png"))
    await hit.click()
    message = console.locator(hook("message")).filter(has_text=f"KARGOM hâlâ gelmedi ({lang})")
    await expect(message).to_be_visible()
    await expect(console.locator(hook("conversation-title"))).to_contain_text("Mert")
    await console.screenshot(path=str(SHOTS / f"search-opened-{lang}.png"))
    await visitor.close()
