"""Frames out: the one place that turns domain events into frames.

:func:`envelopes_for` addresses each event's frames to topics; every frame is
JSON-encoded once, here, and the same text goes to every recipient. The frames a
socket sends only to itself (``welcome``, ``ack``, replies) are built here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson
from pydantic import BaseModel

from chat_server.model.events import (
    AgentsOnlineChanged,
    AgentUpdated,
    ConversationChanged,
    ConversationResolved,
    DomainEvent,
    MessagePosted,
    MessagesSeen,
    QueueUpdated,
    RatingRecorded,
    SlaAlerted,
    TypingChanged,
    VisitorIdentified,
    VisitorLeft,
    VisitorMoved,
)
from chat_server.model.tables import AuthorKind, Conversation, Message
from chat_server.wire.envelope import AGENTS_TOPIC, VISITORS_TOPIC, Envelope, visitor_topic
from chat_server.wire.receipts import seen_envelopes
from chat_server.wire.views import (
    conversation_view,
    journey_view,
    message_view,
    public_conversation_view,
)


def _default(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    raise TypeError(f"cannot encode {type(value).__name__}")


def dump(frame: dict[str, Any]) -> str:
    """Encode a server frame once; the text goes unchanged to every recipient."""
    return orjson.dumps(frame, default=_default).decode()


# -- frames a socket sends to itself -------------------------------------------------------


def error_frame(code: str, message: str, ref: str | None = None) -> str:
    return dump({"type": "error", "code": code, "message": message, "ref": ref})


def stream_opened_frame(stream_id: str) -> str:
    """The SSE fallback's first event: the id its POSTs name in ``X-Stream-Id``."""
    return dump({"type": "stream.opened", "stream_id": stream_id})


def ack_frame(client_id: str, message: Message) -> str:
    return dump({"type": "ack", "client_id": client_id, "message": message_view(message)})


def message_frame(message: Message) -> str:
    return dump({"type": "message.created", "message": message_view(message)})


def visitor_welcome_frame(
    visitor_id: str,
    visitor_token: str,
    conversation: Conversation | None,
    agents_online: int,
    site: dict[str, Any],
    history: list[dict[str, Any]] | None = None,
    email: bool = False,
) -> str:
    """``history``: the earlier conversations as ``wire.views.history_view`` renders them;
    ``email``: whether the server e-mails (CHAT_SMTP_URL), so the widget may promise it."""
    return dump(
        {
            "type": "welcome",
            "visitor_id": visitor_id,
            "visitor_token": visitor_token,
            "conversation": public_conversation_view(conversation) if conversation else None,
            "agents_online": agents_online,
            "site": site,
            "history": history or [],
            "email": email,
        }
    )


def agent_welcome_frame(
    agent: dict[str, Any],
    conversations: list[dict[str, Any]],
    visitors: list[dict[str, Any]],
    agents_online: int,
    sla: dict[str, Any],
    visitors_total: int | None = None,
    visitors_cursor: str | None = None,
) -> str:
    """``visitors`` is the first page of the online visitors; ``visitors_total`` counts
    them all and ``visitors_cursor`` asks for the next page (``visitors.page``)."""
    return dump(
        {
            "type": "welcome",
            "agent": agent,
            "conversations": conversations,
            "visitors": visitors,
            "visitors_total": len(visitors) if visitors_total is None else visitors_total,
            "visitors_cursor": visitors_cursor,
            "agents_online": agents_online,
            "sla": sla,
        }
    )


def visitors_page_frame(visitors: list[dict[str, Any]], next_cursor: str | None) -> str:
    return dump({"type": "visitors.page", "visitors": visitors, "next_cursor": next_cursor})


def rating_recorded_frame(conversation_id: str, score: int) -> str:
    return dump({"type": "rating.recorded", "conversation_id": conversation_id, "score": score})


def transcript_queued_frame(conversation_id: str, email: str) -> str:
    """The transcript asked for with ``transcript.request`` is on its way to ``email``."""
    return dump({"type": "transcript.queued", "conversation_id": conversation_id, "email": email})


def identified_frame(name: str | None, email: str | None) -> str:
    return dump({"type": "identified", "name": name, "email": email})


# -- events to addressed frames -----------------------------------------------------------


def envelopes_for(events: Iterable[DomainEvent]) -> list[Envelope]:
    envelopes: list[Envelope] = []
    for event in events:
        envelopes.extend(_envelopes(event))
    return envelopes


