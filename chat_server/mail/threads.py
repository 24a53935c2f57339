"""A conversation's mail thread: its reply token and the headers that keep one thread.

Every e-mail of a conversation (to the shop or to the shopper) is numbered in its
thread: ``Message-ID: <conv-<id>.<n>@domain>``, answering the one before it and
referring to the thread's root, so a mail client shows one thread per conversation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from chat_server.config.mail_settings import MailSettings
from chat_server.model.mail_tables import MailThread

THREAD = MailThread.__table__  # type: ignore[attr-defined]
REPLY_PREFIX = "reply+"


@dataclass(frozen=True)
class ThreadHeaders:
    message_id: str
    in_reply_to: str
    references: list[str]


def new_reply_token() -> str:
    # 128 random bits, lowercase: some relays lowercase the local part of an address.
    return secrets.token_hex(16)


def thread_of(
    connection: Connection, conversation_id: str, site_id: str, visitor_id: str, now: datetime
) -> dict[str, Any]:
    """The conversation's thread row, created on first use (inside the caller's transaction,
    which holds the conversation's row lock)."""
    row = connection.execute(
        select(THREAD).where(THREAD.c.conversation_id == conversation_id)
    ).first()
    if row is not None:
        return dict(row._mapping)
    values: dict[str, Any] = {
        "conversation_id": conversation_id,
        "site_id": site_id,
        "visitor_id": visitor_id,
        "reply_token": new_reply_token(),
        "shop_mailed_seq": 0,
        "shop_mailed_at": None,
        "shop_offline_mailed": False,
        "shop_missed_mailed": False,
        "visitor_mailed_seq": 0,
        "mails_sent": 0,
        "created_at": now,
    }
    connection.execute(insert(THREAD).values(values))
    return values


def save_thread(connection: Connection, thread: dict[str, Any], **changes: Any) -> None:
    thread.update(changes)
    connection.execute(
        update(THREAD).where(THREAD.c.conversation_id == thread["conversation_id"]).values(changes)
    )


def id_domain(settings: MailSettings) -> str:
    """The domain of our Message-IDs: the reply domain, else the sender's."""
    if settings.inbound_domain:
        return settings.inbound_domain
    return settings.mail_from.rsplit("@", 1)[-1].strip(" >") or "localhost"


def next_headers(
    connection: Connection, thread: dict[str, Any], settings: MailSettings
) -> ThreadHeaders:
    """Number the thread's next e-mail and say which it answers."""
    domain = id_domain(settings)
    conversation_id = thread["conversation_id"]
    number = thread["mails_sent"] + 1
    save_thread(connection, thread, mails_sent=number)
    root = f"<conv-{conversation_id}@{domain}>"
    earlier = [
        f"<conv-{conversation_id}.{index}@{domain}>" for index in range(max(1, number - 9), number)
    ]
    return ThreadHeaders(
        message_id=f"<conv-{conversation_id}.{number}@{domain}>",
        in_reply_to=earlier[-1] if earlier else root,
        references=[root, *earlier],
    )


def reply_address(thread: dict[str, Any], settings: MailSettings) -> str | None:
    if not settings.inbound_domain:
        return None
    return f"{REPLY_PREFIX}{thread['reply_token']}@{settings.inbound_domain}"


def token_of_address(address: str, settings: MailSettings) -> str | None:
    """The token of ``reply+<token>@<our domain>``; None for any other address."""
    local, _, domain = address.strip().strip("<>").rpartition("@")
    if not settings.inbound_domain or domain.lower() != settings.inbound_domain:
        return None
    if not local.lower().startswith(REPLY_PREFIX):
        return None
    token = local[len(REPLY_PREFIX) :].lower()
    return token if token and token.isalnum() else None


def conversation_of_token(connection: Connection, token: str) -> str | None:
    row = connection.execute(
        select(THREAD.c.conversation_id).where(THREAD.c.reply_token == token)
    ).first()
    return None if row is None else str(row.conversation_id)
