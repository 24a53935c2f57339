"""KVKK/GDPR: export and erase everything known about a visitor, audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from chat_server import visitors
from chat_server.errors import NotFound
from chat_server.models import Agent, AuditLog, Conversation, Message, Visitor, Wait, utcnow
from chat_server.protocol import iso
from chat_server.runtime import Runtime
from chat_server.views import message_view


async def audit(
    rt: Runtime,
    actor: Agent | None,
    action: str,
    subject: str,
    detail: dict[str, Any] | None = None,
) -> None:
    async with rt.db.writing() as session:
        session.add(
            AuditLog(
                at=utcnow(),
                actor_id=actor.id if actor else None,
                action=action,
                subject=subject,
                detail=detail,
            )
        )


async def export_visitor(rt: Runtime, visitor_id: str, actor: Agent) -> dict[str, Any]:
    profile = await visitors.visitor_detail(rt, visitor_id)
    async with rt.db.reading() as session:
        visitor = await session.get(Visitor, visitor_id)
        if visitor is None:
            raise NotFound("visitor_not_found", "no such visitor")
        rows = list(
            (
                await session.execute(
                    select(Conversation)
                    .where(Conversation.visitor_id == visitor_id)
                    .order_by(Conversation.created_at)
                )
            ).scalars()
        )
        exported = []
        for conversation in rows:
            messages = (
                await session.execute(
                    select(Message)
                    .where(Message.conversation_id == conversation.id)
                    .order_by(Message.seq)
                )
            ).scalars()
            waits = (
                await session.execute(select(Wait).where(Wait.conversation_id == conversation.id))
            ).scalars()
            exported.append(
                {
                    "id": conversation.id,
                    "status": conversation.status,
                    "created_at": iso(conversation.created_at),
                    "resolved_at": iso(conversation.resolved_at),
                    "rating": conversation.rating,
                    "rating_comment": conversation.rating_comment,
                    "messages": [message_view(m) for m in messages],
                    "waits": [
                        {
                            "kind": w.kind,
                            "status": w.status,
                            "opened_at": iso(w.opened_at),
                            "closed_at": iso(w.closed_at),
                        }
                        for w in waits
                    ],
                }
            )
    await audit(rt, actor, "visitor.export", visitor_id)
    return {
        "exported_at": iso(utcnow()),
        "visitor": profile,
        "token_issued": True,
        "user_agent_raw": None,
        "conversations": exported,
    }


async def erase_visitor(rt: Runtime, visitor_id: str, actor: Agent) -> None:
    await visitors.erase(rt, visitor_id)
    await audit(rt, actor, "visitor.delete", visitor_id)
