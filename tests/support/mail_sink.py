"""A real SMTP server for tests: ``aiosmtpd`` on a free loopback port, keeping every mail.

It runs on its own thread (aiosmtpd's ``Controller``), so sync and async tests alike
can wait for mail with :meth:`MailSink.wait_for`. :meth:`stop` and :meth:`start` take
it down and bring it back on the same port (an SMTP outage); ``tls_context`` makes it
offer STARTTLS (with ``implicit_tls``, speak TLS from the first byte, as SMTPS).
"""

from __future__ import annotations

import email
import email.policy
import ssl
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from support.servers import free_port


class _Keeper:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        assert isinstance(raw, bytes)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.sink.lock:
            self.sink.messages.append(message)
            self.sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"


class MailSink:
    def __init__(
        self, tls_context: ssl.SSLContext | None = None, implicit_tls: bool = False
    ) -> None:
        self.port = free_port()
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.lock = threading.Lock()
        self.tls_context = tls_context
        self.implicit_tls = implicit_tls
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        if self.implicit_tls:
            return f"smtps://127.0.0.1:{self.port}?verify=false"
        if self.tls_context is not None:
            return f"smtp://127.0.0.1:{self.port}?starttls=true&verify=false"
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        options: dict[str, Any] = {}
        if self.implicit_tls:
            options["ssl_context"] = self.tls_context
        elif self.tls_context is not None:
            options["tls_context"] = self.tls_context
        self.controller = Controller(_Keeper(self), hostname="127.0.0.1", port=self.port, **options)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        """The first ``count`` mails once they have arrived (AssertionError after ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self.lock:
            raise AssertionError(f"{len(self.messages)} mails arrived, not {count}")

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())
