"""Times on SQLite: the fused conversions of ``UTCDateTime`` store and read exactly what
SQLAlchemy's own ``DATETIME`` would (so text comparisons in SQL and rows written by
earlier versions agree), always as aware UTC times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.exc import StatementError

from chat_server.model.utc_times import UTCDateTime

METADATA = MetaData()
TIMES = Table(
    "times",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime(), nullable=True),
)
ISTANBUL = timezone(timedelta(hours=3))


@pytest.fixture
def engine():  # type: ignore[no-untyped-def]
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


def test_stored_text_is_sqlalchemys_own_and_reads_back_as_aware_utc(engine) -> None:  # type: ignore[no-untyped-def]
    sqlalchemy_text = DATETIME().bind_processor(engine.dialect)
    assert sqlalchemy_text is not None
    times = [
        datetime(2026, 12, 7, 6, 39, 0, 201931, tzinfo=UTC),
        datetime(2026, 12, 7, 6, 39, 0, tzinfo=UTC),  # no microseconds: still six digits
        datetime(2026, 12, 7, 9, 39, 0, 5, tzinfo=ISTANBUL),  # stored as 06:39 UTC
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
    ]
    with engine.begin() as connection:
        for n, at in enumerate(times):
            connection.execute(insert(TIMES), {"id": n, "at": at})
        connection.execute(insert(TIMES), {"id": 99, "at": None})
        stored = dict(connection.execute(text("SELECT id, at FROM times")).all())
        read = dict(connection.execute(select(TIMES.c.id, TIMES.c.at)).all())
    for n, at in enumerate(times):
        assert stored[n] == sqlalchemy_text(at.astimezone(UTC).replace(tzinfo=None))
        assert read[n] == at and read[n].tzinfo is UTC
    assert stored[2] == "2026-12-07 06:39:00.000005"
    assert stored[99] is None and read[99] is None


def test_texts_written_otherwise_read_as_utc(engine) -> None:  # type: ignore[no-untyped-def]
    with engine.begin() as connection:
        for n, written in enumerate(
            [
                "2026-12-07 06:39:00",
                "2026-12-07",
                "2026-12-07 09:39:00+03:00",
                "2026-12-07T06:39:00",
            ]
        ):
            connection.execute(
                text("INSERT INTO times (id, at) VALUES (:id, :at)"), {"id": n, "at": written}
            )
        read = [row.at for row in connection.execute(select(TIMES.c.at).order_by(TIMES.c.id))]
    assert read == [
        datetime(2026, 12, 7, 6, 39, tzinfo=UTC),
        datetime(2026, 12, 7, tzinfo=UTC),
        datetime(2026, 12, 7, 6, 39, tzinfo=UTC),
        datetime(2026, 12, 7, 6, 39, tzinfo=UTC),
    ]
    assert all(at.tzinfo is UTC for at in read)


def test_a_time_without_a_zone_is_refused_and_nothing_is_stored(engine) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StatementError, match="naive datetime"), engine.begin() as connection:
        connection.execute(insert(TIMES), {"id": 1, "at": datetime(2026, 12, 7, 6, 39)})
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM times")).scalar() == 0
