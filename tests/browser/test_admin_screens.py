"""The admin screens in a real browser: an admin runs the shop from the console.

Sites (key, embed code, settings), agents (invite, edit, deactivate, avatar), teams, SLA
targets and canned replies are created and changed through the forms; what the forms
saved is read back through the API. API errors appear next to their field in the
user's language and nothing typed is lost. Managers see only their sections; agents get
``403``. Every screen is captured in Turkish and English, on a desktop and a phone,
into ``SHOTS`` (``CHAT_ADMIN_SHOTS``, default ``/tmp/round2/shots``).
"""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import urllib.request
from pathlib import Path
from typing import Any

from browser.browser_support import CONSOLE_VIEWPORT, Browsing
from conftest import PASSWORD, Server
from playwright.async_api import Page, ViewportSize, expect

SHOTS = Path(os.environ.get("CHAT_ADMIN_SHOTS", "/tmp/round2/shots"))
SHOTS.mkdir(parents=True, exist_ok=True)
PHONE: ViewportSize = {"width": 390, "height": 844}
SECTIONS = ("sites", "agents", "teams", "sla", "canned")


def chat(name: str) -> str:
    return f'[data-chat="{name}"]'


async def console_login(
    browsing: Browsing,
    server: Server,
    account: dict[str, Any],
    lang: str = "en",
    viewport: ViewportSize | None = None,
) -> Page:
    """A browser logged in to the console through the real form (no socket needed)."""
    page = await browsing.new_page(viewport or CONSOLE_VIEWPORT)
    await page.goto(f"{server.base}/console/login?lang={lang}")
    await page.fill("input[name=email]", account["email"])
    await page.fill("input[name=password]", account["password"])
    await page.click("form[data-chat=login-form] button[type=submit]")
    await page.wait_for_url(re.compile(r"/console/"))
    return page


async def open_section(page: Page, server: Server, name: str, lang: str = "en") -> None:
    await page.goto(f"{server.base}/console/admin?lang={lang}#{name}")
    section = page.locator(chat(f"admin-{name}"))
    await expect(section).to_be_visible()
    await expect(section.locator("[aria-busy=true]")).to_have_count(0)


async def save(page: Page) -> None:
    sheet = page.locator(chat("admin-sheet"))
    await sheet.locator(chat("admin-save")).click()


def content_type_of(url: str) -> str:
    with urllib.request.urlopen(url, timeout=15) as answer:
        return str(answer.headers["content-type"])


def expect_refusals(browsing: Browsing) -> None:
    """The forms are sent wrong on purpose: Chromium logs each 4xx answer as an error."""
    browsing.allow_error(r"Failed to load resource: the server responded with a status of 4\d\d")


def staff_account(server: Server, role: str) -> dict[str, Any]:
    return server.create_agent(role, name=f"{role.title()} {secrets.token_hex(2)}")


async def test_an_admin_creates_and_edits_a_site_and_copies_its_embed_code(
    server: Server, browsing: Browsing
) -> None:
    expect_refusals(browsing)
    admin = staff_account(server, "admin")
    page = await console_login(browsing, server, admin)
    await page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    await open_section(page, server, "sites")
    await page.locator(chat("admin-new-site")).click()
    sheet = page.locator(chat("admin-sheet"))
    await sheet.locator("input[name=name]").fill("Kervan Seramik")
    await sheet.locator("textarea[name=origins]").fill("not an origin")
    await save(page)
    error = sheet.locator('[data-error-for="origins"]')
    await expect(error).to_be_visible()
    await expect(sheet.locator("input[name=name]")).to_have_value("Kervan Seramik")
    await sheet.locator("textarea[name=origins]").fill("https://seramik.example")
    await sheet.locator("textarea[name=greeting_tr]").fill(
        "Merhaba! Size nasıl yardımcı olabiliriz?"
    )
    await sheet.locator("select[name=ip_mode]").select_option("truncate")
    await sheet.locator("input[name=routing]").uncheck()
    await save(page)
    await expect(sheet).to_have_count(0)
    row = page.locator(chat("admin-site-row")).filter(has_text="Kervan Seramik")
    await expect(row).to_be_visible()
    key = await row.locator(chat("admin-site-key")).inner_text()
    snippet = await row.locator(chat("admin-snippet")).inner_text()
    assert snippet == f'<script src="{server.base}/widget.js" data-site="{key}" async></script>'
    await row.locator(chat("admin-copy-snippet")).click()
    assert await page.evaluate("navigator.clipboard.readText()") == snippet

    status, listed = server.api("GET", "/api/v1/sites", admin["token"])
    site = next(s for s in listed["sites"] if s["key"] == key)
    assert site["origins"] == ["https://seramik.example"]
    assert site["ip_mode"] == "truncate" and site["routing"] is False
    assert site["greeting"]["tr"] == "Merhaba! Size nasıl yardımcı olabiliriz?"

    await row.locator(chat("admin-edit")).click()
    await sheet.locator("select[name=assistant]").select_option("offline")
    await sheet.locator("textarea[name=notify_emails]").fill("destek@seramik.example")
    await sheet.locator("input[name=invite_on]").check()
    await sheet.locator("input[name=invite_url]").fill("/urun/")
    await sheet.locator("textarea[name=invite_en]").fill("Questions about this piece?")
    await save(page)
    await expect(sheet).to_have_count(0)
    status, site = server.api("GET", f"/api/v1/sites/{site['id']}", admin["token"])
    assert site["assistant"] == "offline"
    assert site["notify_emails"] == ["destek@seramik.example"]
    assert site["auto_invite"][0]["url_contains"] == "/urun/"


