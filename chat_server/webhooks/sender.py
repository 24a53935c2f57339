"""The outbox handler of webhook deliveries: sign per Standard Webhooks and POST.

``webhook-id`` is the outbox item's id, the same on every retry, so a receiver can
drop a delivery it already processed; the body's ``id`` is that id too. Redirects are
not followed (a receiver answering 3xx has not taken the delivery), and the receiver
must answer within ``CHAT_WEBHOOK_TIMEOUT_SECONDS``. A 2xx answer is success; any other
answer, a timeout or a refused connection is retried.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import Connection, select
from standardwebhooks import Webhook as Signer

from chat_server.model.errors import DomainError
from chat_server.model.outbox_tables import Webhook
from chat_server.outbox.handlers import AttemptFailed, PermanentFailure
from chat_server.outbox.items import OutboxItemView
from chat_server.runtime.state import Runtime
from chat_server.webhooks.addresses import require_public
from chat_server.wire import webhook_bodies

WEBHOOK = Webhook.__table__
USER_AGENT = "chat-server-webhooks/1"


def _target(connection: Connection, webhook_id: str | None) -> tuple[str, str] | None:
    if webhook_id is None:
        return None
    row = connection.execute(
        select(WEBHOOK.c.url, WEBHOOK.c.secret).where(WEBHOOK.c.id == webhook_id)
    ).first()
    return None if row is None else (row.url, row.secret)


def body_of(item: OutboxItemView) -> bytes:
    return webhook_bodies.body(item.id, item.payload)


def signed_headers(item_id: str, secret: str, body: bytes, at: datetime) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": item_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Signer(secret).sign(item_id, at, body),
    }


async def deliver(rt: Runtime, item: OutboxItemView) -> int:
    """Send one delivery; the receiver's status code on success."""
    target = await rt.db.read(lambda connection: _target(connection, item.target_id))
    if target is None:
        raise PermanentFailure("the webhook was deleted")
    url, secret = target
    settings = rt.settings.outbox
    if not settings.webhook_allow_private:
        try:
            await require_public(url)
        except DomainError as exc:
            if exc.code == "private_address":
                raise PermanentFailure(f"private_address: {exc.message}") from None
            raise AttemptFailed(f"{exc.code}: {exc.message}") from None
    body = body_of(item)
    headers = signed_headers(item.id, secret, body, datetime.now(UTC))
    try:
        async with httpx.AsyncClient(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False, trust_env=False
        ) as client:
            response = await client.post(url, content=body, headers=headers)
    except httpx.TimeoutException:
        raise AttemptFailed("timeout: the receiver did not answer in time") from None
    except httpx.HTTPError as exc:
        raise AttemptFailed(
            f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        ) from None
    if not 200 <= response.status_code < 300:
        raise AttemptFailed(f"HTTP {response.status_code}", response.status_code)
    return response.status_code
