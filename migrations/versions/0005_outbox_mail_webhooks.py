"""E-mail and webhooks through an outbox (issue 13).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chat_server.model.tables

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _outbox_and_webhooks()
    _mail()


def downgrade() -> None:
    _drop_mail()
    _drop_outbox_and_webhooks()


def _drop_mail() -> None:
    op.drop_table("mail_transcript")
    op.drop_table("mail_thread")
    with op.batch_alter_table("conversation") as batch:
        batch.drop_column("locale")


def _drop_outbox_and_webhooks() -> None:
    op.drop_table("webhook")
    op.drop_table("outbox_attempt")
    op.drop_table("outbox_item")


def _outbox_time(name: str, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, chat_server.model.tables.UTCDateTime(timezone=True), nullable=nullable)


def _outbox_and_webhooks() -> None:
    op.create_table(
        "outbox_item",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("site_id", sa.String(), nullable=True),
        sa.Column("target_id", sa.String(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        _outbox_time("due_at", False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(), nullable=True),
        _outbox_time("created_at", False),
        _outbox_time("sent_at", True),
        _outbox_time("claimed_until", True),
        sa.Column("claim_token", sa.String(), nullable=True),
    )
    op.create_index("ix_outbox_item_site_id", "outbox_item", ["site_id"])
    op.create_index("ix_outbox_item_state_due", "outbox_item", ["state", "due_at"])
    op.create_index("ix_outbox_item_target", "outbox_item", ["target_id", "created_at"])
    op.create_index("ix_outbox_item_dedupe_key", "outbox_item", ["dedupe_key"], unique=True)
    op.create_table(
        "outbox_attempt",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("item_id", sa.String(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        _outbox_time("at", False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.String(), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=False),
    )
    op.create_index("ix_outbox_attempt_item", "outbox_attempt", ["item_id", "number"])
    op.create_table(
        "webhook",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(), nullable=False),
        sa.Column("site_id", sa.String(), nullable=True),
        _outbox_time("created_at", False),
        sa.Column("created_by", sa.String(), nullable=True),
    )
    op.create_index("ix_webhook_site_id", "webhook", ["site_id"])


def _mail_time(name: str, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, chat_server.model.tables.UTCDateTime(timezone=True), nullable=nullable)


def _mail() -> None:
    with op.batch_alter_table("conversation") as batch:
        batch.add_column(sa.Column("locale", sa.String(), nullable=True))
    op.create_table(
        "mail_thread",
        sa.Column("conversation_id", sa.String(), primary_key=True),
        sa.Column("site_id", sa.String(), nullable=False),
        sa.Column("visitor_id", sa.String(), nullable=False),
        sa.Column("reply_token", sa.String(), nullable=False),
        sa.Column("shop_mailed_seq", sa.Integer(), nullable=False),
        _mail_time("shop_mailed_at", True),
        sa.Column("shop_offline_mailed", sa.Boolean(), nullable=False),
        sa.Column("shop_missed_mailed", sa.Boolean(), nullable=False),
        sa.Column("visitor_mailed_seq", sa.Integer(), nullable=False),
        sa.Column("mails_sent", sa.Integer(), nullable=False),
        _mail_time("created_at", False),
    )
    op.create_index("ix_mail_thread_site_id", "mail_thread", ["site_id"])
    op.create_index("ix_mail_thread_visitor_id", "mail_thread", ["visitor_id"])
    op.create_index("ix_mail_thread_reply_token", "mail_thread", ["reply_token"], unique=True)
    op.create_table(
        "mail_transcript",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("visitor_id", sa.String(), nullable=False),
        sa.Column("conversation_id", sa.String(), nullable=False),
        _mail_time("requested_at", False),
    )
    op.create_index(
        "ix_mail_transcript_visitor_at", "mail_transcript", ["visitor_id", "requested_at"]
    )