async def test_an_admin_invites_an_agent_who_can_then_log_in(
    server: Server, browsing: Browsing
) -> None:
    expect_refusals(browsing)
    admin = staff_account(server, "admin")
    site = server.create_site("Invite shop")
    page = await console_login(browsing, server, admin, lang="tr")
    await open_section(page, server, "agents", lang="tr")
    await page.locator(chat("admin-new-agent")).click()
    sheet = page.locator(chat("admin-sheet"))
    email = f"deniz-{secrets.token_hex(3)}@example.com"
    await sheet.locator("input[name=name]").fill("Deniz Yılmaz")
    await sheet.locator("input[name=email]").fill(email)
    await sheet.locator("input[name=password]").fill("short")
    await save(page)
    error = sheet.locator('[data-error-for="password"]')
    await expect(error).to_contain_text("en az 8 karakter")
    await expect(sheet.locator("input[name=email]")).to_have_value(email)
    await sheet.locator("input[name=password]").fill(PASSWORD)
    await sheet.locator("input[name=all_sites]").uncheck()
    await sheet.locator(f'input[name=sites][value="{site["id"]}"]').check()
    await sheet.locator("input[name=max_chats]").fill("3")
    await save(page)
    await expect(sheet).to_have_count(0)
    row = page.locator(chat("admin-agent-row")).filter(has_text="Deniz Yılmaz")
    await expect(row.locator(chat("admin-agent-load"))).to_have_text("0 / 3 sohbet")
    await expect(row.locator(chat("agent-avatar"))).to_be_visible()

    status, token = server.api(
        "POST", "/api/v1/auth/token", body={"email": email, "password": PASSWORD}
    )
    assert status == 200, token
    status, listed = server.api("GET", "/api/v1/agents", admin["token"])
    entry = next(a for a in listed["agents"] if a["email"] == email)
    assert entry["sites"] == [site["id"]] and entry["max_chats"] == 3

    await row.locator(chat("admin-edit")).click()
    await sheet.locator(chat("admin-active")).click()
    await expect(row.locator(".ad-chip.is-bad")).to_be_visible()
    status, _ = server.api(
        "POST", "/api/v1/auth/token", body={"email": email, "password": PASSWORD}
    )
    assert status == 401


async def test_an_agent_uploads_an_avatar_that_the_list_shows(
    server: Server, browsing: Browsing, tmp_path: Path
) -> None:
    admin = staff_account(server, "admin")
    server.create_site("Avatar shop")
    agent = server.create_agent("agent", name="Avatar Agent")
    page = await console_login(browsing, server, admin)
    await open_section(page, server, "agents")
    row = page.locator(chat("admin-agent-row")).filter(has_text="Avatar Agent")
    await row.locator(chat("admin-edit")).click()
    picture = tmp_path / "me.png"
    picture.write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d4944415478da63f8cfc0f01f0005000201"
            "7e2b9b6f0000000049454e44ae426082"
        )
    )
    await page.locator(chat("admin-avatar-file")).set_input_files(str(picture))
    await expect(page.locator(chat("admin-avatar")).locator(".af-status")).to_have_text("Saved.")
    url = f"{server.base}/api/v1/agents/{agent['id']}/avatar"
    assert await asyncio.to_thread(content_type_of, url) == "image/png"


