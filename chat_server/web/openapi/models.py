"""The bodies of the REST API as pydantic models: what ``openapi.json`` is built from.

Field names and types follow ``../shared/CONTRACT.md`` (sections 2, 3, 8 and 9) and
``chat_server/wire/views.py``. Response models allow extra fields (``extra="allow"``):
adding fields is within the contract, so a client must not break on them either.
Times are ISO 8601 strings in UTC; ids are strings.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    """A response shape: the fields listed are always there, more may come."""

    model_config = ConfigDict(extra="allow")


class Body(BaseModel):
    """A request body: the fields listed are the ones the server reads."""

    model_config = ConfigDict(extra="allow")


# -- errors and small answers ---------------------------------------------------------


class ErrorDetail(Open):
    code: str = Field(description="snake_case, stable: what scripts branch on")
    message: str = Field(description="a human sentence")


class Error(Open):
    error: ErrorDetail


class Deleted(Open):
    deleted: str


class Revoked(Open):
    revoked: bool


# -- accounts -------------------------------------------------------------------------

Role = Literal["agent", "manager", "admin"]


class AgentSummary(Open):
    id: str
    email: str
    name: str
    role: Role


class TokenRequest(Body):
    email: str
    password: str
    otp: str | None = Field(None, description="6 digits, when the account has two-factor on")


class TokenIssued(Open):
    token: str
    agent: AgentSummary


class AgentView(Open):
    """An agent as colleagues see them; managers and admins also get the account fields."""

    id: str
    name: str
    status: Literal["online", "away", "offline"]
    open_chats: int | None = None
    sites: list[str] | None = None
    teams: list[str] | None = None
    all_sites: bool | None = None
    email: str | None = None
    role: Role | None = None
    active: bool | None = None
    max_chats: int | None = None
    two_factor: bool | None = None


class AgentList(Open):
    agents: list[AgentView]


class AgentCreate(Body):
    email: str
    name: str
    role: Role
    password: str = Field(min_length=8)
    max_chats: int | None = None
    all_sites: bool | None = None
    site_ids: list[str] | None = None


class AgentChange(Body):
    name: str | None = None
    role: Role | None = None
    active: bool | None = None
    max_chats: int | None = None
    all_sites: bool | None = None
    site_ids: list[str] | None = None
    password: str | None = None


class AvatarChange(Body):
    avatar: str | None = Field(description="a data: URL of a PNG, JPEG or WebP, or null")


class AvatarSet(Open):
    id: str
    avatar: str


class OtpSecret(Open):
    secret: str
    uri: str = Field(description="otpauth:// URI for an authenticator app")


class OtpOff(Open):
    id: str
    two_factor: bool


# -- messages, conversations, visitors (contract section 3) ---------------------------


class Author(Open):
    kind: Literal["visitor", "agent", "bot", "system"]
    id: str | None
    name: str | None


class Message(Open):
    id: str
    conversation_id: str
    seq: int
    client_id: str | None
    author: Author
    text: str
    internal: bool
    created_at: str


class Conversation(Open):
    id: str
    site_id: str
    visitor_id: str
    status: Literal["open", "resolved"]
    assignee_id: str | None
    created_at: str
    first_response_at: str | None
    resolved_at: str | None
    last_seq: int
    tags: list[str] = []


class ConversationDetail(Conversation):
    messages: list[Message]


class ConversationList(Open):
    conversations: list[Conversation]
    next_cursor: str | None = None


class TagsChange(Body):
    tags: list[str]


class Geo(Open):
    country_code: str | None
    country: str | None
    city: str | None
    region: str | None
    timezone: str | None


class UserAgent(Open):
    browser: str | None
    os: str | None
    device: str | None


class CurrentPage(Open):
    url: str
    title: str | None


class PageVisit(Open):
    url: str
    title: str | None
    referrer: str | None
    entered_at: str
    left_at: str | None
    dwell_seconds: float | None


class Keyword(Open):
    keyword: str
    source: str
    at: str


class Visitor(Open):
    id: str
    site_id: str
    online: bool
    first_seen_at: str
    last_seen_at: str
    visits: int
    ip: str | None
    geo: Geo | None
    user_agent: UserAgent | None
    current_page: CurrentPage | None
    pages: list[PageVisit]
    search_keywords: list[Keyword]
    time_on_site_seconds: float


class VisitorList(Open):
    visitors: list[Visitor]
    next_cursor: str | None = None
    total: int | None = None


class VisitorExport(Open):
    exported_at: str
    visitor: Visitor
    conversations: list[dict[str, Any]]


# -- SLA and statistics (contract sections 2, 3, 4) -----------------------------------


class SlaPolicy(Open):
    first_response_seconds: float
    next_response_seconds: float
    warning_fraction: float | None = None
    business_hours: dict[str, Any] | None = None


class SlaChange(Body):
    first_response_seconds: float = Field(gt=0)
    next_response_seconds: float = Field(gt=0)
    warning_fraction: float | None = Field(None, gt=0, lt=1)
    business_hours: dict[str, Any] | None = None
    site_id: str | None = None


class SlaTargets(Open):
    first_response_seconds: float
    next_response_seconds: float


class Summary(Open):
    count: int
    mean: float | None
    p50: float | None
    p90: float | None
    max: float | None
    within_sla: int
    breached: int


class AgentFigures(Open):
    agent_id: str
    name: str | None
    first_response: Summary
    next_response: Summary


class Stats(Open):
    since: str
    until: str
    sla: SlaTargets
    first_response: Summary
    next_response: Summary
    conversations: int
    missed: int
    per_agent: list[AgentFigures]


class StatsSeries(Open):
    since: str
    until: str
    bucket_seconds: float
    buckets: list[dict[str, Any]]


class StatsOverview(Open):
    since: str
    until: str


class WaitingNow(Open):
    now: str
    waiting: list[dict[str, Any]]
    agents_online: int


# -- sites, teams, canned replies, search (contract section 9) ------------------------


class Site(Open):
    id: str
    key: str
    name: str
    origins: list[str]


class SiteList(Open):
    sites: list[Site]


class SiteCreate(Body):
    name: str
    origins: list[str] | None = None
    color: str | None = None
    routing: bool | None = None


class SiteChange(Body):
    name: str | None = None
    origins: list[str] | None = None
    color: str | None = None
    routing: bool | None = None


class Team(Open):
    id: str
    name: str
    site_ids: list[str]
    agent_ids: list[str]


class TeamList(Open):
    teams: list[Team]


class TeamCreate(Body):
    name: str
    site_ids: list[str] | None = None
    agent_ids: list[str] | None = None


class TeamChange(Body):
    name: str | None = None
    site_ids: list[str] | None = None
    agent_ids: list[str] | None = None


class CannedReply(Open):
    id: str
    site_id: str | None
    shortcut: str
    title: str | None
    text: str


class CannedReplyList(Open):
    canned_replies: list[CannedReply]


class CannedReplyCreate(Body):
    shortcut: str
    title: str = Field(min_length=1, max_length=200)
    text: str
    site_id: str | None = None
    locale: str | None = None


class CannedReplyChange(Body):
    shortcut: str | None = None
    text: str | None = None
    title: str | None = None
    site_id: str | None = None
    locale: str | None = None


class SearchHit(Open):
    conversation_id: str
    snippet: str


class SearchResults(Open):
    results: list[SearchHit]
