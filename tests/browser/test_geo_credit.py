"""The console credits DB-IP (CC BY 4.0) wherever it shows a visitor's location."""

from __future__ import annotations

from typing import Any

import pytest
from browser.browser_support import Browsing, hook, log_in, screenshot
from clients import Visitor
from conftest import Server
from playwright.async_api import expect


@pytest.fixture(scope="module")
def admin(server: Server) -> dict[str, Any]:
    return server.create_agent("admin", "Deniz Aksoy")


@pytest.mark.parametrize(
    ("lang", "credit", "ip", "city"),
    [
        ("en", "IP geolocation by DB-IP", "81.2.69.142", "London"),
        ("tr", "IP konum verisi: DB-IP", "89.160.20.112", "Linköping"),
    ],
)
async def test_the_location_panel_credits_db_ip_in_both_languages(
    server: Server,
    browsing: Browsing,
    admin: dict[str, Any],
    lang: str,
    credit: str,
    ip: str,
    city: str,
) -> None:
    shop = server.create_site(f"Ege Seramik {lang}")
    shopper = await Visitor.connect(server.ws_base, shop["key"], headers={"X-Forwarded-For": ip})
    try:
        console = await log_in(browsing, server.base, admin, lang=lang)
        row = console.locator(hook("visitor-row")).filter(has_text=city)
        await expect(row).to_have_count(1)
        await row.click()
        link = console.locator("a.vp-geo-credit")
        await expect(link).to_have_text(credit)
        await expect(link).to_have_attribute("href", "https://db-ip.com")
        await expect(link).to_have_attribute("rel", "noopener noreferrer")
        await screenshot(console, f"geo-credit-{lang}.png")
    finally:
        await shopper.close()
