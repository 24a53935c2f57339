"""Canned replies: ready answers an agent inserts by typing ``/shortcut``.

A reply belongs to one site, or to every site (``site_id`` null). Agents read their
sites' replies and the shared ones; managers write those of their sites; admins write
any, and only admins write shared ones. A shortcut is lower-cased (``İ`` and ``I``
to ``i``), may start with ``/`` (dropped), and is ``[a-z0-9_-]{1,32}``; it is unique
per site and locale (``409 shortcut_taken``). ``{{visitor.name}}``, ``{{agent.name}}``
and ``{{site.name}}`` in the text are filled when the reply is used (:func:`fill`),
an unknown value by a neutral word in the reply's language.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from chat_server.model.errors import Conflict, DomainError, Forbidden, NotFound
from chat_server.model.scope import Scope
from chat_server.model.tables import CannedReply, Conversation, Role, Site, Visitor, new_id, utcnow
from chat_server.runtime.state import Runtime

REPLY = CannedReply.__table__
SHORTCUT = re.compile(r"[a-z0-9_-]{1,32}")
MAX_TITLE = 200
MAX_TEXT = 5000
LOCALES = ("tr", "en")
PLACEHOLDER = re.compile(r"\{\{\s*(visitor\.name|agent\.name|site\.name)\s*\}\}")
#: What a placeholder becomes when its value is unknown (a visitor who gave no name).
NEUTRAL = {
    "tr": {"visitor.name": "efendim", "agent.name": "temsilciniz", "site.name": "mağazamız"},
    "en": {"visitor.name": "there", "agent.name": "your agent", "site.name": "our store"},
}


class InvalidReply(DomainError):
    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"invalid_{field}", message)


def normal_shortcut(value: str) -> str:
    return value.strip().lstrip("/").replace("İ", "i").replace("I", "i").lower()


def check_body(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The fields of ``body`` as stored; ``422 invalid_<field>`` for a bad one. Fields
    left out of an update keep their values; unknown fields are ignored."""
    fields: dict[str, Any] = {}
    if creating or "shortcut" in body:
        shortcut = body.get("shortcut")
        if not isinstance(shortcut, str) or not SHORTCUT.fullmatch(normal_shortcut(shortcut)):
            raise InvalidReply("shortcut", "a shortcut is 1 to 32 letters a-z, digits, '-' or '_'")
        fields["shortcut"] = normal_shortcut(shortcut)
    if creating or "title" in body:
        title = body.get("title")
        if not isinstance(title, str) or not title.strip() or len(title.strip()) > MAX_TITLE:
            raise InvalidReply("title", f"a title is 1 to {MAX_TITLE} characters")
        fields["title"] = title.strip()
    if creating or "text" in body:
        text = body.get("text")
        if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
            raise InvalidReply("text", f"the text is 1 to {MAX_TEXT} characters")
        fields["text"] = text
    if "locale" in body or creating:
        locale = body.get("locale")
        if locale is not None and locale not in LOCALES:
            raise InvalidReply("locale", "locale is tr, en or null (any language)")
        fields["locale"] = locale
    if "site_id" in body or creating:
        site_id = body.get("site_id")
        if site_id is not None and (not isinstance(site_id, str) or not site_id):
            raise InvalidReply("site_id", "site_id is a site id or null (every site)")
        fields["site_id"] = site_id
    return fields


def view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "site_id": row.site_id,
        "shortcut": row.shortcut,
        "title": row.title,
        "text": row.text,
        "locale": row.locale,
    }


def _visible_query(scope: Scope, site_id: str | None) -> Any:
    query = select(REPLY).order_by(REPLY.c.shortcut, REPLY.c.locale, REPLY.c.site_id, REPLY.c.id)
    sites = scope.narrow(site_id)
    if sites is not None:
        query = query.where(REPLY.c.site_id.is_(None) | REPLY.c.site_id.in_(sorted(sites)))
    return query


async def list_replies(rt: Runtime, scope: Scope, site_id: str | None) -> list[dict[str, Any]]:
    """The caller's sites' replies and the shared ones (``site_id``: that site's and the shared)."""
    query = _visible_query(scope, site_id)
    return await rt.db.read(lambda connection: [view(row) for row in connection.execute(query)])


def _require_writable(scope: Scope, site_id: str | None) -> None:
    scope.require(site_id, "canned reply")
    if site_id is None and scope.role != Role.admin.value:
        raise Forbidden("forbidden", "only admins write the replies shared by every site")


def _check_site(connection: Connection, scope: Scope, site_id: str | None) -> None:
    scope.require(site_id, "site")
    if (
        site_id is not None
        and connection.execute(select(Site.id).where(Site.id == site_id)).first() is None
    ):
        raise NotFound("not_found", "no such site")
    _require_writable(scope, site_id)


