"""A site's FAQ entries: what the assistant may answer with, written by managers.

An entry belongs to one site and one language (``tr`` or ``en``); its question is
unique in the two, so an import can update an entry by its question. Managers and
admins write the entries of their sites; agents only search them (``matching``).
Another site's entry answers ``not_found`` as if it did not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from chat_server.model.assistant_tables import FaqEntry
from chat_server.model.errors import Conflict, DomainError, NotFound
from chat_server.model.scope import Scope
from chat_server.model.tables import Site, new_id, utcnow
from chat_server.runtime.state import Runtime

ENTRY = FaqEntry.__table__
LOCALES = ("tr", "en")
MAX_QUESTION = 500
MAX_ANSWER = 5000
MAX_ALTERNATES = 30
STEP = timedelta(microseconds=1)


class InvalidEntry(DomainError):
    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"invalid_{field}", message)


@dataclass(frozen=True, slots=True)
class FaqEntryView:
    id: str
    site_id: str
    locale: str
    question: str
    answer: str
    alternates: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "site_id": self.site_id,
            "locale": self.locale,
            "question": self.question,
            "answer": self.answer,
            "alternates": list(self.alternates),
        }


def entry_view(row: Any) -> FaqEntryView:
    return FaqEntryView(
        row.id, row.site_id, row.locale, row.question, row.answer, tuple(row.alternates or ())
    )


def _text(body: dict[str, Any], field: str, limit: int) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > limit:
        raise InvalidEntry(field, f"{field} is 1 to {limit} characters")
    return value.strip()


def check_alternates(value: Any) -> list[str]:
    """Other wordings of the question: a list of strings (empty ones dropped)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidEntry("alternates", "alternates is a list of strings")
    cleaned = [item.strip() for item in value if item.strip()]
    if len(cleaned) > MAX_ALTERNATES or any(len(item) > MAX_QUESTION for item in cleaned):
        raise InvalidEntry(
            "alternates",
            f"at most {MAX_ALTERNATES} alternates of at most {MAX_QUESTION} characters",
        )
    return list(dict.fromkeys(cleaned))


