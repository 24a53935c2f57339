"""The webhooks page of the admin console in a real browser, against a real receiver.

An admin creates a webhook through the form and sees its signing secret once; a shopper
(a real WebSocket client) starts a conversation and the deliveries show as delivered.
The receiver then answers 500: the new deliveries show as failing with that answer and
the next try; once it recovers, "Retry now" makes them delivered (retries are a minute
apart here, so only the button can do it in time). Managers see the same page read-only.
A private receiver address is refused next to the field, in Turkish. Every screen is
checked for WCAG AA text contrast and captured in English, Turkish and on a phone into
docs/screenshots/ (webhooks-*.png).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser.browser_support import Browsing, screenshot
from browser.test_admin_screens import chat, console_login, expect_refusals, open_section
from clients import Visitor
from conftest import Server, free_port, make_server
from playwright.async_api import Page, ViewportSize, expect
from test_webhook_outbox_api import SLOW_RETRIES
from webhook_receiver import Receiver

PHONE: ViewportSize = {"width": 390, "height": 844}

# Every visible text's colour against the first opaque background behind it (WCAG 2.1).
LOW_CONTRAST = """
(root) => {
  const parse = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = (rgb) => {
    const [r, g, b] = rgb.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) return c;
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest('[hidden], [disabled]')) continue;
    const [a, b] = [lum(parse(style.color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    if (ratio < (large ? 3 : 4.5)) bad.push(el.textContent.trim().slice(0, 40) + ' ' + ratio.toFixed(2));
  }
  return bad;
}
"""


@pytest.fixture(scope="module")
def hooks_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Receivers on loopback are allowed; a failed delivery waits a minute for its retry."""
    running = make_server(tmp_path_factory.mktemp("webhooks-page"), **SLOW_RETRIES)
    running.start()
    yield running
    running.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver(free_port())
    running.start()
    yield running
    running.stop()


async def assert_contrast(page: Page, selector: str) -> None:
    low: list[str] = await page.locator(selector).first.evaluate(LOW_CONTRAST)
    assert low == [], f"text below WCAG AA contrast: {low}"


async def create_webhook(page: Page, url: str, site_name: str) -> None:
    await page.locator(chat("webhook-new")).click()
    sheet = page.locator(chat("admin-sheet"))
    await sheet.locator("input[name=url]").fill(url)
    await sheet.locator("select[name=site_id]").select_option(label=site_name)
    await sheet.locator(chat("admin-save")).click()


def deliveries(page: Page, status: str | None = None) -> Any:
    rows = page.locator(chat("webhook-delivery"))
    return rows if status is None else rows.and_(page.locator(f'[data-status="{status}"]'))


async def test_an_admin_creates_a_webhook_sees_deliveries_and_retries_a_failed_one(
    hooks_server: Server, browsing: Browsing, receiver: Receiver
) -> None:
    site = hooks_server.create_site("Nordic Clay")
    admin = hooks_server.create_agent("admin", "Ada Admin")
    page = await console_login(browsing, hooks_server, admin, "en")
    await open_section(page, hooks_server, "webhooks", "en")
    await expect(page.locator(chat("webhook-list"))).to_contain_text("No webhooks yet.")

    await create_webhook(page, receiver.url, "Nordic Clay")
    created = page.locator(chat("webhook-created"))
    await expect(created).to_contain_text("You will not see it again")
    secret = await created.locator(chat("webhook-secret")).input_value()
    assert secret.startswith("whsec_")
    await created.locator(chat("webhook-copy-secret")).click()
    await expect(page.locator(chat("admin-toast"))).to_contain_text("Copied")
    await assert_contrast(page, chat("admin-sheet"))
    await screenshot(page, "webhooks-secret-en.png")
    await created.locator(chat("webhook-secret-done")).click()
    await expect(created).to_have_count(0)

    row = page.locator(chat("webhook-row"))
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text(receiver.url)
    await expect(row).to_contain_text("A conversation starts")
    await expect(row.locator(chat("webhook-last"))).to_contain_text("No delivery yet")
    await row.locator(chat("webhook-show-deliveries")).click()
    panel = page.locator(chat("webhook-deliveries"))
    await expect(panel).to_contain_text("Nothing has been sent to this webhook yet.")

    # Nobody is online: the first message also counts as an offline message.
    shopper = await Visitor.connect(hooks_server.ws_base, site["key"])
    await shopper.say("Is the blue vase in stock?")
    await expect(deliveries(page, "delivered")).to_have_count(3)
    await expect(deliveries(page).first).to_contain_text("Delivered · HTTP 200")
    await expect(row.locator(chat("webhook-last"))).to_contain_text("Delivered")
    payload = receiver.received()[0].verify(secret)  # the secret the page showed signs them
    assert payload["type"] in {"conversation.created", "message.created", "offline_message.created"}

    receiver.status = 500
    await shopper.say("And the green one?")
    failing = deliveries(page, "failing")
    await expect(failing).to_have_count(2)
    await expect(failing.first).to_contain_text("Failing · HTTP 500")
    await expect(failing.first).to_contain_text("1 attempt")
    await expect(failing.first).to_contain_text("Next try")
    await expect(row.locator(chat("webhook-last"))).to_contain_text("Failing")
    await assert_contrast(page, chat("admin-webhooks"))
    await screenshot(page, "webhooks-deliveries-en.png")

    receiver.status = 200
    for left in (1, 0):
        await failing.first.locator(chat("webhook-retry")).click()
        await expect(page.locator(chat("admin-toast"))).to_contain_text("Sent again")
        await expect(failing).to_have_count(left)
    await expect(deliveries(page, "delivered")).to_have_count(5)
    await expect(deliveries(page).first).to_contain_text("2 attempts")
    await expect(deliveries(page).first.locator(chat("webhook-retry"))).to_have_count(0)
    await shopper.close()

    # Deleting asks twice and takes the webhook (and its panel) away.
    await row.locator(chat("webhook-delete")).click()
    await row.locator(chat("webhook-delete")).click()
    await expect(page.locator(chat("webhook-list"))).to_contain_text("No webhooks yet.")
    await expect(panel).to_be_hidden()


async def test_a_manager_reads_deliveries_in_turkish_and_on_a_phone(
    hooks_server: Server, browsing: Browsing, receiver: Receiver
) -> None:
    site = hooks_server.create_site("Kervan Seramik")
    admin = hooks_server.create_agent("admin")
    status, webhook = hooks_server.api(
        "POST",
        "/api/v1/webhooks",
        admin["token"],
        {"url": receiver.url, "events": ["conversation.created"], "site_id": site["id"]},
    )
    assert status == 201, webhook
    receiver.status = 503
    shopper = await Visitor.connect(hooks_server.ws_base, site["key"])
    await shopper.say("Merhaba, kargom nerede?")
    receiver.wait_for(lambda got: len(got) >= 1)
    await shopper.close()

    manager = hooks_server.create_agent("manager", "Mehmet Müdür", sites=(site["key"],))
    for viewport, shot in ((None, "webhooks-deliveries-tr.png"), (PHONE, "webhooks-phone-tr.png")):
        page = await console_login(browsing, hooks_server, manager, "tr", viewport)
        await open_section(page, hooks_server, "webhooks", "tr")
        section = page.locator(chat("admin-webhooks"))
        await expect(section.locator(chat("webhook-read-only"))).to_contain_text(
            "yalnızca yöneticilere"
        )
        await expect(section.locator(chat("webhook-new"))).to_have_count(0)
        row = section.locator(chat("webhook-row"))
        await expect(row).to_have_count(1)
        await expect(row.locator(chat("webhook-delete"))).to_have_count(0)
        await expect(row).to_contain_text("Bir sohbet başladığında")
        await expect(row.locator(chat("webhook-last"))).to_contain_text("Başarısız · HTTP 503")
        await row.locator(chat("webhook-show-deliveries")).click()
        failing = deliveries(page, "failing")
        await expect(failing).to_have_count(1)
        await expect(failing).to_contain_text("Başarısız · HTTP 503")
        await expect(failing).to_contain_text("Sonraki deneme")
        await expect(failing.locator(chat("webhook-retry"))).to_have_count(0)
        await expect(page.locator(chat("webhook-updated"))).to_contain_text("itibarıyla güncel")
        await assert_contrast(page, chat("admin-webhooks"))
        if viewport is PHONE:
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], "the page scrolls sideways on a phone"
            await failing.scroll_into_view_if_needed()
        await screenshot(page, shot)


