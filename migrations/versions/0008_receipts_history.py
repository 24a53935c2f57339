"""Read receipts, conversation language and history (issue 15).

The seen marks of both sides of a conversation (``message.seen``); history needs no
schema of its own (resolved conversations are read by visitor and time).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("conversation") as batch:
        batch.add_column(
            sa.Column("visitor_seen_seq", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(
            sa.Column("agent_seen_seq", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation") as batch:
        batch.drop_column("agent_seen_seq")
        batch.drop_column("visitor_seen_seq")
