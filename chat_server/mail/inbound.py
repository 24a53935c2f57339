"""The SMTP listener for replies (``CHAT_INBOUND_SMTP``): ``aiosmtpd`` on the running loop.

Accepts ``reply+<token>@CHAT_INBOUND_DOMAIN`` only, and refuses an unknown token or
domain at ``RCPT TO`` (550), so a relay bounces it to its sender at once. Each
accepted mail's new text (quotes and signatures cut) is posted to the token's
conversation as the visitor's message. One process binds one host:port; with
several workers the others log that the port is taken and leave the mail to it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from chat_server.mail.replies import parse_reply
from chat_server.mail.reply_command import post_email_reply
from chat_server.mail.threads import conversation_of_token, token_of_address
from chat_server.model.errors import DomainError
from chat_server.runtime.state import Runtime

log = logging.getLogger(__name__)
#: Replies are short; a mail this big is refused before it is read.
MAX_MAIL_BYTES = 5 * 1024 * 1024


class ReplyHandler:
    """aiosmtpd's handler hooks (``handle_RCPT``, ``handle_DATA``)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def _conversation_of(self, address: str) -> str | None:
        token = token_of_address(address, self.rt.settings.mail)
        if token is None:
            return None
        return await self.rt.db.read(lambda connection: conversation_of_token(connection, token))

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        try:
            conversation_id = await self._conversation_of(address)
        except Exception:
            log.warning("could not look up a reply address", exc_info=True)
            return "451 4.3.0 try again later"
        if conversation_id is None:
            return "550 5.1.1 no such recipient"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw or "").encode()
        reply = parse_reply(raw)
        if not reply.text:
            log.info("a reply e-mail had no new text; nothing posted")
            return "250 2.0.0 OK (no new text)"
        message_id = reply.message_id or hashlib.sha256(raw).hexdigest()
        try:
            for address in envelope.rcpt_tos:
                conversation_id = await self._conversation_of(address)
                if conversation_id is not None:
                    await post_email_reply(self.rt, conversation_id, message_id, reply.text[:5000])
        except DomainError as exc:
            return f"550 5.7.1 {exc.message}"
        except Exception:
            log.warning("could not post a reply e-mail", exc_info=True)
            return "451 4.3.0 try again later"
        return "250 2.0.0 OK"


class InboundListener:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.server: asyncio.Server | None = None

    async def start(self) -> bool:
        """Listen if this process can bind the address; False when another one has it."""
        listen = self.rt.settings.mail.inbound
        if listen is None:
            return False
        handler = ReplyHandler(self.rt)
        loop = asyncio.get_running_loop()

        def protocol() -> Any:
            return SMTP(
                handler,
                data_size_limit=MAX_MAIL_BYTES,
                enable_SMTPUTF8=True,
                hostname=self.rt.settings.mail.inbound_domain,
                loop=loop,
            )

        try:
            self.server = await loop.create_server(protocol, listen.host, listen.port)
        except OSError as exc:
            log.warning("inbound SMTP not listening on %s:%s: %s", listen.host, listen.port, exc)
            return False
        log.info("inbound SMTP listening on %s:%s", listen.host, listen.port)
        return True

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None
