"""Signing in and out of the console in Chromium: the one-time code field, logout, and a
console whose account is deactivated while it is open."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pyotp
from browser.browser_support import CONSOLE_VIEWPORT, Browsing, hook, log_in
from clients import Visitor
from conftest import Server
from playwright.async_api import ViewportSize, expect

PHONE: ViewportSize = {"width": 390, "height": 844}
SHOTS = Path("/tmp/authwork")


async def test_an_agent_with_two_step_login_signs_in_with_the_code_and_logs_out(
    server: Server, browsing: Browsing
) -> None:
    agent = server.create_agent()
    enabled = await asyncio.to_thread(server.cli, "agents", "otp", agent["email"])
    secret = json.loads(enabled.stdout)["secret"]
    page = await browsing.new_page(CONSOLE_VIEWPORT)
    browsing.allow_error("401")  # the refused first try is logged by Chromium as a failed POST
    await page.goto(f"{server.base}/console/login?lang=en")
    await page.fill("input[name=email]", agent["email"])
    await page.fill("input[name=password]", agent["password"])
    await page.click("form[data-chat=login-form] button[type=submit]")
    await expect(page.locator(hook("login-error"))).to_contain_text("6-digit code")
    await page.fill("input[name=password]", agent["password"])
    await page.fill("input[name=otp]", pyotp.TOTP(secret).now())
    await page.click("form[data-chat=login-form] button[type=submit]")
    await expect(page.locator(hook("connection"))).to_have_attribute("data-state", "online")

    await page.locator(f"{hook('logout')} button").click()
    await expect(page).to_have_url(re.compile(r"/console/login"))
    await page.goto(f"{server.base}/console/")  # the cookie, if kept, is worth nothing now
    await expect(page).to_have_url(re.compile(r"/console/login"))


async def test_an_open_console_goes_to_the_login_page_when_its_account_is_deactivated(
    server: Server, browsing: Browsing
) -> None:
    agent = server.create_agent()
    browsing.allow_error("401")
    page = await log_in(browsing, server.base, agent)
    await asyncio.to_thread(server.cli, "agents", "deactivate", agent["email"])
    await expect(page).to_have_url(re.compile(r"/console/login"), timeout=10_000)


async def test_the_login_form_in_both_languages_on_desktop_and_phone(
    server: Server, browsing: Browsing
) -> None:
    await asyncio.to_thread(SHOTS.mkdir, parents=True, exist_ok=True)
    labels = {"en": "One-time code", "tr": "Tek kullanımlık kod"}
    for lang, label in labels.items():
        for name, viewport in (("desktop", CONSOLE_VIEWPORT), ("phone", PHONE)):
            page = await browsing.new_page(viewport)
            await page.goto(f"{server.base}/console/login?lang={lang}")
            field = page.locator("input[name=otp]")
            await expect(field).to_be_visible()
            await expect(page.locator("label", has=field)).to_contain_text(label)
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (lang, name, width)
            await page.screenshot(path=str(SHOTS / f"login-{lang}-{name}.png"))


async def test_a_conversation_link_from_an_email_opens_that_conversation_after_the_login(
    server: Server, browsing: Browsing
) -> None:
    agent = server.create_agent()
    site_key = server.create_site("Linked")["key"]
    shopper = await Visitor.connect(server.ws_base, site_key)
    try:
        ack = await shopper.say("Kargom hala gelmedi")
        conversation_id = ack["message"]["conversation_id"]
        page = await browsing.new_page(CONSOLE_VIEWPORT)
        await page.goto(f"{server.base}/console/#/conversations/{conversation_id}")
        await expect(page).to_have_url(re.compile(r"/console/login"))
        await page.fill("input[name=email]", agent["email"])
        await page.fill("input[name=password]", agent["password"])
        await page.click("form[data-chat=login-form] button[type=submit]")
        await expect(page).to_have_url(re.compile(rf"#/conversations/{conversation_id}$"))
        await expect(page.locator(hook("thread"))).to_contain_text("Kargom hala gelmedi")
    finally:
        await shopper.close()