def _check_unique(connection: Connection, fields: dict[str, Any], reply_id: str | None) -> None:
    clash = connection.execute(
        select(REPLY.c.id).where(
            REPLY.c.shortcut == fields["shortcut"],
            REPLY.c.site_id.is_(None)
            if fields["site_id"] is None
            else REPLY.c.site_id == fields["site_id"],
            REPLY.c.locale.is_(None)
            if fields["locale"] is None
            else REPLY.c.locale == fields["locale"],
            REPLY.c.id != (reply_id or ""),
        )
    ).first()
    if clash is not None:
        raise Conflict(
            "shortcut_taken", f"/{fields['shortcut']} already exists for this site and language"
        )


def _create(connection: Connection, scope: Scope, fields: dict[str, Any]) -> dict[str, Any]:
    _check_site(connection, scope, fields["site_id"])
    _check_unique(connection, fields, None)
    now = utcnow()
    row = {"id": new_id(), "created_at": now, "updated_at": now, **fields}
    connection.execute(insert(REPLY), row)
    return view(connection.execute(select(REPLY).where(REPLY.c.id == row["id"])).one())


async def create_reply(rt: Runtime, scope: Scope, fields: dict[str, Any]) -> dict[str, Any]:
    return await rt.db.write(lambda connection: _create(connection, scope, fields))


def _existing(connection: Connection, scope: Scope, reply_id: str) -> Any:
    row = connection.execute(select(REPLY).where(REPLY.c.id == reply_id)).first()
    if row is None or not scope.allows(row.site_id):
        raise NotFound("not_found", "no such canned reply")
    return row


def _update(
    connection: Connection, scope: Scope, reply_id: str, fields: dict[str, Any]
) -> dict[str, Any]:
    current = _existing(connection, scope, reply_id)
    _require_writable(scope, current.site_id)
    wanted = {**view(current), **fields}
    if "site_id" in fields and fields["site_id"] != current.site_id:
        _check_site(connection, scope, fields["site_id"])
    _check_unique(connection, wanted, reply_id)
    if fields:
        connection.execute(
            update(REPLY).where(REPLY.c.id == reply_id).values(**fields, updated_at=utcnow())
        )
    return view(connection.execute(select(REPLY).where(REPLY.c.id == reply_id)).one())


async def update_reply(
    rt: Runtime, scope: Scope, reply_id: str, fields: dict[str, Any]
) -> dict[str, Any]:
    return await rt.db.write(lambda connection: _update(connection, scope, reply_id, fields))


def _delete(connection: Connection, scope: Scope, reply_id: str) -> None:
    _require_writable(scope, _existing(connection, scope, reply_id).site_id)
    connection.execute(delete(REPLY).where(REPLY.c.id == reply_id))


async def delete_reply(rt: Runtime, scope: Scope, reply_id: str) -> None:
    await rt.db.write(lambda connection: _delete(connection, scope, reply_id))


def fill(text: str, values: dict[str, str | None], locale: str | None) -> str:
    """``text`` with its placeholders filled; an unknown value by a neutral word."""
    neutral = NEUTRAL.get(locale or "", NEUTRAL["en"])

    def replace(match: re.Match[str]) -> str:
        return values.get(match.group(1)) or neutral[match.group(1)]

    return PLACEHOLDER.sub(replace, text)


def _rendered(
    connection: Connection, scope: Scope, reply_id: str, conversation_id: str | None, agent: str
) -> dict[str, Any]:
    reply = _existing(connection, scope, reply_id)
    values: dict[str, str | None] = {"agent.name": agent}
    site_locale = None
    if conversation_id:
        row = connection.execute(
            select(Visitor.name, Site.name.label("site_name"), Site.locale, Conversation.site_id)
            .join_from(Conversation, Visitor, Visitor.id == Conversation.visitor_id)
            .join(Site, Site.id == Conversation.site_id)
            .where(Conversation.id == conversation_id)
        ).first()
        if row is None or not scope.allows(row.site_id):
            raise NotFound("not_found", "no such conversation")
        values.update({"visitor.name": row.name, "site.name": row.site_name})
        site_locale = row.locale
    text = fill(reply.text, values, reply.locale or site_locale)
    return {**view(reply), "text": text}


async def render_reply(
    rt: Runtime, scope: Scope, reply_id: str, conversation_id: str | None, agent_name: str
) -> dict[str, Any]:
    """The reply with its placeholders filled for ``conversation_id`` and the caller."""
    return await rt.db.read(
        lambda connection: _rendered(connection, scope, reply_id, conversation_id, agent_name)
    )
