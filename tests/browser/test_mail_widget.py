"""The widget with e-mail configured: the offline form promises an e-mail reply and asks for
the address, and a resolved conversation offers its transcript by e-mail (TR and EN, phone
too). The shop's SMTP server is a real ``aiosmtpd`` sink; the agent is a socket script."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from browser.browser_support import Browsing, Storefront, hook, open_widget, screenshot
from clients import Agent
from conftest import Server, make_server
from playwright.async_api import Page, expect
from support.mail_sink import MailSink, text_part
from test_mail_out import mail_env, wait_mails

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def sink() -> Iterator[MailSink]:
    running = MailSink()
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sink: MailSink) -> Iterator[Server]:
    """This module's server e-mails (the storefront fixture embeds its widget)."""
    running = make_server(tmp_path_factory.mktemp("mail-widget"), **mail_env(sink))
    running.start()
    yield running
    running.stop()


def shop(server: Server, storefront: Storefront, locale: str) -> dict[str, Any]:
    site = server.create_site(f"Nordic Clay {locale}", origins=(storefront.origin,))
    server.cli("sites", "update", site["key"], "--locale", locale)
    return site


@pytest.mark.parametrize("locale", ["en", "tr"])
async def test_the_offline_form_promises_an_email_reply(
    server: Server, storefront: Storefront, browsing: Browsing, locale: str
) -> None:
    site = shop(server, storefront, locale)
    shopper = await browsing.new_page()
    await open_widget(shopper, storefront.open_shop(site))
    await speak(shopper, locale)
    form = shopper.locator(hook("offline-form"))
    await expect(form).to_be_visible()
    promise = {"en": "we will reply by e-mail", "tr": "size e-posta ile dönelim"}[locale]
    await expect(form).to_contain_text(promise)
    await expect(form.locator("input[name=email]")).to_have_attribute("required", "")
    await screenshot(shopper, f"widget-offline-email-{locale}.png")


async def speak(page: Page, locale: str) -> None:
    """The storefront's pages say lang="en": a Turkish shopper switches the widget."""
    if locale == "tr":
        await page.locator(hook("lang")).click()
        await expect(page.locator(hook("lang"))).to_have_text("EN")


async def resolved_chat(
    server: Server, storefront: Storefront, page: Page, locale: str
) -> tuple[Agent, str]:
    site = shop(server, storefront, locale)
    account = server.create_agent("agent", "Elif Kaya", sites=(site["key"],))
    agent = await Agent.connect(server.ws_base, account["token"])
    await asyncio.sleep(0.5)
    await open_widget(page, storefront.open_shop(site))
    await speak(page, locale)
    text = {"en": "Is the sage throw washable?", "tr": "Keten örtü yıkanabilir mi?"}[locale]
    await page.locator(hook("input")).fill(text)
    await page.locator(hook("send")).click()
    while True:
        frame = await agent.expect("message.created", timeout=15)
        if frame["message"]["text"] == text:
            conversation_id = str(frame["message"]["conversation_id"])
            break
    answer = {"en": "Yes, at 30 °C.", "tr": "Evet, 30 derecede."}[locale]
    await agent.say(conversation_id, answer)
    await agent.send({"type": "conversation.resolve", "conversation_id": conversation_id})
    return agent, answer


@pytest.mark.parametrize(
    ("locale", "phone"), [("en", False), ("tr", False), ("tr", True)], ids=["en", "tr", "tr-phone"]
)
async def test_a_resolved_chat_offers_its_transcript_by_email(
    server: Server,
    storefront: Storefront,
    browsing: Browsing,
    sink: MailSink,
    locale: str,
    phone: bool,
) -> None:
    page = await browsing.new_page(PHONE if phone else None)  # type: ignore[arg-type]
    agent, answer = await resolved_chat(server, storefront, page, locale)
    form = page.locator(hook("transcript"))
    await expect(form).to_be_visible()
    button = {"en": "Email me the transcript", "tr": "Sohbet dökümünü e-posta ile gönder"}[locale]
    address = f"shopper-{uuid.uuid4().hex[:6]}@example.com"
    await form.locator("input[name=email]").fill(address)
    suffix = "-phone" if phone else ""
    await screenshot(page, f"widget-transcript-{locale}{suffix}.png")
    await form.get_by_role("button", name=button).click()
    note = page.locator(hook("transcript-queued"))
    await expect(note).to_contain_text(address)
    await expect(form).to_be_hidden()
    await screenshot(page, f"widget-transcript-sent-{locale}{suffix}.png")
    [mail] = await wait_mails(sink, address, 1)
    assert answer in text_part(mail)
    await agent.close()
