"""The events a webhook may subscribe to, and the outbox kind of a delivery."""

from __future__ import annotations

#: The outbox kind of one delivery to one webhook.
KIND = "webhook"

CONVERSATION_CREATED = "conversation.created"
MESSAGE_CREATED = "message.created"
CONVERSATION_RESOLVED = "conversation.resolved"
RATING_RECORDED = "rating.recorded"
VISITOR_IDENTIFIED = "visitor.identified"
OFFLINE_MESSAGE_CREATED = "offline_message.created"

EVENT_TYPES: tuple[str, ...] = (
    CONVERSATION_CREATED,
    MESSAGE_CREATED,
    CONVERSATION_RESOLVED,
    RATING_RECORDED,
    VISITOR_IDENTIFIED,
    OFFLINE_MESSAGE_CREATED,
)
