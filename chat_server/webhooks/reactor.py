"""Committed domain events to webhook deliveries, in the change's own transaction.

For each event a webhook may hear of, one outbox item per subscribed webhook of the
event's site (or of every site): its payload is the event's type, time and ``data``
(CONTRACT section 14) built here from the rows just committed, so a later change
cannot alter what the receiver is told. The subscriptions are read only when the
change carries such an event, and whether an agent is online only when a webhook
wants ``offline_message.created``.

The subscriptions are kept for :data:`CACHE_SECONDS` per process (a fresh read cost a
tenth of the server's CPU per message when nobody had a webhook): a webhook created or
deleted through this process counts at once, through another within that time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from chat_server.model.events import (
    ConversationResolved,
    DomainEvent,
    MessagePosted,
    RatingRecorded,
    VisitorIdentified,
)
from chat_server.model.outbox_tables import Webhook
from chat_server.model.tables import AuthorKind, utcnow
from chat_server.outbox.availability import no_agent_online
from chat_server.outbox.items import enqueue
from chat_server.webhooks import catalog
from chat_server.wire import webhook_bodies
from chat_server.wire.views import conversation_view, iso, journey_view, message_view

WEBHOOK = Webhook.__table__
HEARD = (MessagePosted, ConversationResolved, RatingRecorded, VisitorIdentified)
CACHE_SECONDS = 2.0
_subscriptions: list[tuple[float, Sequence[Row[Any]]]] = []  # at most one: (read at, rows)


@dataclass(frozen=True, slots=True)
class Announcement:
    type: str
    site_id: str
    at: datetime
    data: dict[str, Any]


def enqueue_deliveries(connection: Connection, events: Sequence[DomainEvent]) -> None:
    """The reactor: one outbox item per (announcement, subscribed webhook)."""
    if not any(isinstance(event, HEARD) for event in events):
        return
    webhooks = _webhooks(connection)
    if not webhooks:
        return
    for event in events:
        for announcement in _announcements(connection, event, webhooks):
            payload = webhook_bodies.announcement(
                announcement.type, iso(announcement.at), announcement.data
            )
            for webhook in _subscribers(webhooks, announcement.type, announcement.site_id):
                enqueue(
                    connection,
                    kind=catalog.KIND,
                    payload=payload,
                    site_id=announcement.site_id,
                    target_id=webhook.id,
                )


def _webhooks(connection: Connection) -> Sequence[Row[Any]]:
    now = time.monotonic()
    if _subscriptions and now - _subscriptions[0][0] < CACHE_SECONDS:
        return _subscriptions[0][1]
    rows = connection.execute(select(WEBHOOK.c.id, WEBHOOK.c.events, WEBHOOK.c.site_id)).all()
    _subscriptions[:] = [(now, rows)]
    return rows


def forget_cached_subscriptions() -> None:
    """After this process created or deleted a webhook."""
    _subscriptions.clear()


def _subscribers(webhooks: Sequence[Row[Any]], event_type: str, site_id: str) -> Iterator[Row[Any]]:
    for webhook in webhooks:
        if event_type in webhook.events and webhook.site_id in (None, site_id):
            yield webhook


def _announcements(
    connection: Connection, event: DomainEvent, webhooks: Sequence[Row[Any]]
) -> list[Announcement]:
    if isinstance(event, MessagePosted):
        return _message_posted(connection, event, webhooks)
    if isinstance(event, ConversationResolved):
        conversation = event.conversation
        return [
            Announcement(
                catalog.CONVERSATION_RESOLVED,
                conversation.site_id,
                conversation.resolved_at or utcnow(),
                {"conversation": conversation_view(conversation, event.visitor)},
            )
        ]
    if isinstance(event, RatingRecorded):
        data = {
            "conversation_id": event.conversation_id,
            "score": event.score,
            "comment": event.comment,
        }
        return [Announcement(catalog.RATING_RECORDED, event.site_id, event.at, data)]
    if isinstance(event, VisitorIdentified):
        visitor = journey_view(event.journey, True, event.at, None)
        return [
            Announcement(
                catalog.VISITOR_IDENTIFIED, visitor["site_id"], event.at, {"visitor": visitor}
            )
        ]
    return []


def _message_posted(
    connection: Connection, event: MessagePosted, webhooks: Sequence[Row[Any]]
) -> list[Announcement]:
    message, conversation = event.message, event.conversation
    site_id, at = conversation.site_id, message.created_at
    conversation_data = conversation_view(conversation, event.visitor)
    announcements = []
    if event.started:
        announcements.append(
            Announcement(
                catalog.CONVERSATION_CREATED, site_id, at, {"conversation": conversation_data}
            )
        )
    if message.internal:
        return announcements  # notes are for agents: no webhook hears of them
    message_data = message_view(message)
    announcements.append(
        Announcement(catalog.MESSAGE_CREATED, site_id, at, {"message": message_data})
    )
    wanted = any(_subscribers(webhooks, catalog.OFFLINE_MESSAGE_CREATED, site_id))
    if (
        wanted
        and message.author_kind == AuthorKind.visitor.value
        and no_agent_online(connection, site_id)
    ):
        announcements.append(
            Announcement(
                catalog.OFFLINE_MESSAGE_CREATED,
                site_id,
                at,
                {"conversation": conversation_data, "message": message_data},
            )
        )
    return announcements
