"""Searching messages and visitors: what a caller's scope may see, newest first.

Messages are matched through the index (every query word a prefix of a word of the
message, so ``kargo`` finds ``kargoyu``); visitors by name (a word starting with each
query word) or e-mail (containing it), folded in SQL the same way for the Turkish
letters. A visitor hit names the visitor's latest conversation (a visitor without
one is not found), with ``message_id`` and ``seq`` null and the visitor's last visit
as ``created_at``. Internal notes are
found: only agents search.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, or_, select, text

from chat_server.model.scope import Scope
from chat_server.model.tables import Conversation, Message, Visitor
from chat_server.runtime.state import Runtime
from chat_server.search.folding import matches_all, query_words, snippet
from chat_server.search.index import SEARCH
from chat_server.wire.views import iso

MESSAGE = Message.__table__
CONVERSATION = Conversation.__table__
VISITOR = Visitor.__table__
MAX_RESULTS = 50
DEFAULT_RESULTS = 20
MAX_QUERY_CHARS = 200

_MATCH = {
    "sqlite": "message_search MATCH :match",
    "postgresql": "message_search.document @@ to_tsquery('simple', :match)",
}
# SQL has no Turkish folding on both dialects: these replacements, then lower(), give
# the same result as ``folding.fold`` for the letters names and addresses use here.
_SQL_FOLDS = (
    ("İ", "i"), ("I", "i"), ("ı", "i"), ("Ç", "c"), ("ç", "c"), ("Ğ", "g"), ("ğ", "g"),
    ("Ö", "o"), ("ö", "o"), ("Ş", "s"), ("ş", "s"), ("Ü", "u"), ("ü", "u"),
    ("Â", "a"), ("â", "a"), ("Î", "i"), ("î", "i"), ("Û", "u"), ("û", "u"),
)  # fmt: skip


def _match_expression(dialect: str, words: list[str]) -> str:
    """Every word as a prefix: FTS5 ``"w"* "v"*``, PostgreSQL ``'w':* & 'v':*``
    (words are letters and digits only, so quoting them is enough)."""
    if dialect == "postgresql":
        return " & ".join(f"'{word}':*" for word in words)
    return " ".join(f'"{word}"*' for word in words)


def _folded(value: ColumnElement[Any]) -> ColumnElement[Any]:
    for letter, plain in _SQL_FOLDS:
        value = func.replace(value, letter, plain)
    return func.lower(value)


async def search(
    rt: Runtime, query: str, scope: Scope, site_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """Up to ``limit`` hits for ``query`` in the caller's sites (or ``site_id`` of them)."""
    words = query_words(query)
    sites = scope.narrow(site_id)
    if not words or (sites is not None and not sites):
        return []
    return await rt.db.read(lambda connection: _search(connection, words, sites, limit))


def _search(
    connection: Connection, words: list[str], sites: frozenset[str] | None, limit: int
) -> list[dict[str, Any]]:
    hits = _messages(connection, words, sites, limit) + _visitors(connection, words, sites, limit)
    hits.sort(key=lambda hit: hit[0], reverse=True)
    return [view for _, view in hits[:limit]]


def _messages(
    connection: Connection, words: list[str], sites: frozenset[str] | None, limit: int
) -> list[tuple[datetime, dict[str, Any]]]:
    dialect = connection.dialect.name
    statement = (
        select(
            MESSAGE.c.id,
            MESSAGE.c.conversation_id,
            MESSAGE.c.seq,
            MESSAGE.c.text,
            MESSAGE.c.created_at,
            CONVERSATION.c.visitor_id,
        )
        .select_from(
            SEARCH.join(MESSAGE, MESSAGE.c.id == SEARCH.c.message_id).join(
                CONVERSATION, CONVERSATION.c.id == MESSAGE.c.conversation_id
            )
        )
        .where(text(_MATCH[dialect]).bindparams(match=_match_expression(dialect, words)))
        .order_by(MESSAGE.c.created_at.desc(), MESSAGE.c.seq.desc())
        .limit(limit)
    )
    if sites is not None:
        statement = statement.where(CONVERSATION.c.site_id.in_(sorted(sites)))
    return [
        (
            row.created_at,
            {
                "conversation_id": row.conversation_id,
                "message_id": row.id,
                "seq": row.seq,
                "snippet": snippet(row.text, words),
                "created_at": iso(row.created_at),
                "visitor_id": row.visitor_id,
            },
        )
        for row in connection.execute(statement)
        # An index row left behind by a deletion that forgot it is never shown.
        if matches_all(row.text, words)
    ]


def _visitors(
    connection: Connection, words: list[str], sites: frozenset[str] | None, limit: int
) -> list[tuple[datetime, dict[str, Any]]]:
    name = _folded(func.coalesce(VISITOR.c.name, ""))
    email = _folded(func.coalesce(VISITOR.c.email, ""))
    latest = (
        select(CONVERSATION.c.id)
        .where(CONVERSATION.c.visitor_id == VISITOR.c.id)
        .order_by(CONVERSATION.c.created_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    statement = (
        select(VISITOR.c.id, VISITOR.c.name, VISITOR.c.email, VISITOR.c.last_seen_at, latest)
        .where(
            or_(VISITOR.c.name.is_not(None), VISITOR.c.email.is_not(None)),
            # A hit names a conversation: a visitor who never chatted has none to open.
            latest.is_not(None),
            and_(
                *(
                    or_(name.like(f"{word}%"), name.like(f"% {word}%"), email.like(f"%{word}%"))
                    for word in words
                )
            ),
        )
        .order_by(VISITOR.c.last_seen_at.desc())
        .limit(limit)
    )
    if sites is not None:
        statement = statement.where(VISITOR.c.site_id.in_(sorted(sites)))
    hits = []
    for (
        visitor_id,
        visitor_name,
        visitor_email,
        last_seen_at,
        conversation_id,
    ) in connection.execute(statement):
        label = " ".join(
            part for part in (visitor_name, f"<{visitor_email}>" if visitor_email else None) if part
        )
        hits.append(
            (
                last_seen_at,
                {
                    "conversation_id": conversation_id,
                    "message_id": None,
                    "seq": None,
                    "snippet": snippet(label, words),
                    "created_at": iso(last_seen_at),
                    "visitor_id": visitor_id,
                },
            )
        )
    return hits
