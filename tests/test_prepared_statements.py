"""storage.prepared on a real database (SQLite, and PostgreSQL in make test's backends
pass), inside the group-committed write the server runs its statements in: the fast path
reads and writes exactly what ``Connection.execute`` reads and writes (types included:
aware datetimes, JSON, booleans, NULLs), and what it cannot plan goes through
``Connection.execute``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import fresh_database_url
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from chat_server.config.settings import load_settings
from chat_server.model.tables import Conversation, Site, Visitor
from chat_server.storage.database import Database
from chat_server.storage.migrate import upgrade_to_head
from chat_server.storage.prepared import Prepared
from chat_server.visitors import statements as sql

pytestmark = pytest.mark.backends
VISITOR = Visitor.__table__
SITE = Site.__table__
CONVERSATION = Conversation.__table__
T0 = datetime(2026, 12, 7, 10, 30, 15, 123456, tzinfo=UTC)


Check = Callable[[Connection], None]


@pytest.fixture
def in_a_write(tmp_path: Path) -> Callable[[Check], None]:
    """Runs a check over the connection of a write batch (``Database.write``), on a new
    database holding one site."""
    settings = load_settings(
        {
            "CHAT_DATA_DIR": str(tmp_path),
            "CHAT_DATABASE_URL": fresh_database_url(tmp_path),
            "CHAT_GEOIP_DB": "",
        }
    )
    upgrade_to_head(settings)

    def run(check: Check) -> None:
        def with_site(connection: Connection) -> None:
            connection.execute(insert(SITE).values(id="s1", key="k1", name="Shop", created_at=T0))
            check(connection)

        async def written() -> None:
            database = Database(settings)
            try:
                await database.write(with_site)
            finally:
                await database.dispose()

        asyncio.run(written())

    return run


def visitor_row(visitor_id: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": visitor_id,
        "site_id": "s1",
        "token": f"t-{visitor_id}",
        "name": "Ayşe Yılmaz",
        "email": None,
        "first_seen_at": T0,
        "last_seen_at": T0 + timedelta(minutes=3),
        "visits": 2,
        "ip": "88.255.0.1",
        "geo": {"city": "İstanbul", "country": "TR"},
        "user_agent": {"browser": "Chrome", "os": "Android", "device": "phone"},
        "is_bot": False,
        "dwell_closed_seconds": 12.5,
        "campaign": None,
    }
    row.update(changes)
    return {name: row[name] for name in sql.VISITOR_FIELDS}


def test_a_read_gives_what_connection_execute_gives(in_a_write: Callable[[Check], None]) -> None:
    def check(connection: Connection) -> None:
        connection.execute(sql.INSERT_VISITOR, visitor_row("v1"))
        connection.execute(sql.INSERT_VISITOR, visitor_row("v2", is_bot=True, geo=None, name=None))
        for visitor_id in ("v1", "v2", "nobody"):
            params = {"visitor_id": visitor_id}
            expected = connection.execute(sql.VISITOR_BY_ID, params).first()
            got = Prepared(sql.LOCK_VISITOR).first(connection, params)
            assert got == (None if expected is None else tuple(expected))
        got = Prepared(sql.VISITOR_BY_ID).first(connection, {"visitor_id": "v1"})
        assert got is not None
        by_name = dict(zip(sql.VISITOR_FIELDS, got, strict=True))
        # What the callers build records from: aware UTC times, decoded JSON, real booleans.
        assert by_name["first_seen_at"] == T0 and by_name["first_seen_at"].tzinfo is not None
        assert by_name["geo"] == {"city": "İstanbul", "country": "TR"}
        assert by_name["is_bot"] is False
        assert by_name["name"] == "Ayşe Yılmaz"

    in_a_write(check)


def test_writes_through_the_fast_path_read_back_the_same(
    in_a_write: Callable[[Check], None],
) -> None:
    def check(connection: Connection) -> None:
        Prepared(sql.INSERT_VISITOR).run(connection, visitor_row("v1"))
        changed = Prepared(sql.UPDATE_VISITOR).run(
            connection, {"last_seen_at": T0 + timedelta(hours=1), "visits": 3, "b_id": "v1"}
        )
        assert changed == 1
        assert Prepared(sql.UPDATE_VISITOR).run(connection, {"visits": 9, "b_id": "nobody"}) == 0
        stored = connection.execute(sql.VISITOR_BY_ID, {"visitor_id": "v1"}).one()
        assert stored.last_seen_at == T0 + timedelta(hours=1)
        assert stored.visits == 3
        assert stored.geo == {"city": "İstanbul", "country": "TR"}

    in_a_write(check)


def test_many_rows_and_fixed_values_in_the_statement(in_a_write: Callable[[Check], None]) -> None:
    def check(connection: Connection) -> None:
        Prepared(sql.INSERT_VISITOR).run_many(
            connection, [visitor_row(f"v{n}", visits=n) for n in range(5)]
        )
        # A literal in the statement (visits > 2) and a LIMIT the statement fixes.
        statement = (
            select(VISITOR.c.id)
            .where(VISITOR.c.site_id == bindparam("site_id"), VISITOR.c.visits > 2)
            .order_by(VISITOR.c.visits)
            .limit(1)
        )
        assert Prepared(statement).all(connection, {"site_id": "s1"}) == [("v3",)]
        assert (
            Prepared(select(VISITOR.c.visits).order_by(VISITOR.c.visits.desc())).scalar(
                connection, {}
            )
            == 4
        )

    in_a_write(check)


def test_what_it_cannot_plan_goes_through_connection_execute(
    in_a_write: Callable[[Check], None],
) -> None:
    def check(connection: Connection) -> None:
        Prepared(sql.INSERT_VISITOR).run(connection, visitor_row("v1"))
        # An INSERT that leaves a column to its Python-side default (status "open").
        opened = Prepared(insert(CONVERSATION))
        opened.run(
            connection,
            {"id": "c1", "site_id": "s1", "visitor_id": "v1", "created_at": T0, "last_seq": 0},
        )
        status = connection.execute(select(CONVERSATION.c.status)).scalar_one()
        assert status == "open"
        # An expanding IN.
        among = Prepared(
            select(VISITOR.c.id).where(VISITOR.c.id.in_(bindparam("ids", expanding=True)))
        )
        assert among.all(connection, {"ids": ["v1", "v9"]}) == [("v1",)]
        # A missing parameter fails as it does through Connection.execute, changing nothing.
        with pytest.raises(Exception, match="visitor_id"):
            Prepared(sql.VISITOR_BY_ID).first(connection, {})
        untouched = Prepared(update(VISITOR).where(VISITOR.c.id == bindparam("b_id")))
        with pytest.raises(Exception, match="b_id"):
            untouched.run(connection, {"visits": 7})
        assert connection.execute(select(VISITOR.c.visits)).scalar_one() == 2

    in_a_write(check)


def test_a_duplicate_key_fails_the_write_as_connection_execute_fails_it(
    in_a_write: Callable[[Check], None],
) -> None:
    # chat.commands catches SQLAlchemy's IntegrityError when a retry of the same
    # client_id on another process wins the race: the driver's own error must not leak.
    def check(connection: Connection) -> None:
        Prepared(sql.INSERT_VISITOR).run(connection, visitor_row("v1"))
        Prepared(sql.INSERT_VISITOR).run(connection, visitor_row("v1"))

    with pytest.raises(IntegrityError):
        in_a_write(check)
