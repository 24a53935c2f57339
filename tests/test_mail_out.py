"""E-mail out (CONTRACT §10, §14 "E-mail") against a real SMTP sink on loopback.

The server sends through ``aiosmtplib`` to an ``aiosmtpd`` server that keeps every
mail; the delays are shortened (notice 1 s, throttle 4 s, unseen reply 2 s).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
import websockets
from clients import PAGE, Agent, Visitor
from conftest import Server, make_server
from support.mail_sink import MailSink, html_part, text_part

PUBLIC_URL = "http://console.shop.test"
INBOUND_DOMAIN = "reply.shop.test"
MAIL_TIMINGS = {
    "CHAT_MAIL_SHOP_DELAY_SECONDS": "1",
    "CHAT_MAIL_SHOP_THROTTLE_SECONDS": "4",
    "CHAT_MAIL_UNSEEN_REPLY_SECONDS": "2",
    "CHAT_MAIL_MISSED_SWEEP_SECONDS": "0.5",
    "CHAT_OUTBOX_POLL_SECONDS": "0.2",
    "CHAT_OUTBOX_BACKOFF_SECONDS": "0.5",
    "CHAT_OUTBOX_BACKOFF_CAP_SECONDS": "1",
}


def mail_env(sink: MailSink) -> dict[str, str]:
    return {
        "CHAT_SMTP_URL": sink.url,
        "CHAT_MAIL_FROM": "Chat <chat@shop.test>",
        "CHAT_PUBLIC_URL": PUBLIC_URL,
        "CHAT_INBOUND_DOMAIN": INBOUND_DOMAIN,
        **MAIL_TIMINGS,
    }


@pytest.fixture(scope="module")
def sink() -> Iterator[MailSink]:
    running = MailSink()
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def mail_server(tmp_path_factory: pytest.TempPathFactory, sink: MailSink) -> Iterator[Server]:
    running = make_server(tmp_path_factory.mktemp("mail"), **mail_env(sink))
    running.start()
    yield running
    running.stop()


def shop_with_notices(server: Server, name: str, *extra: str) -> dict[str, Any]:
    shop = server.create_site(name)
    owner = f"owner-{uuid.uuid4().hex[:6]}@shop.test"
    server.cli("sites", "update", shop["key"], "--notify-email", owner, *extra)
    shop["owner"] = owner
    return shop


def mails_to(sink: MailSink, address: str) -> list[EmailMessage]:
    with sink.lock:
        return [mail for mail in sink.messages if address in str(mail["To"])]


async def wait_mails(
    sink: MailSink, address: str, count: int, timeout: float = 20
) -> list[EmailMessage]:
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = mails_to(sink, address)
        if len(found) >= count:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{len(mails_to(sink, address))} mails to {address}, not {count}")


async def visitor_with(
    server: Server, key: str, locale: str | None = None, **contact: str
) -> Visitor:
    """A shopper whose hello may carry the widget's language, identified if ``contact``."""
    connection = await websockets.connect(f"{server.ws_base}/ws/visitor?site={key}", max_size=None)
    visitor = Visitor(connection)
    hello: dict[str, Any] = {"type": "hello", "visitor_token": None, "page": PAGE, "last_seq": 0}
    if locale:
        hello["locale"] = locale
    await visitor.send(hello)
    visitor.welcome = await visitor.expect("welcome", timeout=15)
    if contact:
        await visitor.send({"type": "identify", **contact})
        await visitor.expect("identified")
    return visitor


@pytest.mark.backends
async def test_offline_message_reaches_the_shop_once_then_throttled(
    mail_server: Server, sink: MailSink
) -> None:
    shop = shop_with_notices(mail_server, "Kahve Dükkanı")
    visitor = await visitor_with(
        mail_server, shop["key"], name="Deniz Kaya", email="deniz@example.com"
    )
    assert visitor.welcome["email"] is True
    ack = await visitor.say("Merhaba, siparişim nerede?")
    conversation_id = ack["message"]["conversation_id"]

    [first] = await wait_mails(sink, shop["owner"], 1)
    assert first["Subject"].startswith("Kahve Dükkanı")
    assert first.get_content_type() == "multipart/alternative"
    text = text_part(first)
    assert "Merhaba, siparişim nerede?" in text
    assert "Deniz Kaya" in text and "deniz@example.com" in text
    assert "] Deniz Kaya:" in text and "] Siz:" not in text  # the shop reads who wrote, not "You"
    link = f"{PUBLIC_URL}/console/#/conversations/{conversation_id}"
    assert link in text and link in html_part(first)
    assert first["Message-ID"] and first["References"]

    # Two more within the 4 s throttle: one more mail at most, carrying both.
    await visitor.say("Kargo takip numarası var mı?")
    await visitor.say("Bir de fatura lazım.")
    await asyncio.sleep(2)
    assert len(mails_to(sink, shop["owner"])) == 1
    _, second = await wait_mails(sink, shop["owner"], 2, timeout=15)
    later = text_part(second)
    assert "Kargo takip numarası var mı?" in later and "Bir de fatura lazım." in later
    assert "siparişim nerede" not in later  # only what was not e-mailed yet
    assert second["References"].split()[0] == first["References"].split()[0]
    await asyncio.sleep(5)
    assert len(mails_to(sink, shop["owner"])) == 2
    await visitor.close()


