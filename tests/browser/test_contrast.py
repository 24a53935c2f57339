"""WCAG AA contrast, judged by axe-core (``axe-playwright-python``) in a real Chromium: the
widget with a conversation in it, the console with that conversation open, the SLA
dashboard, the admin pages and the login form, in English and Turkish, on a desktop and a
phone. Only the ``color-contrast`` rule is asked for: it is what the issue names, and the
other rules have tests of their own."""

from __future__ import annotations

import pytest
from axe_playwright_python.async_playwright import Axe
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
from clients import Agent
from conftest import Server
from playwright.async_api import Page, ViewportSize, expect

PHONE: ViewportSize = {"width": 390, "height": 844}
AXE = Axe()


async def contrast_failures(page: Page) -> list[str]:
    """Each element axe finds below AA contrast, with axe's own explanation."""
    results = await AXE.run(page, options={"runOnly": ["color-contrast"]})
    return [
        f"{node['target']}: {node.get('failureSummary', '')}"
        for violation in results.response["violations"]
        for node in violation["nodes"]
    ]


@pytest.mark.parametrize(("lang", "viewport"), [("en", SHOP_VIEWPORT), ("tr", PHONE)])
async def test_the_widget_and_its_timestamps_meet_aa_contrast(
    server: Server, storefront: Storefront, browsing: Browsing, lang: str, viewport: ViewportSize
) -> None:
    site = server.create_site("Kontrast Çini", origins=(storefront.origin,))
    storefront.open_shop(site)
    agent = server.create_agent()
    colleague = await Agent.connect(server.ws_base, agent["token"])
    try:
        shopper = await browsing.new_page(viewport, locale="tr-TR" if lang == "tr" else "en-US")
        await open_widget(shopper, storefront.url(site))
        assert await contrast_failures(shopper) == []
        await shopper_says(shopper, "Merhaba, kargom nerede?")
        created = await colleague.expect("message.created", timeout=10)
        conversation_id = created["message"]["conversation_id"]
        await colleague.say(conversation_id, "Bugün kargoya verildi.")
        await expect(shopper.locator(hook("message", author="agent"))).to_have_count(1)
        assert await contrast_failures(shopper) == []
    finally:
        await colleague.close()


@pytest.mark.parametrize("lang", ["en", "tr"])
async def test_the_console_dashboard_admin_and_login_pages_meet_aa_contrast(
    server: Server, browsing: Browsing, lang: str
) -> None:
    admin = server.create_agent("admin")
    found: dict[str, list[str]] = {}
    login = await browsing.new_page(CONSOLE_VIEWPORT)
    await login.goto(f"{server.base}/console/login?lang={lang}")
    found["login"] = await contrast_failures(login)

    console = await log_in(browsing, server.base, admin, lang=lang)
    found["console"] = await contrast_failures(console)
    await console.set_viewport_size(PHONE)
    found["console on a phone"] = await contrast_failures(console)
    await console.set_viewport_size(CONSOLE_VIEWPORT)
    await console.goto(f"{server.base}/console/stats?lang={lang}")
    await console.wait_for_load_state("networkidle")
    found["dashboard"] = await contrast_failures(console)
    for section in ("sites", "agents", "faq", "webhooks"):
        await console.goto(f"{server.base}/console/admin?lang={lang}#{section}")
        panel = console.locator(f'[data-chat="admin-{section}"]')
        await expect(panel).to_be_visible()
        await expect(panel.locator("[aria-busy=true]")).to_have_count(0)
        found[section] = await contrast_failures(console)
    below_aa = [f"{page}: {failure}" for page, failures in found.items() for failure in failures]
    assert not below_aa, "\n".join(below_aa)
