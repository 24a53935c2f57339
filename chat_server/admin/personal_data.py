"""KVKK/GDPR: export and erase everything known about a visitor, audited; a site's
IP setting applied to what is already stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from chat_server.model.errors import NotFound
from chat_server.model.scope import Scope
from chat_server.model.tables import (
    Agent,
    AuditLog,
    Conversation,
    IpMode,
    Message,
    Site,
    Visitor,
    Wait,
    utcnow,
)
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.visitors.erasure import erase
from chat_server.visitors.queries import visitor_detail
from chat_server.visitors.rules import stored_ip
from chat_server.visitors.updates import Update
from chat_server.wire.views import iso, message_view


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


async def export_visitor(
    rt: Runtime, visitor_id: str, actor: Agent, scope: Scope
) -> dict[str, Any]:
    profile = await visitor_detail(rt, visitor_id, scope)
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
        stored = {
            "name": visitor.name,
            "email": visitor.email,
            "ip": visitor.ip,
            "geo": visitor.geo,
            "user_agent": visitor.user_agent,
            "campaign": visitor.campaign,
            "is_bot": visitor.is_bot,
        }
    await audit(rt, actor, "visitor.export", visitor_id)
    return {
        "exported_at": iso(utcnow()),
        "visitor": profile,
        # Everything stored on the visitor's row, as stored (the user agent as parsed:
        # the raw header is never kept; the identifying token is a random secret).
        "stored": stored,
        "conversations": exported,
    }


async def erase_visitor(rt: Runtime, visitor_id: str, actor: Agent) -> None:
    async def erase_audited() -> Update:
        erased = await erase(rt, visitor_id)
        await audit(rt, actor, "visitor.delete", visitor_id)
        return erased

    await deliver(rt, erase_audited())  # then consoles drop the erased visitor


async def apply_ip_mode(rt: Runtime, site: Site) -> int:
    """Bring the site's stored visitor IPs in line with its ``ip_mode`` (after the setting
    tightens: ``truncate`` cuts stored addresses, ``none`` removes them); returns how many
    visitors changed."""
    if site.ip_mode == IpMode.full:
        return 0
    changed = 0
    async with rt.db.writing() as session:
        if site.ip_mode == IpMode.none:
            result = await session.execute(
                update(Visitor)
                .where(Visitor.site_id == site.id, Visitor.ip.is_not(None))
                .values(ip=None)
            )
            changed = result.rowcount or 0
        else:
            rows = (
                await session.execute(
                    select(Visitor).where(Visitor.site_id == site.id, Visitor.ip.is_not(None))
                )
            ).scalars()
            for visitor in rows:
                cut = stored_ip(site, visitor.ip)
                if cut != visitor.ip:
                    visitor.ip = cut
                    changed += 1
    if changed:
        await audit(rt, None, "site.ip_mode", site.id, {"mode": site.ip_mode, "visitors": changed})
        await rt.db.checkpoint()
    return changed
