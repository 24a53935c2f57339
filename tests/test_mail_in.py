"""Replies by e-mail (CONTRACT §10 "Replies by e-mail"): a real SMTP client (``aiosmtplib``)
talks to the server's ``aiosmtpd`` listener on ``CHAT_INBOUND_SMTP``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import aiosmtplib
import pytest
from clients import Agent
from conftest import Server, make_server
from support.mail_sink import MailSink
from support.servers import free_port
from test_mail_out import INBOUND_DOMAIN, mail_env, shop_with_notices, visitor_with, wait_mails


@pytest.fixture(scope="module")
def sink() -> Iterator[MailSink]:
    running = MailSink()
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def inbound_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def mail_server(
    tmp_path_factory: pytest.TempPathFactory, sink: MailSink, inbound_port: int
) -> Iterator[Server]:
    running = make_server(
        tmp_path_factory.mktemp("mail-in"),
        CHAT_INBOUND_SMTP=f"127.0.0.1:{inbound_port}",
        **mail_env(sink),
    )
    running.start()
    yield running
    running.stop()


def reply_mail(to: str, text: str, html: str | None = None) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = "Deniz <deniz@example.com>"
    mail["To"] = to
    mail["Subject"] = "Re: your reply"
    mail["Message-ID"] = make_msgid(domain="example.com")
    if html is None:
        mail.set_content(text)
    else:
        mail.set_content(html, subtype="html")
    return mail


async def send_to(port: int, mail: EmailMessage) -> None:
    await aiosmtplib.send(mail, hostname="127.0.0.1", port=port, timeout=15)


async def a_thread(server: Server, sink: MailSink) -> tuple[str, str, Agent]:
    """A conversation whose shopper got an agent's reply by e-mail: (its id, the
    Reply-To address, the agent's socket)."""
    shop = shop_with_notices(server, f"Reply shop {uuid.uuid4().hex[:4]}")
    account = server.create_agent("agent", "Ayşe", sites=(shop["key"],))
    address = f"shopper-{uuid.uuid4().hex[:6]}@example.com"
    visitor = await visitor_with(server, shop["key"], "en", email=address)
    ack = await visitor.say("Do you have it in red?")
    conversation_id = ack["message"]["conversation_id"]
    await visitor.close()
    agent = await Agent.connect(server.ws_base, account["token"])
    await agent.say(conversation_id, "Yes, in red and in blue.")
    [mail] = await wait_mails(sink, address, 1)
    return conversation_id, str(mail["Reply-To"]), agent


async def next_visitor_message(agent: Agent, conversation_id: str) -> dict[str, Any]:
    while True:
        frame = await agent.expect("message.created", timeout=10)
        message = frame["message"]
        if message["conversation_id"] == conversation_id and message["author"]["kind"] == "visitor":
            return message


@pytest.mark.backends
async def test_a_reply_by_email_reaches_the_agent_without_the_quote(
    mail_server: Server, sink: MailSink, inbound_port: int
) -> None:
    conversation_id, reply_to, agent = await a_thread(mail_server, sink)
    assert reply_to.startswith("reply+") and reply_to.endswith(f"@{INBOUND_DOMAIN}")
    text = (
        "Great, I'll take the red one.\n\n"
        "On Sun, 6 Dec 2026 at 10:00, Reply shop <chat@shop.test> wrote:\n"
        "> Yes, in red and in blue.\n"
    )
    mail = reply_mail(reply_to, text)
    await send_to(inbound_port, mail)
    message = await next_visitor_message(agent, conversation_id)
    assert message["text"] == "Great, I'll take the red one."
    assert message["author"]["kind"] == "visitor"
    # The same mail delivered again is posted once.
    await send_to(inbound_port, mail)
    later = [
        frame
        for frame in await agent.drain(1.0)
        if frame["type"] == "message.created" and frame["message"]["author"]["kind"] == "visitor"
    ]
    assert later == []
    await agent.close()


async def test_a_turkish_html_reply_reopens_a_resolved_conversation(
    mail_server: Server, sink: MailSink, inbound_port: int
) -> None:
    conversation_id, reply_to, agent = await a_thread(mail_server, sink)
    await agent.send({"type": "conversation.resolve", "conversation_id": conversation_id})
    await agent.expect("conversation.updated", timeout=10)
    html = (
        "<div dir='ltr'>Te&#351;ekk&uuml;rler, <b>kırmızıyı</b> alıyorum.</div><br>"
        "<div class='gmail_quote'>6 Ara 2026 Paz 10:00 tarihinde Shop şunu yazdı:"
        "<blockquote>Yes, in red and in blue.</blockquote></div>"
    )
    await send_to(inbound_port, reply_mail(reply_to, "", html))
    message = await next_visitor_message(agent, conversation_id)
    assert message["text"] == "Teşekkürler, kırmızıyı alıyorum."
    account = mail_server.create_agent("admin")
    status, body = mail_server.api(
        "GET", f"/api/v1/conversations/{conversation_id}", account["token"]
    )
    assert status == 200
    conversation = body.get("conversation", body)
    assert conversation["status"] == "open"
    await agent.close()


async def test_an_unknown_token_or_domain_is_refused_at_rcpt(
    mail_server: Server, inbound_port: int
) -> None:
    for address in (f"reply+{'0' * 32}@{INBOUND_DOMAIN}", "someone@elsewhere.test"):
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await send_to(inbound_port, reply_mail(address, "hello"))
        assert refused.value.recipients[0].code == 550


async def test_a_second_process_cannot_bind_and_still_starts(
    mail_server: Server, inbound_port: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = make_server(
        tmp_path_factory.mktemp("other"),
        CHAT_INBOUND_SMTP=f"127.0.0.1:{inbound_port}",
        CHAT_INBOUND_DOMAIN=INBOUND_DOMAIN,
    )
    other.start()  # healthy although the port is taken
    other.stop()
    await asyncio.sleep(0)
