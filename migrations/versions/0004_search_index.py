"""The search index: FTS5 on SQLite, a tsvector table with a GIN index on PostgreSQL.

Existing messages are indexed here, in batches. The table is not among the models
(its shape differs per dialect): ``migrations/env.py`` leaves it, and FTS5's shadow
tables, out of autogenerate's comparison.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from chat_server.search.index import index_rows

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BACKFILL_BATCH = 2000


def upgrade() -> None:
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        op.execute(
            "CREATE TABLE message_search ("
            " message_id VARCHAR PRIMARY KEY,"
            " conversation_id VARCHAR NOT NULL,"
            " document TSVECTOR NOT NULL)"
        )
        op.execute(
            "CREATE INDEX ix_message_search_conversation ON message_search (conversation_id)"
        )
        op.execute("CREATE INDEX ix_message_search_document ON message_search USING GIN (document)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE message_search USING fts5("
            "body, message_id UNINDEXED, conversation_id UNINDEXED,"
            " tokenize = 'unicode61 remove_diacritics 0')"
        )
    messages = sa.table("message", sa.column("id"), sa.column("conversation_id"), sa.column("text"))
    after = ""
    while True:
        rows = [
            dict(row._mapping)
            for row in connection.execute(
                sa.select(messages.c.id, messages.c.conversation_id, messages.c.text)
                .where(messages.c.id > after)
                .order_by(messages.c.id)
                .limit(BACKFILL_BATCH)
            )
        ]
        if not rows:
            break
        index_rows(connection, rows)
        after = rows[-1]["id"]


def downgrade() -> None:
    op.execute("DROP TABLE message_search")
