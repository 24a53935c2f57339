"""The open pages of a visitor by index (issue 17): each page view reads the visitor's
latest pages and every page still open; the open ones had no index of their own, so
the read walked every page of the journey.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_page_view_open",
        "page_view",
        ["visitor_id"],
        postgresql_where=sa.text("left_at IS NULL"),
        sqlite_where=sa.text("left_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_page_view_open", table_name="page_view")
