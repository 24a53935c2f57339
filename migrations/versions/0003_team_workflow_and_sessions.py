"""Sessions that can be revoked, sites an agent belongs to, teams, routing, canned replies, tags.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import chat_server.model.tables

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time(name: str, nullable: bool) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, chat_server.model.tables.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "team",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("name", sa.String(), nullable=False),
        _time("created_at", False),
    )
    with op.batch_alter_table("site") as batch:
        batch.add_column(
            sa.Column("routing", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("notify_emails", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("assistant", sa.String(), nullable=False, server_default="off"))
    with op.batch_alter_table("agent") as batch:
        batch.add_column(
            sa.Column("all_sites", sa.Boolean(), nullable=False, server_default=sa.true())
        )
        batch.add_column(sa.Column("status", sa.String(), nullable=False, server_default="online"))
        batch.add_column(sa.Column("max_chats", sa.Integer(), nullable=False, server_default="5"))
        batch.add_column(
            sa.Column("credential_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("otp_secret", sa.String(), nullable=True))
        batch.add_column(sa.Column("avatar", sa.String(), nullable=True))
        batch.add_column(_time("last_assigned_at", True))
    with op.batch_alter_table("conversation") as batch:
        batch.add_column(sa.Column("team_id", sa.String(), nullable=True))
        batch.add_column(_time("assigned_at", True))
        batch.create_foreign_key("fk_conversation_team", "team", ["team_id"], ["id"])
        batch.create_index("ix_conversation_assignee_status", ["assignee_id", "status"])

    op.create_table(
        "agent_site",
        sa.Column("agent_id", sa.String(), sa.ForeignKey("agent.id"), primary_key=True),
        sa.Column("site_id", sa.String(), sa.ForeignKey("site.id"), primary_key=True),
    )
    op.create_index("ix_agent_site_site_id", "agent_site", ["site_id"])
    op.create_table(
        "auth_session",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("agent_id", sa.String(), sa.ForeignKey("agent.id"), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("credential_version", sa.Integer(), nullable=False),
        _time("created_at", False),
        _time("expires_at", False),
        _time("revoked_at", True),
    )
    op.create_index("ix_auth_session_agent_id", "auth_session", ["agent_id"])
    op.create_table(
        "team_site",
        sa.Column("team_id", sa.String(), sa.ForeignKey("team.id"), primary_key=True),
        sa.Column("site_id", sa.String(), sa.ForeignKey("site.id"), primary_key=True),
    )
    op.create_index("ix_team_site_site_id", "team_site", ["site_id"])
    op.create_table(
        "team_agent",
        sa.Column("team_id", sa.String(), sa.ForeignKey("team.id"), primary_key=True),
        sa.Column("agent_id", sa.String(), sa.ForeignKey("agent.id"), primary_key=True),
    )
    op.create_index("ix_team_agent_agent_id", "team_agent", ["agent_id"])
    op.create_table(
        "canned_reply",
        sa.Column("id", sa.String(), primary_key=True),
        sa.Column("site_id", sa.String(), sa.ForeignKey("site.id"), nullable=True),
        sa.Column("shortcut", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("locale", sa.String(), nullable=True),
        _time("created_at", False),
        _time("updated_at", False),
    )
    op.create_index("ix_canned_reply_site_id", "canned_reply", ["site_id"])
    op.create_table(
        "conversation_tag",
        sa.Column(
            "conversation_id", sa.String(), sa.ForeignKey("conversation.id"), primary_key=True
        ),
        sa.Column("tag", sa.String(), primary_key=True),
    )
    op.create_index("ix_conversation_tag_tag", "conversation_tag", ["tag"])


def downgrade() -> None:
    for table in (
        "conversation_tag",
        "canned_reply",
        "team_agent",
        "team_site",
        "auth_session",
        "agent_site",
    ):
        op.drop_table(table)
    with op.batch_alter_table("conversation") as batch:
        batch.drop_index("ix_conversation_assignee_status")
        batch.drop_constraint("fk_conversation_team", type_="foreignkey")
        batch.drop_column("assigned_at")
        batch.drop_column("team_id")
    op.drop_table("team")
    with op.batch_alter_table("agent") as batch:
        for column in (
            "last_assigned_at",
            "avatar",
            "otp_secret",
            "credential_version",
            "max_chats",
            "status",
            "all_sites",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("site") as batch:
        for column in ("assistant", "notify_emails", "routing"):
            batch.drop_column(column)
