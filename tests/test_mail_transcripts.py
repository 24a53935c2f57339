"""E-mail out, continued: missed conversations, an SMTP outage, transcripts, no SMTP at all,
and STARTTLS / SMTPS to a server with a self-signed certificate."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from clients import Agent
from conftest import Server, make_server
from support.mail_sink import MailSink, text_part
from support.servers import chat_server_command
from test_mail_out import mail_env, mails_to, shop_with_notices, visitor_with, wait_mails


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


@pytest.mark.backends
async def test_a_missed_conversation_is_mailed_to_the_shop(
    mail_server: Server, sink: MailSink
) -> None:
    shop = shop_with_notices(mail_server, "Missed shop", "--locale", "en")
    account = mail_server.create_agent("agent", "Busy", sites=(shop["key"],))
    agent = await Agent.connect(mail_server.ws_base, account["token"])
    await asyncio.sleep(1.0)  # an agent is online: no offline notice
    visitor = await visitor_with(mail_server, shop["key"], name="Ece")
    await visitor.say("Do you ship to Izmir?")
    await visitor.close()  # gone unanswered: the first wait ends after 3 s
    [mail] = await wait_mails(sink, shop["owner"], 1, timeout=25)
    assert mail["Subject"] == "Missed shop: missed conversation"
    assert "Do you ship to Izmir?" in text_part(mail) and "Ece" in text_part(mail)
    await agent.close()


async def test_an_offline_notice_is_not_mailed_again_as_missed(
    mail_server: Server, sink: MailSink
) -> None:
    shop = shop_with_notices(mail_server, "Night shop")
    visitor = await visitor_with(mail_server, shop["key"])
    await visitor.say("Gece mesajı")
    [notice] = await wait_mails(sink, shop["owner"], 1)
    assert "] Ziyaretçi:\r\nGece mesajı" in text_part(notice)  # an anonymous shopper, not "Siz"
    await visitor.close()  # the wait ends unanswered: missed, but mailed already
    await asyncio.sleep(10)
    assert len(mails_to(sink, shop["owner"])) == 1


@pytest.mark.backends
async def test_a_transcript_on_request_and_at_most_three_a_day(
    mail_server: Server, sink: MailSink
) -> None:
    shop = shop_with_notices(mail_server, "Transcript shop")
    visitor = await visitor_with(mail_server, shop["key"], "en")
    ack = await visitor.say("What sizes do you have?")
    address = f"buyer-{uuid.uuid4().hex[:6]}@example.com"
    await visitor.send({"type": "transcript.request", "email": address})
    queued = await visitor.expect("transcript.queued")
    assert queued == {
        "type": "transcript.queued",
        "conversation_id": ack["message"]["conversation_id"],
        "email": address,
    }
    [mail] = await wait_mails(sink, address, 1)
    assert mail["Subject"] == "Transcript shop: your chat transcript"
    assert "What sizes do you have?" in text_part(mail)
    # The address given became the visitor's: agents see it.
    account = mail_server.create_agent("admin")
    status, body = mail_server.api("GET", f"/api/v1/visitors/{visitor.id}", account["token"])
    assert status == 200 and body["email"] == address
    await visitor.send({"type": "transcript.request"})
    await visitor.expect("transcript.queued")
    await visitor.send({"type": "transcript.request"})
    await visitor.expect("transcript.queued")
    await visitor.send({"type": "transcript.request"})
    error = await visitor.expect("error")
    assert error["code"] == "rate_limited"
    assert len(await wait_mails(sink, address, 3)) == 3
    await visitor.close()


async def test_a_mail_waits_out_an_smtp_outage(tmp_path: Path) -> None:
    sink = MailSink()
    sink.start()
    server = make_server(tmp_path / "outage", **mail_env(sink))
    server.start()
    try:
        shop = shop_with_notices(server, "Outage shop")
        sink.stop()  # the SMTP server goes away
        visitor = await visitor_with(server, shop["key"])
        await visitor.say("Anyone?")
        await asyncio.sleep(4)  # the notice is due after 1 s and fails meanwhile
        assert sink.count() == 0
        sink.start()  # back on the same port
        [mail] = await wait_mails(sink, shop["owner"], 1, timeout=20)
        assert "Anyone?" in text_part(mail)
        await visitor.close()
    finally:
        server.stop()
        sink.stop()


async def test_without_smtp_nothing_is_promised_nor_sent(server: Server) -> None:
    shop = server.create_site("Quiet shop")
    visitor = await visitor_with(server, shop["key"], email="someone@example.com")
    assert visitor.welcome["email"] is False
    await visitor.say("Hello")
    await visitor.send({"type": "transcript.request"})
    error = await visitor.expect("error")
    assert error["code"] == "mail_disabled"
    await visitor.close()


def self_signed(folder: Path) -> ssl.SSLContext:
    folder.mkdir(parents=True, exist_ok=True)
    key, cert = folder / "key.pem", folder / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.mark.parametrize("implicit", [False, True], ids=["starttls", "smtps"])
async def test_mail_goes_over_tls(tmp_path: Path, implicit: bool) -> None:
    sink = MailSink(tls_context=self_signed(tmp_path / "tls"), implicit_tls=implicit)
    sink.start()
    server = make_server(tmp_path / "tls-server", **mail_env(sink))
    server.start()
    try:
        shop = shop_with_notices(server, "TLS shop")
        visitor = await visitor_with(server, shop["key"])
        await visitor.say("Over TLS")
        [mail] = await wait_mails(sink, shop["owner"], 1)
        assert "Over TLS" in text_part(mail)
        await visitor.close()
    finally:
        server.stop()
        sink.stop()


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CHAT_SMTP_URL", "ftp://mail.example"),
        ("CHAT_SMTP_URL", "smtp://mail.example:99999"),
        ("CHAT_SMTP_URL", "smtps://mail.example?starttls=true"),
        ("CHAT_SMTP_URL", "smtp://mail.example?starttls=maybe"),
        ("CHAT_INBOUND_SMTP", "no-port"),
        ("CHAT_INBOUND_DOMAIN", "not a domain"),
        ("CHAT_MAIL_FROM", "nobody"),
    ],
)
def test_a_bad_mail_setting_stops_the_server_with_one_line_naming_it(
    tmp_path: Path, variable: str, value: str
) -> None:
    server = make_server(tmp_path, **{"CHAT_INBOUND_DOMAIN": "reply.shop.test", variable: value})
    result = subprocess.run(
        chat_server_command("run", "--port", "1"),
        env=server.env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
