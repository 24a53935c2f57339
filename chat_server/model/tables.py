"""Tables and enums.

Times are stored as UTC; :class:`~chat_server.model.utc_times.UTCDateTime` gives back
aware datetimes on every backend (SQLite keeps no zone, PostgreSQL uses ``timestamptz``).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from chat_server.model.utc_times import UTCDateTime


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return secrets.token_hex(10)


def time_column(nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable, index=index))


def json_column() -> Any:
    return Field(default=None, sa_column=Column(JSON, nullable=True))


class Role(StrEnum):
    agent = "agent"
    manager = "manager"
    admin = "admin"


class ConversationStatus(StrEnum):
    open = "open"
    resolved = "resolved"


class AuthorKind(StrEnum):
    visitor = "visitor"
    agent = "agent"
    bot = "bot"
    system = "system"


class AgentStatus(StrEnum):
    """What an agent chose; with no console open the agent is ``offline`` whatever it chose."""

    online = "online"
    away = "away"
    offline = "offline"


class SessionKind(StrEnum):
    api = "api"
    console = "console"


class WaitKind(StrEnum):
    first_response = "first_response"
    next_response = "next_response"


class WaitStatus(StrEnum):
    open = "open"
    answered = "answered"
    unanswered = "unanswered"


class IpMode(StrEnum):
    full = "full"
    truncate = "truncate"
    none = "none"


class Site(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    key: str = Field(unique=True, index=True)
    name: str
    origins: list[str] | None = json_column()
    color: str | None = None
    greeting: dict[str, str] | None = json_column()
    locale: str | None = None
    search_params: list[str] | None = json_column()
    ip_mode: str = IpMode.full.value
    retention_days: int | None = None
    auto_invites: list[dict[str, Any]] | None = json_column()
    # Routing assigns new conversations to agents; off: nobody until someone claims or answers.
    routing: bool = True
    notify_emails: list[str] | None = json_column()
    # The self-service assistant: "off", "offline" (while no agent is online) or "always".
    assistant: str = "off"
    created_at: datetime = time_column()


class Agent(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    email: str = Field(unique=True, index=True)
    name: str
    role: str = Role.agent.value
    password_hash: str
    active: bool = True
    # Admins and accounts created without sites belong to every site (agent_site is ignored).
    all_sites: bool = True
    # The status the agent last chose ("online" or "away"); presence decides "offline".
    status: str = AgentStatus.online.value
    max_chats: int = 5
    # Bumped by a password change or a deactivation: older tokens and sessions are refused.
    credential_version: int = 0
    otp_secret: str | None = None
    # An uploaded picture as a data: URL; None shows the initials.
    avatar: str | None = None
    # When the agent last got a conversation: routing breaks ties by the longest idle.
    last_assigned_at: datetime | None = time_column(nullable=True)
    created_at: datetime = time_column()


class AgentSite(SQLModel, table=True):
    __tablename__ = "agent_site"
    agent_id: str = Field(foreign_key="agent.id", primary_key=True)
    site_id: str = Field(foreign_key="site.id", primary_key=True, index=True)


class AuthSession(SQLModel, table=True):
    """One API token or console session; revoking it refuses the credential at once."""

    __tablename__ = "auth_session"
    id: str = Field(default_factory=new_id, primary_key=True)
    agent_id: str = Field(foreign_key="agent.id", index=True)
    kind: str = SessionKind.api.value
    credential_version: int = 0
    created_at: datetime = time_column()
    expires_at: datetime = time_column()
    revoked_at: datetime | None = time_column(nullable=True)


class Team(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    name: str
    created_at: datetime = time_column()


class TeamSite(SQLModel, table=True):
    __tablename__ = "team_site"
    team_id: str = Field(foreign_key="team.id", primary_key=True)
    site_id: str = Field(foreign_key="site.id", primary_key=True, index=True)


class TeamAgent(SQLModel, table=True):
    __tablename__ = "team_agent"
    team_id: str = Field(foreign_key="team.id", primary_key=True)
    agent_id: str = Field(foreign_key="agent.id", primary_key=True, index=True)


class CannedReply(SQLModel, table=True):
    __tablename__ = "canned_reply"
    id: str = Field(default_factory=new_id, primary_key=True)
    # None: every site's agents may use it.
    site_id: str | None = Field(default=None, foreign_key="site.id", index=True)
    shortcut: str
    title: str
    text: str
    locale: str | None = None
    created_at: datetime = time_column()
    updated_at: datetime = time_column()


class SlaPolicy(SQLModel, table=True):
    __tablename__ = "sla_policy"
    # "*" is the installation's default; a site id overrides it for that site.
    scope: str = Field(primary_key=True)
    first_response_seconds: float = 30.0
    next_response_seconds: float = 60.0
    warning_fraction: float = 0.8
    business_hours: dict[str, Any] | None = json_column()
    updated_at: datetime = time_column()


class Visitor(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True)
    site_id: str = Field(foreign_key="site.id", index=True)
    token: str = Field(unique=True, index=True)
    name: str | None = None
    email: str | None = None
    first_seen_at: datetime = time_column()
    last_seen_at: datetime = time_column(index=True)
    visits: int = 1
    ip: str | None = None
    geo: dict[str, Any] | None = json_column()
    user_agent: dict[str, Any] | None = json_column()
    is_bot: bool = False
    campaign: dict[str, str] | None = json_column()
    # Visible seconds on pages already left; the open pages' running time is added on read.
    dwell_closed_seconds: float = 0.0


class PageView(SQLModel, table=True):
    __tablename__ = "page_view"
    __table_args__ = (
        Index("ix_page_view_visitor_entered", "visitor_id", "entered_at"),
        # The pages still open (one per tab): every page view reads them, and a long
        # journey must not make it scan every page the visitor ever saw.
        Index(
            "ix_page_view_open",
            "visitor_id",
            postgresql_where=text("left_at IS NULL"),
            sqlite_where=text("left_at IS NULL"),
        ),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    visitor_id: str = Field(foreign_key="visitor.id")
    url: str
    title: str | None = None
    referrer: str | None = None
    entered_at: datetime = time_column()
    left_at: datetime | None = time_column(nullable=True)
    dwell_seconds: float = 0.0
    visible_since: datetime | None = time_column(nullable=True)


class SearchKeyword(SQLModel, table=True):
    __tablename__ = "search_keyword"
    id: str = Field(default_factory=new_id, primary_key=True)
    visitor_id: str = Field(foreign_key="visitor.id", index=True)
    keyword: str
    source: str
    at: datetime = time_column()


class Conversation(SQLModel, table=True):
    __table_args__ = (
        Index("ix_conversation_visitor_status", "visitor_id", "status"),
        Index("ix_conversation_assignee_status", "assignee_id", "status"),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    site_id: str = Field(foreign_key="site.id", index=True)
    visitor_id: str = Field(foreign_key="visitor.id")
    status: str = Field(default=ConversationStatus.open.value, index=True)
    assignee_id: str | None = Field(default=None, foreign_key="agent.id")
    # Set by a transfer to a team: routing picks among that team's agents.
    team_id: str | None = Field(default=None, foreign_key="team.id")
    assigned_at: datetime | None = time_column(nullable=True)
    created_at: datetime = time_column(index=True)
    first_response_at: datetime | None = time_column(nullable=True)
    resolved_at: datetime | None = time_column(nullable=True)
    last_seq: int = 0
    last_visible_seq: int = 0
    # Mirror of the open wait, so lists can show who is waiting without a join.
    waiting_since: datetime | None = time_column(nullable=True)
    wait_kind: str | None = None
    rating: int | None = None
    rating_comment: str | None = None
    # "tr" or "en": the widget's language when it opened (hello), else the site's.
    locale: str | None = None
    # Read receipts: the highest seq each side reported seen (message.seen); never goes back.
    visitor_seen_seq: int = 0
    agent_seen_seq: int = 0
    # The assistant (issue 14): while it handles a conversation its visitor's messages
    # open no wait; handing over opens one and routes the conversation like a new one.
    handled_by_bot: bool = False
    handed_over_at: datetime | None = time_column(nullable=True)
    # How many questions the assistant answered from the FAQ (confidently).
    bot_answers: int = 0
    # The visitor's "Did this help?": True, False, or None when not asked or not told.
    bot_helpful: bool | None = None
    # The seq of the answer that asks "Did this help?" and awaits the reply (None: none).
    bot_feedback_seq: int | None = None


class Message(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq", name="uq_message_conversation_seq"),
        UniqueConstraint("sender_key", "client_id", name="uq_message_sender_client"),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id")
    seq: int
    client_id: str | None = None
    # "visitor:<id>" or "agent:<id>": client_id is unique per sender, so a retry
    # finds the first send even before the sender knows the conversation id.
    sender_key: str | None = None
    author_kind: str
    author_id: str | None = None
    author_name: str | None = None
    text: str
    internal: bool = False
    created_at: datetime = time_column()
    # The attached files' metadata ({"id", "name", "content_type", "size", "thumbnail"}),
    # copied in when sent so that showing a message never costs a query; null: none.
    attachments: list[dict[str, Any]] | None = json_column()


class ConversationTag(SQLModel, table=True):
    __tablename__ = "conversation_tag"
    conversation_id: str = Field(foreign_key="conversation.id", primary_key=True)
    tag: str = Field(primary_key=True, index=True)


#: What the percentiles read of a wait besides its kind and length (:class:`Wait`'s indexes).
_PERCENTILE_COLUMNS = ("opened_at", "site_id", "answered_by", "target_seconds")


class Wait(SQLModel, table=True):
    __table_args__ = (
        Index("ix_wait_status_due", "status", "due_at"),
        Index("ix_wait_opened", "opened_at"),
        # The waits not yet folded into the stats rollups (sla.rollup): few, so the
        # fold job and the stats find them without a scan.
        Index(
            "ix_wait_unfolded",
            "opened_at",
            postgresql_where=text("length_us IS NULL"),
            sqlite_where=text("length_us IS NULL"),
        ),
        # Percentiles read the answered waits of a few length ranges of one kind, from
        # the index alone on PostgreSQL.
        *(
            Index(
                f"ix_wait_kind_{name}",
                "kind",
                column,
                postgresql_include=list(_PERCENTILE_COLUMNS),
                postgresql_where=text("status = 'answered'"),
                sqlite_where=text("status = 'answered'"),
            )
            for name, column in (("length", "length_us"), ("business", "business_us"))
        ),
        Index("ix_wait_business_rev", "business_rev", "site_id"),
        Index(
            "ix_wait_first_unanswered",
            "conversation_id",
            "opened_at",
            postgresql_where=text("kind = 'first_response' AND status = 'unanswered'"),
            sqlite_where=text("kind = 'first_response' AND status = 'unanswered'"),
        ),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    conversation_id: str = Field(foreign_key="conversation.id", index=True)
    site_id: str = Field(foreign_key="site.id")
    kind: str
    status: str = WaitStatus.open.value
    opened_at: datetime = time_column()
    closed_at: datetime | None = time_column(nullable=True)
    answered_by: str | None = Field(default=None, foreign_key="agent.id")
    target_seconds: float
    # When the target passes (and the warning is due); business hours move these.
    due_at: datetime = time_column()
    warn_at: datetime = time_column()
    warned_at: datetime | None = time_column(nullable=True)
    breach_announced_at: datetime | None = time_column(nullable=True)
    # Set when the closed wait is folded into the stats rollups (sla.rollup): its
    # length, and its business length under the business hours whose revision is
    # ``business_rev``. NULL while open or not yet folded.
    length_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    business_us: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    business_rev: str | None = None


class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"
    id: str = Field(default_factory=new_id, primary_key=True)
    at: datetime = time_column(index=True)
    actor_id: str | None = None
    action: str
    subject: str | None = None
    detail: dict[str, Any] | None = json_column()


# Tables kept in their own modules, registered with the metadata wherever this one is
# imported (the application, the migrations).
import chat_server.model.assistant_tables  # noqa: E402
import chat_server.model.attachment_tables  # noqa: E402
import chat_server.model.mail_tables  # noqa: E402
import chat_server.model.outbox_tables  # noqa: E402
import chat_server.model.rollup_tables  # noqa: E402, F401
