"""Rows to the contract's JSON shapes (Message, Conversation, Visitor, Agent)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from chat_server.model.rows import Journey
from chat_server.model.tables import (
    Agent,
    Conversation,
    Message,
    PageView,
    SearchKeyword,
    Site,
    Visitor,
)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def message_view(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "seq": message.seq,
        "client_id": message.client_id,
        "author": {
            "kind": message.author_kind,
            "id": message.author_id,
            "name": message.author_name,
        },
        "text": message.text,
        "internal": message.internal,
        "created_at": iso(message.created_at),
        "attachments": [attachment_view(file) for file in message.attachments or ()],
    }


def attachment_view(file: dict[str, Any]) -> dict[str, Any]:
    """A file a message carries (its stored metadata), with the API paths that serve it."""
    url = f"/api/v1/uploads/{file['id']}"
    return {
        "id": file["id"],
        "name": file["name"],
        "content_type": file["content_type"],
        "size": file["size"],
        "url": url,
        "thumbnail_url": f"{url}/thumbnail" if file.get("thumbnail") else None,
    }


def conversation_view(
    conversation: Conversation,
    visitor: Visitor | None = None,
    last_message: Message | None = None,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """``tags`` None leaves ``"tags"`` out: a change that did not load them (a message)
    does not claim the conversation has none."""
    view: dict[str, Any] = {
        "id": conversation.id,
        "site_id": conversation.site_id,
        "visitor_id": conversation.visitor_id,
        "status": conversation.status,
        "assignee_id": conversation.assignee_id,
        "created_at": iso(conversation.created_at),
        "first_response_at": iso(conversation.first_response_at),
        "resolved_at": iso(conversation.resolved_at),
        "last_seq": conversation.last_seq,
        "waiting_since": iso(conversation.waiting_since),
        "wait_kind": conversation.wait_kind,
        "rating": conversation.rating,
        "visitor_name": visitor.name if visitor else None,
        "visitor_email": visitor.email if visitor else None,
        "last_message": message_view(last_message) if last_message else None,
        "team_id": conversation.team_id,
        "assigned_at": iso(conversation.assigned_at),
        "visitor_seen_seq": conversation.visitor_seen_seq,
        "agent_seen_seq": conversation.agent_seen_seq,
        "assistant": assistant_view(conversation),
    }
    if tags is not None:
        view["tags"] = tags
    return view


def public_conversation_view(conversation: Conversation) -> dict[str, Any]:
    """What the visitor's own socket may see: the contract's fields, with the visible seq."""
    return {
        "id": conversation.id,
        "site_id": conversation.site_id,
        "visitor_id": conversation.visitor_id,
        "status": conversation.status,
        "assignee_id": conversation.assignee_id,
        "created_at": iso(conversation.created_at),
        "first_response_at": iso(conversation.first_response_at),
        "resolved_at": iso(conversation.resolved_at),
        "last_seq": conversation.last_visible_seq,
        "rating": conversation.rating,
        # What the agents have seen, so the widget can mark "Seen" after a reload.
        "agent_seen_seq": conversation.agent_seen_seq,
        "assistant": assistant_view(conversation),
    }


def assistant_view(conversation: Conversation) -> dict[str, Any]:
    """Whether the assistant handles the conversation, when it handed over, and the
    ``seq`` of its "Did this help?" still awaiting an answer (the widget's Yes / No)."""
    return {
        "active": bool(getattr(conversation, "handled_by_bot", False)),
        "handed_over_at": iso(getattr(conversation, "handed_over_at", None)),
        "feedback_seq": getattr(conversation, "bot_feedback_seq", None),
    }


def history_view(earlier: list[tuple[Conversation, list[Message]]]) -> list[dict[str, Any]]:
    """``welcome.history``: each earlier conversation as the visitor sees it, with its
    visible messages in ``seq`` order."""
    return [
        {**public_conversation_view(conversation), "messages": [message_view(m) for m in messages]}
        for conversation, messages in earlier
    ]


def site_view(site: Site) -> dict[str, Any]:
    """The flat Site shape (CONTRACT section 14)."""
    return {
        "id": site.id,
        "key": site.key,
        "name": site.name,
        "origins": site.origins or [],
        "color": site.color,
        "greeting": {"tr": (site.greeting or {}).get("tr"), "en": (site.greeting or {}).get("en")},
        "locale": site.locale,
        "ip_mode": site.ip_mode,
        "retention_days": site.retention_days,
        "search_params": site.search_params or [],
        "notify_emails": site.notify_emails or [],
        "routing": site.routing,
        "assistant": site.assistant,
        "auto_invite": site.auto_invites or [],
    }


def agent_view(agent: Agent) -> dict[str, Any]:
    return {"id": agent.id, "email": agent.email, "name": agent.name, "role": agent.role}


def page_view(page: PageView, now: datetime) -> dict[str, Any]:
    return {
        "url": page.url,
        "title": page.title,
        "referrer": page.referrer,
        "entered_at": iso(page.entered_at),
        "left_at": iso(page.left_at),
        "dwell_seconds": round(running_dwell(page, now), 3),
    }


def running_dwell(page: PageView, now: datetime) -> float:
    dwell = page.dwell_seconds
    if page.visible_since is not None and page.left_at is None:
        dwell += max(0.0, (now - page.visible_since).total_seconds())
    return dwell


def visitor_view(
    visitor: Visitor,
    pages: list[PageView],
    keywords: list[SearchKeyword],
    online: bool,
    now: datetime,
    pages_total: int | None = None,
) -> dict[str, Any]:
    """``pages`` in the order they were entered; ``now`` is when running dwell stops;
    ``pages_total`` counts every page viewed when ``pages`` holds only the latest.

    ``current_page`` is the page entered last among those still open (the tab the
    visitor used last), and null while the visitor is offline.
    """
    open_running = sum(running_dwell(page, now) for page in pages if page.left_at is None)
    current = None
    if online:
        current = next((page for page in reversed(pages) if page.left_at is None), None)
        if current is None and pages:
            current = pages[-1]
    agent = visitor.user_agent
    return {
        "id": visitor.id,
        "site_id": visitor.site_id,
        "online": online,
        "name": visitor.name,
        "email": visitor.email,
        "first_seen_at": iso(visitor.first_seen_at),
        "last_seen_at": iso(visitor.last_seen_at),
        "visits": visitor.visits,
        "ip": visitor.ip,
        "geo": visitor.geo,
        "user_agent": (
            {"browser": agent.get("browser"), "os": agent.get("os"), "device": agent.get("device")}
            if agent
            else None
        ),
        "is_bot": visitor.is_bot,
        "campaign": visitor.campaign,
        "current_page": {"url": current.url, "title": current.title} if current else None,
        "pages": [page_view(page, now) for page in pages],
        "pages_total": max(pages_total or 0, len(pages)),
        "search_keywords": [
            {"keyword": k.keyword, "source": k.source, "at": iso(k.at)} for k in keywords
        ],
        "time_on_site_seconds": round(visitor.dwell_closed_seconds + open_running, 3),
    }


def journey_view(
    journey: Journey, online: bool, now: datetime, page_limit: int | None
) -> dict[str, Any]:
    """The Visitor shape of a journey as committed; ``now`` is when running dwell stops."""
    # Pages of an offline visitor still open are orphans of a dead process: their
    # clock stopped when the visitor was last seen.
    as_of = now if online else min(now, journey.visitor.last_seen_at)
    view = visitor_view(
        cast(Visitor, journey.visitor),
        cast(list[PageView], journey.pages),
        cast(list[SearchKeyword], journey.keywords),
        online,
        as_of,
        journey.pages_total,
    )
    if page_limit is not None:
        view["pages"] = view["pages"][-page_limit:]
    return view