async def test_a_private_receiver_is_refused_next_to_its_field_in_turkish(
    server: Server, browsing: Browsing
) -> None:
    expect_refusals(browsing)
    server.create_site("Yerel Dükkan")
    admin = server.create_agent("admin", "Ayşe Yönetici")
    page = await console_login(browsing, server, admin, "tr")
    await open_section(page, server, "webhooks", "tr")
    await create_webhook(page, "http://127.0.0.1:8080/hook", "Yerel Dükkan")
    sheet = page.locator(chat("admin-sheet"))
    error = sheet.locator('[data-error-for="url"]')
    await expect(error).to_contain_text("özel ya da yerel bir ağda")
    await expect(sheet.locator("input[name=url]")).to_have_value("http://127.0.0.1:8080/hook")
    await expect(sheet.locator("input[name=url]")).to_have_attribute("aria-invalid", "true")
    await assert_contrast(page, chat("admin-sheet"))
    await screenshot(page, "webhooks-error-tr.png")

    # No event chosen: said next to the events, the URL kept.
    await sheet.locator("input[name=url]").fill("https://hooks.example.com/chat")
    for box in await sheet.locator("input[name=events]").all():
        await box.uncheck()
    await sheet.locator(chat("admin-save")).click()
    await expect(sheet.locator('[data-error-for="events"]')).to_contain_text("En az bir olay seçin")
    await expect(sheet.locator('[data-error-for="url"]')).to_be_hidden()
