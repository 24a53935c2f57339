"""Domain events: what a command changed, as committed.

Commands return these; they never build frames. :func:`chat_server.runtime.delivery.deliver`
commits, acknowledges, then publishes them, and :mod:`chat_server.wire.outbound` is the
one place that turns them into frames (each frame encoded once for all its
recipients). Whatever else reacts to a change (e-mail, webhooks, the assistant)
subscribes to these same events.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from chat_server.model.rows import Journey
from chat_server.model.tables import Conversation, Message, Visitor


@dataclass(frozen=True, slots=True)
class MessagePosted:
    """A message was stored (``started``: it opened its conversation)."""

    message: Message
    conversation: Conversation
    #: Names the visitor in the agents' conversation view; loaded only when one is sent.
    visitor: Visitor | None
    started: bool = False
    #: The conversation's waiting state changed (a wait opened or was answered).
    wait_changed: bool = False


@dataclass(frozen=True, slots=True)
class ConversationChanged:
    """A conversation's status, assignee, waiting state or rating changed."""

    conversation: Conversation
    visitor: Visitor | None
    #: Whether the visitor's own sockets hear of it too (a resolution, not a rating).
    visitor_sees: bool
    #: The conversation's tags when the change loaded them (None: not known here).
    tags: list[str] | None = None


@dataclass(frozen=True, slots=True)
class SlaAlerted:
    """A wait reached its warning point or its target (announced once per wait)."""

    level: Literal["warning", "breached"]
    conversation_id: str
    wait_kind: str
    waited_seconds: float
    target_seconds: float
    #: Only the agents of this site hear of it.
    site_id: str | None = None


@dataclass(frozen=True, slots=True)
class VisitorMoved:
    """A visitor arrived, moved to a page, or changed what agents see of it."""

    journey: Journey
    online: bool
    at: datetime
    #: How many of the latest pages agents are sent.
    page_limit: int


@dataclass(frozen=True, slots=True)
class VisitorLeft:
    """A visitor has had no socket for the grace period."""

    visitor_id: str
    #: Only the agents of this site hear of it (None: every agent).
    site_id: str | None = None


@dataclass(frozen=True, slots=True)
class TypingChanged:
    """Someone started or stopped typing in a conversation."""

    conversation_id: str
    visitor_id: str
    author_kind: Literal["visitor", "agent"]
    author_id: str
    author_name: str | None
    active: bool
    #: Only the agents of this site hear of it.
    site_id: str | None = None


@dataclass(frozen=True, slots=True)
class AgentsOnlineChanged:
    """How many agents are online, for every shopper's widget."""

    count: int
    #: The site whose shoppers hear of it (None: every shopper).
    site_id: str | None = None


@dataclass(frozen=True, slots=True)
class AgentUpdated:
    """An agent's status or load changed; colleagues' consoles show both."""

    agent_id: str
    name: str
    #: "online", "away" or "offline" (no console open).
    status: str
    #: Open conversations assigned to the agent.
    open_chats: int
    #: The agent's sites (None: every site); only the agents of these sites hear of it.
    site_ids: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class QueueUpdated:
    """A waiting shopper's place in the queue, or the estimate of the wait, changed."""

    conversation_id: str
    visitor_id: str
    #: 1 is next.
    position: int
    #: None when there is no recent history to estimate from.
    estimated_wait_seconds: float | None


@dataclass(frozen=True, slots=True)
class MessagesSeen:
    """One side of a conversation saw its messages up to ``seq`` (a read receipt);
    the other side hears of it."""

    conversation_id: str
    visitor_id: str
    site_id: str
    seq: int
    by: Literal["visitor", "agent"]
    #: The agent who saw them (None when the visitor did).
    agent_id: str | None = None
    agent_name: str | None = None


@dataclass(frozen=True, slots=True)
class ConversationResolved:
    """A conversation was resolved (beside the ``ConversationChanged`` sockets hear of);
    no socket hears of this one: webhooks and e-mail react to it."""

    conversation: Conversation
    visitor: Visitor | None


@dataclass(frozen=True, slots=True)
class RatingRecorded:
    """A visitor rated a conversation (webhooks react to it; sockets hear the
    ``ConversationChanged`` beside it)."""

    conversation_id: str
    site_id: str
    score: int
    comment: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class VisitorIdentified:
    """A visitor gave its name or e-mail address; ``journey`` is the visitor as
    committed (webhooks react to it; agents hear the ``VisitorMoved`` beside it)."""

    journey: Journey
    at: datetime


DomainEvent = (
    MessagePosted
    | ConversationChanged
    | SlaAlerted
    | VisitorMoved
    | VisitorLeft
    | TypingChanged
    | AgentsOnlineChanged
    | AgentUpdated
    | QueueUpdated
    | MessagesSeen
    | ConversationResolved
    | RatingRecorded
    | VisitorIdentified
)
