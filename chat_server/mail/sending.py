"""Sending a letter with ``aiosmtplib``: plain SMTP, SMTPS or STARTTLS per ``CHAT_SMTP_URL``.

A refusal the server means for good (a 5xx answer, every recipient refused) is
:class:`Undeliverable`; anything else (the server down, a timeout, a 4xx) raises as
it is, so the outbox tries again later.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from chat_server.config.mail_settings import SmtpServer
from chat_server.mail.letters import Letter


class Undeliverable(Exception):
    """The SMTP server refused the letter for good; sending it again cannot help."""


def to_email(letter: Letter, mail_from: str) -> EmailMessage:
    """``multipart/alternative``: the plain text first, the HTML as the preferred part."""
    message = EmailMessage()
    message["From"] = mail_from
    message["To"] = ", ".join(letter.to)
    message["Subject"] = letter.subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = letter.message_id or make_msgid()
    if letter.in_reply_to:
        message["In-Reply-To"] = letter.in_reply_to
    if letter.references:
        message["References"] = " ".join(letter.references)
    if letter.reply_to:
        message["Reply-To"] = letter.reply_to
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(letter.text)
    message.add_alternative(letter.html, subtype="html")
    return message


def _tls_context(server: SmtpServer) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not server.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


async def send_letter(server: SmtpServer, mail_from: str, letter: Letter) -> None:
    message = to_email(letter, mail_from)
    try:
        await aiosmtplib.send(
            message,
            hostname=server.host,
            port=server.port,
            username=server.username,
            password=server.password,
            use_tls=server.use_tls,
            start_tls=server.start_tls if server.start_tls else False,
            tls_context=_tls_context(server) if server.use_tls or server.start_tls else None,
            timeout=server.timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as exc:
        if all(error.code >= 500 for error in exc.recipients):
            raise Undeliverable(f"every recipient refused: {exc.recipients[0].message}") from exc
        raise
    except aiosmtplib.SMTPResponseException as exc:
        if exc.code >= 500 and not isinstance(exc, aiosmtplib.SMTPAuthenticationError):
            raise Undeliverable(f"{exc.code} {exc.message}") from exc
        raise