def _envelopes(event: DomainEvent) -> list[Envelope]:
    if isinstance(event, MessagePosted):
        return _message_posted(event)
    if isinstance(event, ConversationChanged):
        view = conversation_view(event.conversation, event.visitor, tags=event.tags)
        # No message came with this change: "last_message": null would erase the console's.
        del view["last_message"]
        agents = _agents_update(event.conversation, view)
        return [agents, _visitor_update(event.conversation)] if event.visitor_sees else [agents]
    if isinstance(event, SlaAlerted):
        return [_sla_alert(event)]
    if isinstance(event, VisitorMoved):
        view = journey_view(event.journey, event.online, event.at, event.page_limit)
        return [
            Envelope(
                AGENTS_TOPIC,
                dump({"type": "visitor.updated", "visitor": view}),
                site_id=event.journey.visitor.site_id,
            )
        ]
    if isinstance(event, VisitorLeft):
        return [
            Envelope(
                AGENTS_TOPIC,
                dump({"type": "visitor.left", "visitor_id": event.visitor_id}),
                site_id=event.site_id,
            )
        ]
    if isinstance(event, TypingChanged):
        return _typing(event)
    if isinstance(event, AgentsOnlineChanged):
        return [
            Envelope(
                VISITORS_TOPIC,
                dump({"type": "agents.updated", "agents_online": event.count}),
                site_id=event.site_id,
            )
        ]
    if isinstance(event, AgentUpdated):
        return _agent_updated(event)
    if isinstance(event, QueueUpdated):
        return [_queue_updated(event)]
    if isinstance(event, MessagesSeen):
        return seen_envelopes(event)
    if isinstance(event, ConversationResolved | RatingRecorded | VisitorIdentified):
        return []  # for webhooks and e-mail: sockets hear the events beside these
    raise TypeError(f"no frames for {type(event).__name__}")


def _message_posted(event: MessagePosted) -> list[Envelope]:
    """``conversation.updated`` goes to agents only when the waiting state changed:
    everything else about a new message is in its ``message.created``."""
    message, conversation = event.message, event.conversation
    envelopes = []
    if event.started:
        created = conversation_view(conversation, event.visitor, message)
        envelopes.append(
            Envelope(
                AGENTS_TOPIC,
                dump({"type": "conversation.created", "conversation": created}),
                site_id=conversation.site_id,
            )
        )
        envelopes.append(_visitor_update(conversation))
    frame = message_frame(message)
    envelopes.append(
        Envelope(AGENTS_TOPIC, frame, conversation.id, message.seq, conversation.site_id)
    )
    if not message.internal:
        envelopes.append(
            Envelope(visitor_topic(conversation.visitor_id), frame, conversation.id, message.seq)
        )
    if event.wait_changed and not event.started:
        envelopes.append(
            _agents_update(conversation, conversation_view(conversation, event.visitor, message))
        )
    if message.author_kind == AuthorKind.agent.value and not message.internal and not event.started:
        # The visitor sees the conversation answered (and reopened, if it was resolved).
        envelopes.append(_visitor_update(conversation))
    return envelopes


def _agents_update(conversation: Conversation, view: dict[str, Any]) -> Envelope:
    return Envelope(
        AGENTS_TOPIC,
        dump({"type": "conversation.updated", "conversation": view}),
        site_id=conversation.site_id,
    )


def _visitor_update(conversation: Conversation) -> Envelope:
    return Envelope(
        visitor_topic(conversation.visitor_id),
        dump(
            {"type": "conversation.updated", "conversation": public_conversation_view(conversation)}
        ),
    )


def _sla_alert(event: SlaAlerted) -> Envelope:
    return Envelope(
        AGENTS_TOPIC,
        dump(
            {
                "type": f"sla.{event.level}",
                "conversation_id": event.conversation_id,
                "kind": event.wait_kind,
                "waited_seconds": round(event.waited_seconds, 3),
                "target_seconds": event.target_seconds,
            }
        ),
        site_id=event.site_id,
    )


def _typing(event: TypingChanged) -> list[Envelope]:
    author = {"kind": event.author_kind, "id": event.author_id, "name": event.author_name}
    to_agents = Envelope(
        AGENTS_TOPIC,
        dump(
            {
                "type": "typing",
                "conversation_id": event.conversation_id,
                "active": event.active,
                "author": author,
            }
        ),
        site_id=event.site_id,
    )
    if event.author_kind == "visitor":
        return [to_agents]
    to_visitor = Envelope(
        visitor_topic(event.visitor_id),
        dump({"type": "typing", "active": event.active, "author": author}),
    )
    return [to_visitor, to_agents]


def _agent_updated(event: AgentUpdated) -> list[Envelope]:
    """To the agents of the agent's sites: one envelope per site (an agent of two of
    them hears it twice, harmlessly), or one for every agent."""
    frame = dump(
        {
            "type": "agent.updated",
            "agent": {
                "id": event.agent_id,
                "name": event.name,
                "status": event.status,
                "open_chats": event.open_chats,
            },
        }
    )
    if event.site_ids is None:
        return [Envelope(AGENTS_TOPIC, frame)]
    return [Envelope(AGENTS_TOPIC, frame, site_id=site) for site in sorted(event.site_ids)]


def _queue_updated(event: QueueUpdated) -> Envelope:
    return Envelope(
        visitor_topic(event.visitor_id),
        dump(
            {
                "type": "queue.updated",
                "conversation_id": event.conversation_id,
                "position": event.position,
                "estimated_wait_seconds": event.estimated_wait_seconds,
            }
        ),
    )
