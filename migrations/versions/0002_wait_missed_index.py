"""Index the waits that make a chat missed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = "kind = 'first_response' AND status = 'unanswered'"


def upgrade() -> None:
    op.create_index(
        "ix_wait_first_unanswered",
        "wait",
        ["conversation_id", "opened_at"],
        postgresql_where=sa.text(_WHERE),
        sqlite_where=sa.text(_WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_wait_first_unanswered", table_name="wait")
