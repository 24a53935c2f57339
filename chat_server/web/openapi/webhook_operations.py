"""The ``/api/v1/webhooks`` operations (CONTRACT section 10), beside ``registry.OPERATIONS``:
admins create, delete and retry; managers and admins read their sites' webhooks."""

from __future__ import annotations

from typing import Literal

from chat_server.web.openapi.models import Body, Deleted, Open
from chat_server.web.openapi.registry import V1, Operation, Param

WebhookEvent = Literal[
    "conversation.created",
    "message.created",
    "conversation.resolved",
    "rating.recorded",
    "visitor.identified",
    "offline_message.created",
]


class WebhookCreate(Body):
    """``url``: http(s), not on a loopback or private network (422 ``private_address``)
    unless CHAT_WEBHOOK_ALLOW_PRIVATE=true; ``site_id`` omitted: every site's events."""

    url: str
    events: list[WebhookEvent]
    site_id: str | None = None


class Webhook(Open):
    """``secret`` (``whsec_`` + base64) verifies the Standard Webhooks signature; it is
    shown to admins only."""

    id: str
    url: str
    events: list[WebhookEvent]
    site_id: str | None
    created_at: str
    secret: str | None = None


class WebhookList(Open):
    webhooks: list[Webhook]


class DeliveryAttempt(Open):
    """One attempt; ``webhook_id`` is the delivery's ``webhook-id`` header (the same on
    every retry); ``next_retry_at`` is set on the latest attempt of a pending delivery."""

    id: str
    event: str
    webhook_id: str
    attempt: int
    at: str
    ok: bool
    status_code: int | None
    error: str | None
    duration_ms: float
    state: Literal["pending", "sent", "dead"]
    next_retry_at: str | None


class DeliveryLog(Open):
    deliveries: list[DeliveryAttempt]


class DeliveryState(Open):
    """One delivery: ``id`` is its ``webhook-id`` header and the ``delivery_id`` to retry;
    ``status_code`` and ``error`` are the last attempt's; ``next_attempt_at`` is set while
    it is pending."""

    id: str
    event: str
    state: Literal["pending", "sent", "dead"]
    attempts: int
    status_code: int | None
    error: str | None
    last_attempt_at: str | None
    next_attempt_at: str | None
    created_at: str
    sent_at: str | None


class DeliveryStates(Open):
    deliveries: list[DeliveryState]


class Retrying(Open):
    retrying: str


WEBHOOK_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        f"{V1}/webhooks",
        "Subscribe a URL to events (signed per Standard Webhooks)",
        "webhooks",
        "admins",
        Webhook,
        status=201,
        body=WebhookCreate,
    ),
    Operation(
        "GET",
        f"{V1}/webhooks",
        "Webhooks of the caller's sites",
        "webhooks",
        "managers",
        WebhookList,
    ),
    Operation("GET", f"{V1}/webhooks/{{id}}", "One webhook", "webhooks", "managers", Webhook),
    Operation("DELETE", f"{V1}/webhooks/{{id}}", "Delete a webhook", "webhooks", "admins", Deleted),
    Operation(
        "GET",
        f"{V1}/webhooks/{{id}}/deliveries",
        "The webhook's delivery attempts, newest first",
        "webhooks",
        "managers",
        DeliveryLog,
        params=(Param("limit", "at most this many attempts (1-500, default 100)", "integer"),),
    ),
    Operation(
        "GET",
        f"{V1}/webhooks/{{id}}/outbox",
        "The webhook's deliveries, newest first, one row each with its state",
        "webhooks",
        "managers",
        DeliveryStates,
        params=(Param("limit", "at most this many deliveries (1-500, default 100)", "integer"),),
    ),
    Operation(
        "POST",
        f"{V1}/webhooks/{{id}}/deliveries/{{delivery_id}}/retry",
        "Try a pending or given-up delivery again now",
        "webhooks",
        "admins",
        Retrying,
        status=202,
    ),
)
