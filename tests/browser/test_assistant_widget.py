"""The shop's assistant in the widget (issue 14): at night a shopper asks in Turkish, gets
the FAQ's answer with "Did this help?", asks for a person, and the agent who comes online
sees the whole conversation with the assistant's part. English on a phone as well."""

from __future__ import annotations

import json
from typing import Any

from browser.browser_support import (
    Browsing,
    Storefront,
    hook,
    log_in,
    open_widget,
    screenshot,
    shopper_says,
)
from conftest import Server
from playwright.async_api import Page, expect

SHIPPING_TR = {
    "locale": "tr",
    "question": "Kargom nerede?",
    "answer": "Siparişiniz 1-3 iş günü içinde kargoya verilir; takip numarası e-postanızdadır.",
    "alternates": ["Siparişim ne zaman gelir", "kargo takibi"],
}
SHIPPING_EN = {
    "locale": "en",
    "question": "Where is my order?",
    "answer": "Orders ship within 1-3 business days; the tracking number is in your e-mail.",
    "alternates": ["track my parcel", "when will my package arrive"],
}
PHONE = {"width": 390, "height": 844}


def assistant_shop(
    server: Server, storefront: Storefront, admin: dict[str, Any], name: str, mode: str
) -> dict[str, Any]:
    site = server.create_site(name, origins=(storefront.origin,))
    server.cli("sites", "update", site["key"], "--assistant", mode)
    for entry in (SHIPPING_TR, SHIPPING_EN):
        status, body = server.api(
            "POST", "/api/v1/faq", admin["token"], {"site_id": site["id"], **entry}
        )
        assert status == 201, body
    return site


async def in_turkish(page: Page) -> None:
    """The storefront's pages in Turkish (``<html lang="tr">``), as a Turkish shop serves them."""
    await page.add_init_script(
        """new MutationObserver((changes, observer) => {
            if (document.documentElement) {
                document.documentElement.lang = 'tr';
                observer.disconnect();
            }
        }).observe(document, { childList: true });"""
    )


async def test_at_night_the_assistant_answers_and_hands_over_to_the_agent_who_comes_online(
    server: Server, storefront: Storefront, browsing: Browsing
) -> None:
    admin = server.create_agent("admin", "Admin")
    site = assistant_shop(server, storefront, admin, "Kil Atölyesi", "offline")
    shopper = await browsing.new_page(locale="tr-TR")
    await in_turkish(shopper)
    await open_widget(shopper, storefront.open_shop(site))
    # No one is online, yet the shopper can write: the assistant answers in the chat.
    await expect(shopper.locator(hook("offline-form"))).to_be_hidden()
    await shopper_says(shopper, "kargom nerde")

    bot = shopper.locator(hook("message", author="bot"))
    await expect(bot.first).to_contain_text(SHIPPING_TR["answer"])
    await expect(bot.first).to_contain_text("Kil Atölyesi Asistan")
    await expect(bot.nth(1)).to_contain_text("Bu yanıt yardımcı oldu mu?")
    feedback = shopper.locator(hook("assistant-feedback"))
    await expect(feedback.get_by_role("button", name="Evet")).to_be_visible()
    await expect(feedback.get_by_role("button", name="Hayır")).to_be_visible()
    person = shopper.get_by_role("button", name="Bir temsilciyle görüşmek istiyorum")
    await expect(person).to_be_visible()
    await screenshot(shopper, "widget-assistant-tr.png")

    await person.click()
    await expect(shopper.locator(hook("message", author="system"))).to_contain_text(
        "Sizi bir temsilciye bağlıyorum."
    )
    await expect(person).to_be_hidden()
    await expect(feedback).to_have_count(0)
    await screenshot(shopper, "widget-assistant-handover-tr.png")

    agent = server.create_agent("agent", "Elif Kaya", sites=(site["key"],))
    console = await log_in(browsing, server.base, agent, lang="tr")
    row = console.locator(hook("conversation-row")).first
    await expect(row).to_be_visible()
    await row.click()
    thread_bot = console.locator(hook("message", author="bot"))
    await expect(thread_bot).to_have_count(2)
    await expect(thread_bot.first).to_contain_text(SHIPPING_TR["answer"])
    await expect(console.locator(hook("message", author="visitor"))).to_contain_text(
        ["kargom nerde"]
    )
    await expect(console.locator(hook("handed-over"))).to_contain_text(
        "Asistan temsilciye devretti"
    )
    await screenshot(console, "console-assistant-tr.png")


async def test_a_shopper_on_a_phone_gets_the_english_answer_and_says_it_helped(
    server: Server, storefront: Storefront, browsing: Browsing
) -> None:
    admin = server.create_agent("admin", "Admin")
    site = assistant_shop(server, storefront, admin, "Nordic Clay", "always")
    shopper = await browsing.new_page(PHONE)
    await open_widget(shopper, storefront.open_shop(site))
    await shopper_says(shopper, "where is my order??")
    bot = shopper.locator(hook("message", author="bot"))
    await expect(bot.first).to_contain_text(SHIPPING_EN["answer"])
    await expect(bot.nth(1)).to_contain_text("Did this help?")
    await expect(shopper.get_by_role("button", name="Talk to a person")).to_be_visible()
    await screenshot(shopper, "widget-assistant-en-phone.png")

    await shopper.locator(hook("assistant-feedback")).get_by_role("button", name="Yes").click()
    await expect(bot.nth(2)).to_contain_text("Glad it helped!")
    await expect(shopper.locator(hook("assistant-feedback"))).to_have_count(0)
    status, body = server.api(
        "GET", f"/api/v1/stats/response-times?site_id={site['id']}", admin["token"]
    )
    assert status == 200, body
    assert json.loads(json.dumps(body["assistant"]))["answered"] == 1
    assert body["first_response"]["count"] == 0
