"""A shop with a team, end to end in real Chromium (issue 12's "done when").

An admin creates a site, two agents and a canned reply in the console's admin screens;
agent Ayşe logs in and is routed a new chat from a shopper on the storefront; she types
``/kargo`` + Tab, which becomes the canned reply, and sends it; the shopper sees it, with
Ayşe's name and avatar in the widget's header; Ayşe transfers the conversation to her
colleague Burak, who sees it assigned to him.
"""

from __future__ import annotations

import secrets
from typing import Any

from browser.browser_support import (
    SHOP_VIEWPORT,
    Browsing,
    Storefront,
    hook,
    log_in,
    open_widget,
    shopper_says,
)
from browser.test_admin_screens import SHOTS, console_login, open_section, save
from conftest import PASSWORD, Server
from playwright.async_api import Page, expect

CANNED_TEXT = "Siparişiniz 2 iş günü içinde kargoya verilir."


async def admin_creates_site(page: Page, server: Server, origin: str) -> dict[str, Any]:
    await open_section(page, server, "sites")
    await page.locator(hook("admin-new-site")).click()
    sheet = page.locator(hook("admin-sheet"))
    name = f"Kargo Dükkanı {secrets.token_hex(2)}"
    await sheet.locator("input[name=name]").fill(name)
    await sheet.locator("textarea[name=origins]").fill(origin)
    await save(page)
    await expect(sheet).to_have_count(0)
    row = page.locator(hook("admin-site-row")).filter(has_text=name)
    key = await row.locator(hook("admin-site-key")).inner_text()
    site_id = await row.get_attribute("data-id")
    return {"id": site_id, "key": key, "name": name}


async def admin_invites_agent(
    page: Page, server: Server, name: str, site_id: str
) -> dict[str, Any]:
    await open_section(page, server, "agents")
    await page.locator(hook("admin-new-agent")).click()
    sheet = page.locator(hook("admin-sheet"))
    email = f"agent-{secrets.token_hex(4)}@example.com"
    await sheet.locator("input[name=name]").fill(name)
    await sheet.locator("input[name=email]").fill(email)
    await sheet.locator("input[name=password]").fill(PASSWORD)
    await sheet.locator("input[name=all_sites]").uncheck()
    await sheet.locator(f'input[name=sites][value="{site_id}"]').check()
    await save(page)
    await expect(sheet).to_have_count(0)
    row = page.locator(hook("admin-agent-row")).filter(has_text=name)
    return {"id": await row.get_attribute("data-id"), "email": email, "password": PASSWORD}


async def admin_adds_canned_reply(page: Page, server: Server, site_id: str) -> None:
    await open_section(page, server, "canned")
    await page.locator(hook("admin-new-canned")).click()
    sheet = page.locator(hook("admin-sheet"))
    await sheet.locator("input[name=shortcut]").fill("kargo")
    await sheet.locator("input[name=title]").fill("Kargo süresi")
    await sheet.locator("textarea[name=text]").fill(CANNED_TEXT)
    await sheet.locator("select[name=site_id]").select_option(site_id)
    await save(page)
    await expect(page.locator(hook("admin-canned-row")).filter(has_text="/kargo")).to_be_visible()


async def test_an_admin_sets_up_the_shop_and_a_routed_chat_is_answered_and_transferred(
    server: Server, storefront: Storefront, browsing: Browsing
) -> None:
    admin = server.create_agent("admin", name="Yönetici")

    # 1. The admin creates the site, two agents and the canned reply in the admin screens.
    admin_page = await console_login(browsing, server, admin)
    site = await admin_creates_site(admin_page, server, storefront.origin)
    ayse = await admin_invites_agent(admin_page, server, "Ayşe Demir", site["id"])
    burak = await admin_invites_agent(admin_page, server, "Burak Şahin", site["id"])
    await admin_adds_canned_reply(admin_page, server, site["id"])

    # 2. Ayşe logs in; a shopper writes from the storefront; routing gives Ayşe the chat.
    console = await log_in(browsing, server.base, ayse)
    storefront.open_shop(site)
    shopper = await browsing.new_page(SHOP_VIEWPORT, locale="tr-TR")
    await open_widget(shopper, storefront.url(site))
    await shopper_says(shopper, "Merhaba, kargom ne zaman gelir?")
    row = console.locator(hook("conversation-row")).filter(has_text="kargom")
    await expect(row).to_have_count(1)
    await row.click()
    await expect(console.locator(hook("assignee"))).to_have_text("Assigned to you")
    conversation_id = await row.get_attribute("data-conversation-id")

    # 3. "/kargo" + Tab becomes the canned reply; the shopper sees it, and who answered.
    composer = console.locator(hook("input"))
    await composer.fill("/kargo")
    await expect(console.locator(hook("canned-suggestion"))).to_have_count(1)
    await composer.press("Tab")
    await expect(composer).to_have_value(CANNED_TEXT)
    await console.locator(hook("send")).click()
    answer = shopper.locator(hook("message", author="agent")).filter(has_text=CANNED_TEXT)
    await expect(answer).to_have_count(1)
    await expect(shopper.locator(".nm")).to_have_text("Ayşe Demir")
    avatar = shopper.locator(hook("agent-avatar"))
    await expect(avatar).to_have_attribute(
        "src", f"{server.base}/api/v1/agents/{ayse['id']}/avatar"
    )
    await shopper.screenshot(path=str(SHOTS / "workflow-widget-agent-header.png"))

    # 4. Ayşe transfers the conversation to Burak, who sees it assigned to him.
    colleague = await log_in(browsing, server.base, burak)
    await console.locator(hook("transfer")).click()
    await console.locator(hook("transfer-target")).select_option(f"agent:{burak['id']}")
    await console.locator(hook("transfer-note")).fill("Kargo firmasını arar mısın?")
    await console.locator(hook("transfer-form")).locator("button[type=submit]").click()
    await expect(console.locator(hook("assignee"))).to_have_text("Assigned to Burak Şahin")
    transferred = colleague.locator(hook("conversation-row", conversation_id=str(conversation_id)))
    await transferred.click()
    await expect(colleague.locator(hook("assignee"))).to_have_text("Assigned to you")
    await colleague.screenshot(path=str(SHOTS / "workflow-console-transferred.png"))
