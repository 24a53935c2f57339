"""Stats rollups (issue 17): closed waits summed per site, day and cell.

Each closed wait keeps its length and business length once folded (``length_us``,
``business_us``, ``business_rev``); the rollup tables hold the sums the stats read
for whole days. Existing waits start unfolded: the server's fold job catches up
(``chat_server.sla.rollup.fold``), and until then the stats read them row by row.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None



def _sums() -> list[sa.Column]:
    return [
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total_us", sa.BigInteger(), nullable=False),
        sa.Column("max_us", sa.BigInteger(), nullable=False),
        sa.Column("breached", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    with op.batch_alter_table("wait") as batch:
        batch.add_column(sa.Column("length_us", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("business_us", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("business_rev", sa.String(), nullable=True))
    op.create_index(
        "ix_wait_unfolded",
        "wait",
        ["opened_at"],
        postgresql_where=sa.text("length_us IS NULL"),
        sqlite_where=sa.text("length_us IS NULL"),
    )
    for name, column in (("length", "length_us"), ("business", "business_us")):
        op.create_index(
            f"ix_wait_kind_{name}",
            "wait",
            ["kind", column],
            postgresql_include=["opened_at", "site_id", "answered_by", "target_seconds"],
            postgresql_where=sa.text("status = 'answered'"),
            sqlite_where=sa.text("status = 'answered'"),
        )
    op.create_index("ix_wait_business_rev", "wait", ["business_rev", "site_id"])
    op.create_table(
        "wait_rollup",
        sa.Column("site_id", sa.String(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("agent", sa.String(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint("site_id", "day", "kind", "agent", "answered", "bucket"),
    )
    op.create_table(
        "wait_business_rollup",
        sa.Column("site_id", sa.String(), nullable=False),
        sa.Column("rev", sa.String(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        *_sums(),
        sa.PrimaryKeyConstraint("site_id", "rev", "day", "kind", "answered", "bucket"),
    )


def downgrade() -> None:
    op.drop_table("wait_business_rollup")
    op.drop_table("wait_rollup")
    for name in (
        "ix_wait_business_rev",
        "ix_wait_kind_business",
        "ix_wait_kind_length",
        "ix_wait_unfolded",
    ):
        op.drop_index(name, table_name="wait")
    with op.batch_alter_table("wait") as batch:
        batch.drop_column("business_rev")
        batch.drop_column("business_us")
        batch.drop_column("length_us")
