"""FAQ entries imported in bulk: a CSV file or a JSON array, all rows or none.

CSV has a header row ``question,answer,locale,alternates`` (``alternates`` may be left
out; several are separated by ``|``); JSON is an array of entry objects (or an object
with ``"entries"``). A row whose question and language match an entry of the site
updates it; any other row adds one. One bad row refuses the whole import with ``422``,
naming the row (the first data row is row 1).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
from sqlalchemy import Connection, select, update

from chat_server.assistant.faq import (
    ENTRY,
    FaqEntryView,
    InvalidEntry,
    check_body,
    entry_view,
    insert_entry,
    next_stamp,
    require_site,
)
from chat_server.model.errors import DomainError
from chat_server.model.scope import Scope
from chat_server.runtime.state import Runtime

MAX_ROWS = 2000
REQUIRED_COLUMNS = ("question", "answer", "locale")


class InvalidImport(DomainError):
    status = 422

    def __init__(self, row: int | None, message: str) -> None:
        where = f"row {row}: " if row is not None else ""
        super().__init__("invalid_import", where + message)
        self.row = row


def _csv_rows(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise InvalidImport(None, "the header row needs question,answer,locale[,alternates]")
    reader.fieldnames = header
    rows: list[dict[str, Any]] = []
    for number, record in enumerate(reader, start=1):
        if None in record:
            raise InvalidImport(number, "more fields than the header names")
        alternates = (record.get("alternates") or "").split("|")
        rows.append(
            {
                "question": record.get("question") or "",
                "answer": record.get("answer") or "",
                "locale": (record.get("locale") or "").strip().lower(),
                "alternates": [item for item in alternates if item.strip()],
            }
        )
    return rows


def _json_rows(body: bytes) -> list[dict[str, Any]]:
    try:
        parsed = orjson.loads(body)
    except (orjson.JSONDecodeError, RecursionError):
        raise InvalidImport(None, "the body is neither a CSV file nor JSON") from None
    if isinstance(parsed, dict) and isinstance(parsed.get("entries"), list):
        parsed = parsed["entries"]
    if not isinstance(parsed, list):
        raise InvalidImport(None, "JSON must be an array of entries")
    for number, item in enumerate(parsed, start=1):
        if not isinstance(item, dict):
            raise InvalidImport(number, "each entry is an object")
    return parsed


def parse(body: bytes, content_type: str) -> list[dict[str, Any]]:
    """The checked fields of every row, in order; :class:`InvalidImport` for a bad one."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" or (kind != "text/csv" and body.lstrip()[:1] in (b"[", b"{")):
        raw = _json_rows(body)
    else:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidImport(None, "a CSV file must be UTF-8") from None
        if "\x00" in text:
            raise InvalidImport(None, "the file must not contain NUL characters")
        try:
            raw = _csv_rows(text)
        except csv.Error as error:
            raise InvalidImport(None, f"not a readable CSV file ({error})") from None
    if not raw:
        raise InvalidImport(None, "there is no entry to import")
    if len(raw) > MAX_ROWS:
        raise InvalidImport(None, f"at most {MAX_ROWS} entries per import")
    rows: list[dict[str, Any]] = []
    for number, item in enumerate(raw, start=1):
        try:
            fields = check_body({**item, "site_id": "-"}, creating=True)
        except InvalidEntry as error:
            raise InvalidImport(number, error.message) from None
        del fields["site_id"]
        rows.append(fields)
    return rows


def _store(
    connection: Connection, scope: Scope, site_id: str, rows: list[dict[str, Any]]
) -> list[FaqEntryView]:
    require_site(connection, scope, site_id)
    stored: dict[str, None] = {}
    for fields in rows:
        existing = connection.execute(
            select(ENTRY.c.id).where(
                ENTRY.c.site_id == site_id,
                ENTRY.c.locale == fields["locale"],
                ENTRY.c.question == fields["question"],
            )
        ).scalar()
        if existing is None:
            existing = insert_entry(connection, {**fields, "site_id": site_id})
        else:
            connection.execute(
                update(ENTRY)
                .where(ENTRY.c.id == existing)
                .values(
                    answer=fields["answer"],
                    alternates=fields["alternates"],
                    updated_at=next_stamp(connection, site_id, fields["locale"]),
                )
            )
        stored[existing] = None
    found = connection.execute(select(ENTRY).where(ENTRY.c.id.in_(list(stored))))
    by_id = {row.id: entry_view(row) for row in found}
    return [by_id[entry_id] for entry_id in stored]


async def import_entries(
    rt: Runtime, scope: Scope, site_id: str, rows: list[dict[str, Any]]
) -> list[FaqEntryView]:
    """Add or update every row in one transaction; the entries as stored, in row order."""
    return await rt.db.write(lambda connection: _store(connection, scope, site_id, rows))
