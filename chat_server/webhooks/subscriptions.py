"""Creating, listing, reading and deleting webhooks, within the caller's scope.

Admins create and delete (the endpoint checks the role); a webhook with ``site_id``
gets that site's events only, one without gets every site's and is visible to
accounts of every site only. The secret (``whsec_`` and 32 random bytes in base64) is
shown to admins, who configure receivers with it.
"""

from __future__ import annotations

import base64
import secrets
from typing import Any

from sqlalchemy import select

from chat_server.model.errors import NotFound
from chat_server.model.outbox_tables import Webhook
from chat_server.model.scope import Scope
from chat_server.model.tables import Role, Site, utcnow
from chat_server.runtime.state import Runtime
from chat_server.webhooks.addresses import InvalidWebhook, check_url, require_public
from chat_server.webhooks.catalog import EVENT_TYPES
from chat_server.webhooks.reactor import forget_cached_subscriptions
from chat_server.wire.views import iso

SECRET_BYTES = 32


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def webhook_view(webhook: Webhook, with_secret: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": webhook.id,
        "url": webhook.url,
        "events": list(webhook.events),
        "site_id": webhook.site_id,
        "created_at": iso(webhook.created_at),
    }
    if with_secret:
        view["secret"] = webhook.secret
    return view


def check_events(events: object) -> list[str]:
    if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
        raise InvalidWebhook("invalid_events", "events must be a non-empty list of event names")
    unknown = sorted(set(events) - set(EVENT_TYPES))
    if unknown:
        raise InvalidWebhook(
            "unknown_event", f"unknown events {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}"
        )
    return [event for event in EVENT_TYPES if event in events]


def visible(webhook: Webhook, scope: Scope) -> bool:
    """Tenancy: a site's webhook for accounts of that site, a global one for accounts
    of every site."""
    return scope.all_sites if webhook.site_id is None else scope.allows(webhook.site_id)


async def create(rt: Runtime, body: dict[str, Any], scope: Scope) -> dict[str, Any]:
    unknown = sorted(set(body) - {"url", "events", "site_id"})
    if unknown:
        raise InvalidWebhook("unknown_field", f"unknown fields: {', '.join(unknown)}")
    url = check_url(body.get("url"))
    events = check_events(body.get("events"))
    site_id = body.get("site_id")
    if site_id is not None and not isinstance(site_id, str):
        raise InvalidWebhook("invalid_site", "site_id must be a site's id")
    if site_id is None and not scope.all_sites:
        raise InvalidWebhook("invalid_site", "name the site_id this webhook is for")
    if not rt.settings.outbox.webhook_allow_private:
        await require_public(url)
    async with rt.db.writing() as session:
        if site_id is not None:
            scope.require(site_id, "site")
            if await session.get(Site, site_id) is None:
                raise InvalidWebhook("invalid_site", "no such site")
        webhook = Webhook(
            url=url,
            events=events,
            secret=new_secret(),
            site_id=site_id,
            created_at=utcnow(),
            created_by=scope.agent_id,
        )
        session.add(webhook)
    forget_cached_subscriptions()
    return webhook_view(webhook, with_secret=True)


async def list_webhooks(rt: Runtime, scope: Scope) -> list[dict[str, Any]]:
    async with rt.db.reading() as session:
        webhooks = (
            await session.execute(select(Webhook).order_by(Webhook.created_at, Webhook.id))
        ).scalars()
        return [
            webhook_view(webhook, scope.role == Role.admin.value)
            for webhook in webhooks
            if visible(webhook, scope)
        ]


async def find(rt: Runtime, webhook_id: str, scope: Scope) -> Webhook:
    """The webhook if the scope may see it, else ``not_found`` (existence not revealed)."""
    async with rt.db.reading() as session:
        webhook = await session.get(Webhook, webhook_id)
    if webhook is None or not visible(webhook, scope):
        raise NotFound("not_found", "no such webhook")
    return webhook


async def get(rt: Runtime, webhook_id: str, scope: Scope) -> dict[str, Any]:
    webhook = await find(rt, webhook_id, scope)
    return webhook_view(webhook, scope.role == Role.admin.value)


async def delete(rt: Runtime, webhook_id: str, scope: Scope) -> None:
    """Delete it; its pending deliveries are given up when they come due."""
    await find(rt, webhook_id, scope)
    async with rt.db.writing() as session:
        webhook = await session.get(Webhook, webhook_id)
        if webhook is not None:
            await session.delete(webhook)
    forget_cached_subscriptions()