async def test_teams_sla_and_canned_replies_are_managed_from_the_console(
    server: Server, browsing: Browsing
) -> None:
    expect_refusals(browsing)
    admin = staff_account(server, "admin")
    site = server.create_site("Team shop")
    page = await console_login(browsing, server, admin)

    await open_section(page, server, "teams")
    await page.locator(chat("admin-new-team")).click()
    sheet = page.locator(chat("admin-sheet"))
    await sheet.locator("input[name=name]").fill("Kargo ekibi")
    await sheet.locator(f'input[name=site_ids][value="{site["id"]}"]').check()
    await save(page)
    await expect(
        page.locator(chat("admin-team-row")).filter(has_text="Kargo ekibi")
    ).to_be_visible()

    await open_section(page, server, "sla")
    form = page.locator(chat("admin-sla"))
    await form.locator("input[name=first_response_seconds]").fill("-5")
    await form.locator(chat("admin-save")).click()
    await expect(form.locator('[data-error-for="first_response_seconds"]')).to_be_visible()
    await form.locator("input[name=first_response_seconds]").fill("45")
    await form.locator("input[name=hours_on]").check()
    await form.locator("input[name=day_sat]").fill("10:00-14:00")
    await form.locator(chat("admin-save")).click()
    await expect(form.locator(chat("admin-form-status"))).to_have_text("Saved.")
    status, policy = server.api("GET", "/api/v1/sla", admin["token"])
    assert policy["first_response_seconds"] == 45
    assert policy["business_hours"]["intervals"]["sat"] == [["10:00", "14:00"]]

    await open_section(page, server, "canned")
    await page.locator(chat("admin-new-canned")).click()
    await sheet.locator("input[name=shortcut]").fill("kargo")
    await sheet.locator("input[name=title]").fill("Kargo süresi")
    await sheet.locator("textarea[name=text]").fill(
        "Siparişiniz 2 iş gününde kargoda, {{visitor.name}}."
    )
    await save(page)
    row = page.locator(chat("admin-canned-row")).filter(has_text="/kargo")
    await expect(row).to_be_visible()
    await row.locator(chat("admin-delete-canned")).click()
    await row.locator(chat("admin-delete-canned")).click()
    await expect(row).to_have_count(0)


async def test_managers_see_their_sections_and_agents_are_refused(
    server: Server, browsing: Browsing
) -> None:
    expect_refusals(browsing)
    manager = staff_account(server, "manager")
    page = await console_login(browsing, server, manager)
    await page.goto(f"{server.base}/console/admin")
    tabs = page.locator(chat("admin-tabs")).locator("[data-section-tab]")
    await expect(tabs).to_have_count(5)
    assert await tabs.evaluate_all("els => els.map(e => e.dataset.sectionTab)") == [
        "agents",
        "teams",
        "canned",
        "faq",
        "webhooks",
    ]
    agent = staff_account(server, "agent")
    other = await console_login(browsing, server, agent)
    answer = await other.goto(f"{server.base}/console/admin")
    assert answer is not None and answer.status == 403


async def test_every_admin_screen_in_both_languages_on_desktop_and_phone(
    server: Server, browsing: Browsing
) -> None:
    expect_refusals(browsing)
    admin = staff_account(server, "admin")
    site = server.create_site("Kervan Seramik", origins=("https://seramik.example",))
    server.create_agent("agent", name="Zeynep Kaya")
    server.api(
        "POST",
        "/api/v1/teams",
        admin["token"],
        {"name": "Kargo", "site_ids": [site["id"]], "agent_ids": []},
    )
    server.api(
        "POST",
        "/api/v1/canned-replies",
        admin["token"],
        {
            "shortcut": "kargo",
            "title": "Kargo süresi",
            "text": "2 iş gününde kargoda.",
            "site_id": None,
            "locale": "tr",
        },
    )
    for lang in ("en", "tr"):
        for device, viewport in (("desktop", CONSOLE_VIEWPORT), ("phone", PHONE)):
            page = await console_login(browsing, server, admin, lang=lang, viewport=viewport)
            for name in SECTIONS:
                await open_section(page, server, name, lang=lang)
                await page.screenshot(path=str(SHOTS / f"admin-{name}-{lang}-{device}.png"))
            await open_section(page, server, "sites", lang=lang)
            await page.locator(chat("admin-edit")).first.click()
            await page.screenshot(path=str(SHOTS / f"admin-site-form-{lang}-{device}.png"))
            await page.keyboard.press("Escape")
            await open_section(page, server, "agents", lang=lang)
            await page.locator(chat("admin-new-agent")).click()
            await save(page)
            sheet = page.locator(chat("admin-sheet"))
            await expect(sheet.locator("[data-error-for]:not([hidden])").first).to_be_visible()
            await page.screenshot(path=str(SHOTS / f"admin-agent-form-{lang}-{device}.png"))
            await page.keyboard.press("Escape")
            row = page.locator(chat("admin-agent-row")).filter(has_text="Zeynep Kaya")
            await row.locator(chat("admin-edit")).click()
            await expect(page.locator(chat("admin-avatar"))).to_be_visible()
            await page.screenshot(path=str(SHOTS / f"admin-agent-edit-{lang}-{device}.png"))
            await page.keyboard.press("Escape")
            await page.context.close()
