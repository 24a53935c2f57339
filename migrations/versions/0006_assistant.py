"""The self-service assistant: FAQ entries and unanswered questions (issue 14).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chat_server.model.tables

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _faq()
    _conversation_assistant()


def downgrade() -> None:
    _drop_conversation_assistant()
    _drop_faq()


def _faq() -> None:
    """FAQ entries per site and language, and the questions the assistant left unanswered."""
    time_type = chat_server.model.tables.UTCDateTime(timezone=True)
    op.create_table(
        "faq_entry",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("site_id", sa.String(), sa.ForeignKey("site.id"), nullable=False),
        sa.Column("locale", sa.String(), nullable=False),
        sa.Column("question", sa.String(), nullable=False),
        sa.Column("answer", sa.String(), nullable=False),
        sa.Column("alternates", sa.JSON(), nullable=False),
        sa.Column("created_at", time_type, nullable=False),
        sa.Column("updated_at", time_type, nullable=False),
        sa.UniqueConstraint("site_id", "locale", "question", name="uq_faq_entry_question"),
    )
    op.create_table(
        "assistant_question",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("site_id", sa.String(), sa.ForeignKey("site.id"), nullable=False),
        sa.Column("locale", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.String(), nullable=True),
        sa.Column("first_at", time_type, nullable=False),
        sa.Column("last_at", time_type, nullable=False),
        sa.UniqueConstraint("site_id", "locale", "key", name="uq_assistant_question_key"),
    )
    op.create_index("ix_assistant_question_site_count", "assistant_question", ["site_id", "count"])


def _drop_faq() -> None:
    op.drop_index("ix_assistant_question_site_count", table_name="assistant_question")
    op.drop_table("assistant_question")
    op.drop_table("faq_entry")


def _conversation_assistant() -> None:
    """Who handles a conversation (the assistant until it hands over) and its feedback."""
    with op.batch_alter_table("conversation") as batch:
        batch.add_column(
            sa.Column("handled_by_bot", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column(
                "handed_over_at",
                chat_server.model.tables.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("bot_answers", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("bot_helpful", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("bot_feedback_seq", sa.Integer(), nullable=True))


def _drop_conversation_assistant() -> None:
    with op.batch_alter_table("conversation") as batch:
        for column in ("bot_feedback_seq", "bot_helpful", "bot_answers", "handed_over_at"):
            batch.drop_column(column)
        batch.drop_column("handled_by_bot")
