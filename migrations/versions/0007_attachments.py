"""Attachments (issue 15): uploaded files, and the files a message carries.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chat_server.model.tables

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "upload",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("site_id", sa.String(), nullable=True),
        sa.Column("conversation_id", sa.String(), nullable=True),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.Column("uploader_kind", sa.String(), nullable=False),
        sa.Column("uploader_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("content_type", sa.String(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("storage", sa.String(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=True),
        sa.Column("thumbnail_type", sa.String(), nullable=True),
        sa.Column("thumbnail_blob", sa.LargeBinary(), nullable=True),
        sa.Column(
            "created_at", chat_server.model.tables.UTCDateTime(timezone=True), nullable=False
        ),
    )
    with op.batch_alter_table("upload") as batch:
        batch.create_index("ix_upload_site_id", ["site_id"])
        batch.create_index("ix_upload_conversation_id", ["conversation_id"])
        batch.create_index("ix_upload_uploader", ["uploader_kind", "uploader_id", "created_at"])
    with op.batch_alter_table("message") as batch:
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message") as batch:
        batch.drop_column("attachments")
    op.drop_table("upload")
