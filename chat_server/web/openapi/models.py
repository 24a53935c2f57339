"""The bodies of the REST API as pydantic models: what ``openapi.json`` is built from.

Field names and types follow ``../shared/CONTRACT.md`` (sections 2, 3, 8 and 9) and
``chat_server/wire/views.py``. Response models allow extra fields (``extra="allow"``):
adding fields is within the contract, so a client must not break on them either.
Times are ISO 8601 strings in UTC; ids are strings.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from chat_server.web.openapi.account_models import (
    AgentChange as AgentChange,
    AgentCreate as AgentCreate,
    AgentList as AgentList,
    AgentSummary as AgentSummary,
    AgentView as AgentView,
    AvatarChange as AvatarChange,
    AvatarSet as AvatarSet,
    OtpOff as OtpOff,
    OtpSecret as OtpSecret,
    TokenIssued as TokenIssued,
    TokenRequest as TokenRequest,
)
from chat_server.web.openapi.attachment_models import Attachment
from chat_server.web.openapi.base_models import Body as Body, Open as Open

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
    attachments: list[Attachment]


class ConversationAssistant(Open):
    """The assistant's part: active, handed over when, "Did this help?" awaiting."""

    active: bool
    handed_over_at: str | None
    feedback_seq: int | None


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
    assistant: ConversationAssistant | None = None


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


class AssistantFigures(Open):
    """Conversations of the period the assistant answered, handed over, resolved alone."""

    answered: int
    handed_over: int
    resolved_without_agent: int


class Stats(Open):
    since: str
    until: str
    sla: SlaTargets
    first_response: Summary
    next_response: Summary
    conversations: int
    missed: int
    per_agent: list[AgentFigures]
    assistant: AssistantFigures


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
