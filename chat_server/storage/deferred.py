"""Rows a write adds that nothing in its own batch reads again, inserted together at the
end of the batch: one ``executemany`` per statement instead of one round through
SQLAlchemy per row.

:meth:`Database.write <chat_server.storage.database.Database.write>` runs the writes
queued together in one transaction (group commit). A write function that adds a row
only searches read later (a message's search-index row) hands it to :func:`add`; the
batch runner calls :func:`flush` after the last write and before the commit, so the
rows commit with the writes that made them, or not at all. Outside such a batch (a
write function run inside an ORM session, say), :func:`add` executes the row at once:
nothing waits for a flush that would never come.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Executable

from chat_server.storage.prepared import Prepared

#: ``Connection.info`` key: the rows waiting for this batch's flush, by statement.
_PENDING = "chat_server.deferred_rows"


def begin(connection: Connection) -> None:
    """A batch starts on ``connection``: rows added from now on wait for :func:`flush`."""
    connection.info[_PENDING] = {}


def add(connection: Connection, statement: Executable, row: Mapping[str, Any]) -> None:
    """Insert ``row`` with ``statement`` at the end of the batch (at once outside one)."""
    pending: dict[Executable, list[Mapping[str, Any]]] | None = connection.info.get(_PENDING)
    if pending is None:
        connection.execute(statement, row)
        return
    pending.setdefault(statement, []).append(row)


def flush(connection: Connection) -> None:
    """Insert the batch's waiting rows (still inside its transaction) and end deferring."""
    pending: dict[Executable, list[Mapping[str, Any]]] = connection.info.pop(_PENDING, None) or {}
    for statement, rows in pending.items():
        prepared = _prepared.get(statement)
        if prepared is None:
            prepared = _prepared[statement] = Prepared(statement)
        # One executemany takes rows of one shape: a row with other keys goes in its own.
        shapes: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        for row in rows:
            shapes.setdefault(tuple(row), []).append(row)
        for same in shapes.values():
            prepared.run_many(connection, same)


#: The statements rows were deferred with, each compiled once (``storage.prepared``).
_prepared: dict[Executable, Prepared] = {}


def discard(connection: Connection) -> None:
    """The batch failed (its transaction rolls back): forget its waiting rows."""
    connection.info.pop(_PENDING, None)