async def test_a_message_while_an_agent_is_online_is_not_mailed(
    mail_server: Server, sink: MailSink
) -> None:
    shop = shop_with_notices(mail_server, "Staffed shop")
    account = mail_server.create_agent("agent", "Ayşe", sites=(shop["key"],))
    agent = await Agent.connect(mail_server.ws_base, account["token"])
    await asyncio.sleep(1.0)  # the outbox reads presence every poll
    visitor = await visitor_with(mail_server, shop["key"])
    await visitor.say("Someone there?")
    await asyncio.sleep(3)
    assert mails_to(sink, shop["owner"]) == []
    await visitor.close()
    await agent.close()


async def reply_unseen(
    server: Server, sink: MailSink, locale: str, shop_locale: str
) -> tuple[list[EmailMessage], str, dict[str, Any]]:
    shop = shop_with_notices(server, f"Shop {locale}", "--locale", shop_locale)
    account = server.create_agent("agent", "Ayşe Yılmaz", sites=(shop["key"],))
    address = f"shopper-{uuid.uuid4().hex[:6]}@example.com"
    visitor = await visitor_with(server, shop["key"], locale, name="Deniz", email=address)
    ack = await visitor.say("Is the blue one in stock?")
    conversation_id = ack["message"]["conversation_id"]
    await visitor.close()  # the shopper leaves before the answer
    agent = await Agent.connect(server.ws_base, account["token"])
    await agent.say(conversation_id, "Yes, we have two left.")
    await agent.say(conversation_id, "Shall I keep one for you?")
    mails = await wait_mails(sink, address, 1)
    await agent.close()
    return mails, conversation_id, shop


async def test_an_unseen_reply_is_mailed_in_english_for_an_english_widget(
    mail_server: Server, sink: MailSink
) -> None:
    [mail], conversation_id, _ = await reply_unseen(mail_server, sink, "en", "tr")
    assert mail["Subject"].endswith("you have a reply")
    text = text_part(mail)
    assert "Yes, we have two left." in text and "Shall I keep one for you?" in text
    assert "Reply to this e-mail" in text
    assert "Reply to this e-mail" in html_part(mail)
    reply_to = str(mail["Reply-To"])
    assert reply_to.startswith("reply+") and reply_to.endswith(f"@{INBOUND_DOMAIN}")
    assert conversation_id in mail["Message-ID"]


@pytest.mark.backends
async def test_an_unseen_reply_is_mailed_in_turkish_and_keeps_one_thread(
    mail_server: Server, sink: MailSink
) -> None:
    [mail], conversation_id, shop = await reply_unseen(mail_server, sink, "tr", "en")
    assert "yanıt" in mail["Subject"]
    assert "Bu e-postayı yanıtlayarak" in text_part(mail)
    # A later reply, again unseen: a second mail in the same thread.
    account = mail_server.create_agent("agent", "Can", sites=(shop["key"],))
    agent = await Agent.connect(mail_server.ws_base, account["token"])
    await agent.say(conversation_id, "Kargoya verdik.")
    address = str(mail["To"])
    first, second = await wait_mails(sink, address, 2)
    assert "Kargoya verdik." in text_part(second)
    assert "Yes, we have two left." not in text_part(second)
    assert second["In-Reply-To"] == first["Message-ID"]
    assert first["Message-ID"] in second["References"].split()
    assert second["References"].split()[0] == first["References"].split()[0]
    assert second["Reply-To"] == first["Reply-To"]
    await agent.close()


async def test_a_reply_the_shopper_sees_is_not_mailed(mail_server: Server, sink: MailSink) -> None:
    shop = shop_with_notices(mail_server, "Seen shop")
    account = mail_server.create_agent("agent", "Ayşe", sites=(shop["key"],))
    address = f"watcher-{uuid.uuid4().hex[:6]}@example.com"
    visitor = await visitor_with(mail_server, shop["key"], "en", email=address)
    ack = await visitor.say("Hello?")
    agent = await Agent.connect(mail_server.ws_base, account["token"])
    await agent.say(ack["message"]["conversation_id"], "Hi! How can I help?")
    await visitor.expect("message.created")
    await asyncio.sleep(4)  # past the 2 s with the socket open
    assert mails_to(sink, address) == []
    await visitor.close()
    await agent.close()
