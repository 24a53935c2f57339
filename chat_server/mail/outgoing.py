"""The outbox kinds of e-mail and their handlers.

``mail.send`` sends a rendered letter. ``mail.shop`` and ``mail.visitor`` decide,
when they come due, what the shop or the shopper is to be e-mailed: in one
transaction they render every message not yet e-mailed, mark it e-mailed and queue
the ``mail.send``; so a decision happens once, and the letter is retried until the
SMTP server takes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from chat_server.mail import compose
from chat_server.mail.compose import Later, ShopReason
from chat_server.mail.letters import Letter
from chat_server.mail.sending import Undeliverable, send_letter
from chat_server.model.tables import Visitor, utcnow
from chat_server.outbox import handlers
from chat_server.outbox.handlers import PermanentFailure
from chat_server.outbox.items import OutboxItemView, enqueue
from chat_server.runtime.state import Runtime

SEND_KIND = "mail.send"
SHOP_KIND = "mail.shop"
VISITOR_KIND = "mail.visitor"
VISITOR = Visitor.__table__  # type: ignore[attr-defined]


def queue_letter(connection: Connection, letter: Letter, site_id: str | None) -> None:
    enqueue(connection, kind=SEND_KIND, payload=letter.to_payload(), site_id=site_id)


def queue_shop_notice(
    connection: Connection,
    conversation_id: str,
    site_id: str,
    reason: ShopReason,
    due_at: datetime,
    dedupe_key: str,
) -> bool:
    return enqueue(
        connection,
        kind=SHOP_KIND,
        payload={"conversation_id": conversation_id, "reason": reason},
        site_id=site_id,
        due_at=due_at,
        dedupe_key=dedupe_key,
    )


async def send(rt: Runtime, item: OutboxItemView) -> int | None:
    smtp = rt.settings.mail.smtp
    if smtp is None:
        raise PermanentFailure("CHAT_SMTP_URL is not set")
    try:
        await send_letter(smtp, rt.settings.mail.mail_from, Letter.from_payload(item.payload))
    except Undeliverable as exc:
        raise PermanentFailure(str(exc)) from exc
    return None


async def decide_shop_notice(rt: Runtime, item: OutboxItemView) -> int | None:
    conversation_id: str = item.payload["conversation_id"]
    reason: ShopReason = item.payload.get("reason", "offline")

    def decide(connection: Connection) -> None:
        now = utcnow()
        outcome = compose.shop_notice(
            connection, conversation_id, reason, rt.settings.mail, rt.settings.public_url, now
        )
        if isinstance(outcome, Later):
            # Within the throttle: one item for the end of the window carries the rest.
            queue_shop_notice(
                connection,
                conversation_id,
                item.site_id or "",
                reason,
                outcome.due_at,
                f"{SHOP_KIND}:{conversation_id}:{outcome.due_at.isoformat()}",
            )
        elif outcome is not None:
            queue_letter(connection, outcome, item.site_id)

    await rt.db.write(decide)
    return None


def _last_seen(connection: Connection, visitor_id: str) -> Any:
    return connection.execute(
        select(VISITOR.c.last_seen_at).where(VISITOR.c.id == visitor_id)
    ).scalar_one_or_none()


async def decide_visitor_reply(rt: Runtime, item: OutboxItemView) -> int | None:
    """E-mail the agent's replies unless the visitor saw them: a socket open now, or
    one the visitor had since the reply (its last sighting after it)."""
    payload = item.payload
    visitor_id: str = payload["visitor_id"]
    if await rt.presence.visitor_online(visitor_id):
        return None
    posted_at = datetime.fromisoformat(payload["posted_at"])
    last_seen = await rt.db.read(lambda connection: _last_seen(connection, visitor_id))
    if last_seen is not None and last_seen >= posted_at:
        return None

    def decide(connection: Connection) -> None:
        letter = compose.visitor_reply(
            connection, payload["conversation_id"], rt.settings.mail, utcnow()
        )
        if letter is not None:
            queue_letter(connection, letter, item.site_id)

    await rt.db.write(decide)
    return None


def register_handlers() -> None:
    handlers.register(SEND_KIND, send)
    handlers.register(SHOP_KIND, decide_shop_notice)
    handlers.register(VISITOR_KIND, decide_visitor_reply)
