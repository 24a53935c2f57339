"""Questions the assistant could not answer, for managers to turn into FAQ entries.

A question is kept once per site and language by its folded words (``key``), with how
many times it was asked and the latest wording, so "KARGOM NEREDE?" and "kargom nerede"
are one line in the managers' list, most asked first.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from chat_server.model.assistant_tables import AssistantQuestion
from chat_server.model.errors import NotFound
from chat_server.model.scope import Scope
from chat_server.model.tables import new_id, utcnow
from chat_server.runtime.state import Runtime
from chat_server.search.folding import WORD, fold
from chat_server.wire.views import iso

QUESTION = AssistantQuestion.__table__
MAX_TEXT = 500
MAX_LISTED = 200


def question_key(text: str) -> str:
    return " ".join(WORD.findall(fold(text)))[:MAX_TEXT]


def _record(
    connection: Connection, site_id: str, locale: str, text: str, conversation_id: str | None
) -> None:
    key = question_key(text)
    if not key:
        return
    now = utcnow()
    wording = text.strip()[:MAX_TEXT]
    found = connection.execute(
        select(QUESTION.c.id).where(
            QUESTION.c.site_id == site_id, QUESTION.c.locale == locale, QUESTION.c.key == key
        )
    ).scalar()
    if found is not None:
        connection.execute(
            update(QUESTION)
            .where(QUESTION.c.id == found)
            .values(
                count=QUESTION.c.count + 1,
                text=wording,
                last_at=now,
                conversation_id=conversation_id,
            )
        )
        return
    connection.execute(
        insert(QUESTION),
        {
            "id": new_id(),
            "site_id": site_id,
            "locale": locale,
            "key": key,
            "text": wording,
            "count": 1,
            "conversation_id": conversation_id,
            "first_at": now,
            "last_at": now,
        },
    )


async def record_unanswered(
    rt: Runtime, site_id: str, locale: str, text: str, conversation_id: str | None
) -> None:
    """Count ``text`` as a question the assistant of ``site_id`` could not answer."""
    await rt.db.write(
        lambda connection: _record(connection, site_id, locale, text, conversation_id)
    )


def _view(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "site_id": row.site_id,
        "locale": row.locale,
        "text": row.text,
        "count": row.count,
        "conversation_id": row.conversation_id,
        "first_at": iso(row.first_at),
        "last_at": iso(row.last_at),
    }


async def list_unanswered(rt: Runtime, scope: Scope, site_id: str | None) -> list[dict[str, Any]]:
    """The caller's sites' unanswered questions, most asked first, then the latest."""
    sites = scope.narrow(site_id)
    query = (
        select(QUESTION)
        .order_by(QUESTION.c.count.desc(), QUESTION.c.last_at.desc(), QUESTION.c.id)
        .limit(MAX_LISTED)
    )
    if sites is not None:
        query = query.where(QUESTION.c.site_id.in_(sorted(sites)))
    return await rt.db.read(lambda connection: [_view(row) for row in connection.execute(query)])


def _dismiss(connection: Connection, scope: Scope, question_id: str) -> None:
    row = connection.execute(select(QUESTION.c.site_id).where(QUESTION.c.id == question_id)).first()
    if row is None or not scope.allows(row.site_id):
        raise NotFound("not_found", "no such question")
    connection.execute(delete(QUESTION).where(QUESTION.c.id == question_id))


async def dismiss_unanswered(rt: Runtime, scope: Scope, question_id: str) -> None:
    """Take a question off the list (answered by a new entry, or not worth one)."""
    await rt.db.write(lambda connection: _dismiss(connection, scope, question_id))
