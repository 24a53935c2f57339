"""Rows deferred to the end of a write batch (``storage.deferred``): inserted together
before the commit inside a batch, at once outside one, never after a failed batch."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, column, create_engine, table, text

from chat_server.storage import deferred

INSERT = text("INSERT INTO note (body) VALUES (:body)")


@pytest.fixture
def connection() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    with engine.connect() as connection:
        connection.execute(text("CREATE TABLE note (body TEXT NOT NULL)"))
        connection.commit()
        yield connection
    engine.dispose()


def bodies(connection: Connection) -> list[str]:
    return [row.body for row in connection.execute(text("SELECT body FROM note ORDER BY rowid"))]


def test_outside_a_batch_a_row_is_inserted_at_once(connection: Connection) -> None:
    deferred.add(connection, INSERT, {"body": "now"})
    assert bodies(connection) == ["now"]


def test_in_a_batch_rows_wait_for_the_flush_then_go_in_in_order(connection: Connection) -> None:
    deferred.begin(connection)
    deferred.add(connection, INSERT, {"body": "first"})
    deferred.add(connection, INSERT, {"body": "second"})
    assert bodies(connection) == []
    deferred.flush(connection)
    assert bodies(connection) == ["first", "second"]
    # The batch is over: the next row is not held for a flush that will not come.
    deferred.add(connection, INSERT, {"body": "after"})
    assert bodies(connection) == ["first", "second", "after"]


def test_a_discarded_batch_leaves_nothing_behind(connection: Connection) -> None:
    deferred.begin(connection)
    deferred.add(connection, INSERT, {"body": "lost with its batch"})
    deferred.discard(connection)
    deferred.flush(connection)
    assert bodies(connection) == []


def test_rows_of_other_shapes_each_go_in_whole(connection: Connection) -> None:
    """One statement's rows with different keys (a column left to its default in some):
    none loses a value to the first row's shape."""
    connection.execute(text("CREATE TABLE tagged (body TEXT NOT NULL, tag TEXT DEFAULT 'none')"))
    insert = table("tagged", column("body"), column("tag")).insert()
    deferred.begin(connection)
    deferred.add(connection, insert, {"body": "plain"})
    deferred.add(connection, insert, {"body": "tagged", "tag": "vip"})
    deferred.add(connection, insert, {"body": "plain again"})
    deferred.flush(connection)
    rows = connection.execute(text("SELECT body, tag FROM tagged ORDER BY body")).all()
    assert [tuple(row) for row in rows] == [
        ("plain", "none"),
        ("plain again", "none"),
        ("tagged", "vip"),
    ]
