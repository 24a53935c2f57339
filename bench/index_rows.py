"""Search-index rows per write batch: one INSERT each, or one ``executemany`` per batch.

    python -m bench.index_rows [--rows 4000]

A message's search-index row (FTS5 on SQLite, as ``migrations/versions/0004`` creates
it) is written in the transaction that stores the message. Since the round-four
change the rows of a write batch go in together (``chat_server.storage.deferred``)
instead of one ``Connection.execute`` per message. This times both ways for batch
sizes the group-committing writer sees (1 at a trickle, tens at saturation), on a
SQLite file in a temporary directory, in this process, commit included, and prints
one JSON object: microseconds per row for each batch size and way.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from sqlalchemy import Connection, create_engine, text

from chat_server.search.folding import document

CREATE = (
    "CREATE VIRTUAL TABLE message_search USING fts5("
    "body, message_id UNINDEXED, conversation_id UNINDEXED,"
    " tokenize = 'unicode61 remove_diacritics 0')"
)
INSERT = text(
    "INSERT INTO message_search (body, message_id, conversation_id)"
    " VALUES (:body, :message_id, :conversation_id)"
)
BATCHES = (1, 4, 16, 64)


def timed(connection: Connection, rows: int, batch: int, together: bool, tag: str) -> float:
    started = time.perf_counter()
    written = 0
    for number in range(max(1, rows // batch)):
        params = [
            {
                "body": document(f"Kargom nerede, sipariş {number}-{i} hâlâ gelmedi"),
                "message_id": f"{tag}-{batch}-{number}-{i}",
                "conversation_id": f"c{number % 50}",
            }
            for i in range(batch)
        ]
        with connection.begin():
            if together:
                connection.execute(INSERT, params)
            else:
                for row in params:
                    connection.execute(INSERT, row)
        written += batch
    return (time.perf_counter() - started) * 1e6 / written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=4000)
    args = parser.parse_args(argv)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="chat-bench-index-") as directory:
        engine = create_engine(f"sqlite:///{Path(directory) / 'index.db'}")
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
            connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
            connection.exec_driver_sql(CREATE)
            connection.commit()
            for batch in BATCHES:
                one_by_one = timed(connection, args.rows, batch, False, "one")
                together = timed(connection, args.rows, batch, True, "many")
                results[str(batch)] = {
                    "one_insert_per_row_us": round(one_by_one, 1),
                    "executemany_us": round(together, 1),
                }
        engine.dispose()
    print(json.dumps({"rows": args.rows, "us_per_row_by_batch_size": results}, indent=1))


if __name__ == "__main__":
    main()