def check_body(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    """The fields of ``body`` as stored; ``422 invalid_<field>`` for a bad one. Fields
    left out of an update keep their values; unknown fields are ignored."""
    fields: dict[str, Any] = {}
    if creating:
        site_id = body.get("site_id")
        if not isinstance(site_id, str) or not site_id:
            raise InvalidEntry("site_id", "site_id is required: the site the entry belongs to")
        fields["site_id"] = site_id
    if creating or "locale" in body:
        if body.get("locale") not in LOCALES:
            raise InvalidEntry("locale", "locale is tr or en")
        fields["locale"] = body["locale"]
    if creating or "question" in body:
        fields["question"] = _text(body, "question", MAX_QUESTION)
    if creating or "answer" in body:
        fields["answer"] = _text(body, "answer", MAX_ANSWER)
    if creating or "alternates" in body:
        fields["alternates"] = check_alternates(body.get("alternates"))
    return fields


def require_site(connection: Connection, scope: Scope, site_id: str) -> None:
    """``not_found`` for a site that does not exist or lies outside ``scope``."""
    scope.require(site_id, "site")
    if connection.execute(select(Site.id).where(Site.id == site_id)).first() is None:
        raise NotFound("not_found", "no such site")


def _check_unique(connection: Connection, fields: dict[str, Any], entry_id: str | None) -> None:
    clash = connection.execute(
        select(ENTRY.c.id).where(
            ENTRY.c.site_id == fields["site_id"],
            ENTRY.c.locale == fields["locale"],
            ENTRY.c.question == fields["question"],
            ENTRY.c.id != (entry_id or ""),
        )
    ).first()
    if clash is not None:
        raise Conflict("question_taken", "this site already has this question in this language")


async def list_entries(
    rt: Runtime, scope: Scope, site_id: str | None, locale: str | None
) -> list[FaqEntryView]:
    """The entries of the caller's sites (or of ``site_id``), by site, language, question."""
    sites = scope.narrow(site_id)
    query = select(ENTRY).order_by(ENTRY.c.site_id, ENTRY.c.locale, ENTRY.c.question)
    if sites is not None:
        query = query.where(ENTRY.c.site_id.in_(sorted(sites)))
    if locale:
        query = query.where(ENTRY.c.locale == locale)
    return await rt.db.read(
        lambda connection: [entry_view(row) for row in connection.execute(query)]
    )


def next_stamp(connection: Connection, site_id: str, locale: str) -> datetime:
    """``updated_at`` for a write to a site's entries of a language: now, or just after the
    newest one when a process's clock runs behind, so the newest ``updated_at`` (what
    ``matching`` checks before reusing its index) moves with every write."""
    newest = connection.execute(
        select(func.max(ENTRY.c.updated_at)).where(
            ENTRY.c.site_id == site_id, ENTRY.c.locale == locale
        )
    ).scalar()
    now = utcnow()
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return max(now, newest + STEP) if newest is not None else now


def insert_entry(connection: Connection, fields: dict[str, Any]) -> str:
    now = next_stamp(connection, fields["site_id"], fields["locale"])
    entry_id = new_id()
    connection.execute(
        insert(ENTRY), {"id": entry_id, "created_at": now, "updated_at": now, **fields}
    )
    return entry_id


def _one(connection: Connection, entry_id: str) -> FaqEntryView:
    return entry_view(connection.execute(select(ENTRY).where(ENTRY.c.id == entry_id)).one())


def _create(connection: Connection, scope: Scope, fields: dict[str, Any]) -> FaqEntryView:
    require_site(connection, scope, fields["site_id"])
    _check_unique(connection, fields, None)
    return _one(connection, insert_entry(connection, fields))


async def create_entry(rt: Runtime, scope: Scope, fields: dict[str, Any]) -> FaqEntryView:
    return await rt.db.write(lambda connection: _create(connection, scope, fields))


def _existing(connection: Connection, scope: Scope, entry_id: str) -> Any:
    row = connection.execute(select(ENTRY).where(ENTRY.c.id == entry_id)).first()
    if row is None or not scope.allows(row.site_id):
        raise NotFound("not_found", "no such FAQ entry")
    return row


def _update(
    connection: Connection, scope: Scope, entry_id: str, fields: dict[str, Any]
) -> FaqEntryView:
    current = _existing(connection, scope, entry_id)
    wanted = {"site_id": current.site_id, "locale": current.locale, "question": current.question}
    wanted.update({key: fields[key] for key in ("locale", "question") if key in fields})
    _check_unique(connection, wanted, entry_id)
    if fields:
        connection.execute(
            update(ENTRY)
            .where(ENTRY.c.id == entry_id)
            .values(**fields, updated_at=next_stamp(connection, current.site_id, wanted["locale"]))
        )
    return _one(connection, entry_id)


async def update_entry(
    rt: Runtime, scope: Scope, entry_id: str, fields: dict[str, Any]
) -> FaqEntryView:
    return await rt.db.write(lambda connection: _update(connection, scope, entry_id, fields))


def _delete(connection: Connection, scope: Scope, entry_id: str) -> None:
    _existing(connection, scope, entry_id)
    connection.execute(delete(ENTRY).where(ENTRY.c.id == entry_id))


async def delete_entry(rt: Runtime, scope: Scope, entry_id: str) -> None:
    await rt.db.write(lambda connection: _delete(connection, scope, entry_id))


def _only_site(connection: Connection, scope: Scope) -> str:
    query = select(Site.id).order_by(Site.id).limit(2)
    if scope.site_ids is not None:
        query = query.where(Site.id.in_(sorted(scope.site_ids)))
    found = [row.id for row in connection.execute(query)]
    if len(found) != 1:
        raise InvalidEntry("site_id", "site_id is required: the caller has several sites")
    return found[0]


async def site_for(rt: Runtime, scope: Scope, site_id: str | None) -> tuple[str, str | None]:
    """The site a call is about (``site_id``, or the caller's only site) and its language;
    ``not_found`` for a site outside the caller's."""

    def resolve(connection: Connection) -> tuple[str, str | None]:
        chosen = site_id or _only_site(connection, scope)
        require_site(connection, scope, chosen)
        locale = connection.execute(select(Site.locale).where(Site.id == chosen)).scalar()
        return chosen, locale

    return await rt.db.read(resolve)
