"""One :class:`Operation` per ``/api/v1`` route: what ``openapi.json`` says about it.

Paths are as mounted (``/api/v1`` + the route's path). ``tests/test_openapi.py`` walks
the routes of ``web.endpoints.api`` and fails on any route (path and method) that has no
operation here, so a new endpoint cannot be left out of the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel

from chat_server.web.openapi import models as m

Who = Literal["anyone", "agents", "managers", "admins"]


@dataclass(frozen=True)
class Param:
    """A query parameter (path parameters come from the path)."""

    name: str
    description: str
    kind: Literal["string", "integer", "boolean"] = "string"
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Media:
    """A response that is not JSON (CSV, an image)."""

    content_type: str
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    who: Who
    response: type[BaseModel] | Media | None
    status: int = 200
    body: type[BaseModel] | None = None
    params: tuple[Param, ...] = field(default_factory=tuple)
    #: How ``body`` is sent: JSON, or ``multipart/form-data`` for files.
    body_media: str = "application/json"


PAGING = (
    Param("limit", "at most this many items (1-200)", "integer"),
    Param("cursor", "next_cursor of the previous page"),
)
PERIOD = (
    Param("since", "ISO 8601 start (default: until minus 24 hours)"),
    Param("until", "ISO 8601 end (default: now)"),
    Param("site_id", "only this site (default: all of the caller's sites)"),
)
V1 = "/api/v1"

OPERATIONS: tuple[Operation, ...] = (
    # accounts
    Operation(
        "POST",
        f"{V1}/auth/token",
        "Log in: a Bearer token for scripts",
        "accounts",
        "anyone",
        m.TokenIssued,
        body=m.TokenRequest,
    ),
    Operation(
        "POST",
        f"{V1}/auth/logout",
        "Revoke the token the request came with",
        "accounts",
        "agents",
        m.Revoked,
    ),
    Operation(
        "GET", f"{V1}/agents", "The agents of the caller's sites", "accounts", "agents", m.AgentList
    ),
    Operation(
        "POST",
        f"{V1}/agents",
        "Invite an agent",
        "accounts",
        "admins",
        m.AgentView,
        status=201,
        body=m.AgentCreate,
    ),
    Operation("GET", f"{V1}/agents/{{id}}", "One agent", "accounts", "agents", m.AgentView),
    Operation(
        "PATCH",
        f"{V1}/agents/{{id}}",
        "Change an agent (role, sites, capacity, ...)",
        "accounts",
        "managers",
        m.AgentView,
        body=m.AgentChange,
    ),
    Operation(
        "GET",
        f"{V1}/agents/{{id}}/avatar",
        "An agent's picture (or initials as SVG)",
        "accounts",
        "anyone",
        Media("image/*", "the picture"),
    ),
    Operation(
        "PUT",
        f"{V1}/agents/{{id}}/avatar",
        "Set or remove an agent's picture",
        "accounts",
        "agents",
        m.AvatarSet,
        body=m.AvatarChange,
    ),
    Operation(
        "POST",
        f"{V1}/agents/{{id}}/otp",
        "Turn two-factor login on: a new secret",
        "accounts",
        "admins",
        m.OtpSecret,
    ),
    Operation(
        "DELETE",
        f"{V1}/agents/{{id}}/otp",
        "Turn two-factor login off",
        "accounts",
        "admins",
        m.OtpOff,
    ),
    # conversations
    Operation(
        "GET",
        f"{V1}/conversations",
        "Conversations of the caller's sites",
        "conversations",
        "agents",
        m.ConversationList,
        params=(
            Param("status", "which ones", choices=("open", "resolved", "all")),
            Param("assignee", "any, me, none or an agent id"),
            Param("tag", "only those with this tag"),
            *PAGING,
        ),
    ),
    Operation(
        "GET",
        f"{V1}/conversations/{{id}}",
        "A conversation with its messages",
        "conversations",
        "agents",
        m.ConversationDetail,
    ),
    Operation(
        "PUT",
        f"{V1}/conversations/{{id}}/tags",
        "Replace a conversation's tags",
        "conversations",
        "agents",
        m.ConversationDetail,
        body=m.TagsChange,
    ),
    Operation(
        "GET",
        f"{V1}/search",
        "Search conversation history (Turkish-aware)",
        "conversations",
        "agents",
        m.SearchResults,
        params=(
            Param("q", "the words"),
            Param("limit", "at most", "integer"),
            Param("site_id", "only this site"),
        ),
    ),
    # visitors
    Operation(
        "GET",
        f"{V1}/visitors",
        "Visitors of the caller's sites",
        "visitors",
        "agents",
        m.VisitorList,
        params=(Param("online", "only those online now", "boolean"), *PAGING),
    ),
    Operation(
        "GET",
        f"{V1}/visitors/{{id}}",
        "A visitor with the full page history",
        "visitors",
        "agents",
        m.Visitor,
    ),
    Operation(
        "DELETE",
        f"{V1}/visitors/{{id}}",
        "Erase a visitor (KVKK/GDPR)",
        "visitors",
        "admins",
        m.Deleted,
    ),
    Operation(
        "GET",
        f"{V1}/visitors/{{id}}/export",
        "Everything stored about a visitor",
        "visitors",
        "admins",
        m.VisitorExport,
    ),
    # SLA and statistics
    Operation(
        "GET",
        f"{V1}/sla",
        "The SLA policy (of a site, or the default)",
        "stats",
        "agents",
        m.SlaPolicy,
        params=(Param("site_id", "this site's policy"),),
    ),
    Operation(
        "PUT", f"{V1}/sla", "Set the SLA policy", "stats", "admins", m.SlaPolicy, body=m.SlaChange
    ),
    Operation(
        "GET",
        f"{V1}/stats/response-times",
        "Response times against the SLA",
        "stats",
        "managers",
        m.Stats,
        params=(*PERIOD, Param("business", "count business hours only", "boolean")),
    ),
    Operation(
        "GET",
        f"{V1}/stats/response-times.csv",
        "The same waits as CSV, one per row",
        "stats",
        "managers",
        Media("text/csv", "one row per wait"),
        params=(*PERIOD, Param("business", "count business hours only", "boolean")),
    ),
    Operation(
        "GET",
        f"{V1}/stats/series",
        "Response times per hour or day",
        "stats",
        "managers",
        m.StatsSeries,
        params=(*PERIOD, Param("bucket", "bucket width", choices=("hour", "day"))),
    ),
    Operation(
        "GET",
        f"{V1}/stats/overview",
        "Volume, ratings and the response histogram",
        "stats",
        "managers",
        m.StatsOverview,
        params=(*PERIOD, Param("tz", "IANA time zone for hours and weekdays")),
    ),
    Operation(
        "GET",
        f"{V1}/stats/waiting",
        "Who is waiting for an answer now",
        "stats",
        "managers",
        m.WaitingNow,
        params=(Param("site_id", "only this site"),),
    ),
    # sites, teams, canned replies
    Operation("GET", f"{V1}/sites", "The caller's sites", "sites", "agents", m.SiteList),
    Operation(
        "POST",
        f"{V1}/sites",
        "Create a site",
        "sites",
        "admins",
        m.Site,
        status=201,
        body=m.SiteCreate,
    ),
    Operation("GET", f"{V1}/sites/{{id}}", "One site", "sites", "agents", m.Site),
    Operation(
        "PATCH", f"{V1}/sites/{{id}}", "Change a site", "sites", "admins", m.Site, body=m.SiteChange
    ),
    Operation("GET", f"{V1}/teams", "Teams", "sites", "agents", m.TeamList),
    Operation(
        "POST",
        f"{V1}/teams",
        "Create a team",
        "sites",
        "managers",
        m.Team,
        status=201,
        body=m.TeamCreate,
    ),
    Operation(
        "PATCH",
        f"{V1}/teams/{{id}}",
        "Change a team",
        "sites",
        "managers",
        m.Team,
        body=m.TeamChange,
    ),
    Operation("DELETE", f"{V1}/teams/{{id}}", "Delete a team", "sites", "managers", m.Deleted),
    Operation(
        "GET",
        f"{V1}/canned-replies",
        "Canned replies of the caller's sites",
        "canned replies",
        "agents",
        m.CannedReplyList,
        params=(Param("site_id", "only this site's and the shared ones"),),
    ),
    Operation(
        "POST",
        f"{V1}/canned-replies",
        "Create a canned reply",
        "canned replies",
        "managers",
        m.CannedReply,
        status=201,
        body=m.CannedReplyCreate,
    ),
    Operation(
        "PATCH",
        f"{V1}/canned-replies/{{id}}",
        "Change a canned reply",
        "canned replies",
        "managers",
        m.CannedReply,
        body=m.CannedReplyChange,
    ),
    Operation(
        "PUT",
        f"{V1}/canned-replies/{{id}}",
        "Change a canned reply (as PATCH)",
        "canned replies",
        "managers",
        m.CannedReply,
        body=m.CannedReplyChange,
    ),
    Operation(
        "DELETE",
        f"{V1}/canned-replies/{{id}}",
        "Delete a canned reply",
        "canned replies",
        "managers",
        m.Deleted,
    ),
    Operation(
        "GET",
        f"{V1}/canned-replies/{{id}}/render",
        "A canned reply with its placeholders filled for a conversation",
        "canned replies",
        "agents",
        m.CannedReply,
        params=(Param("conversation_id", "fill {visitor_name} etc. from this one"),),
    ),
    # this document
    Operation("GET", f"{V1}/openapi.json", "This document", "meta", "anyone", None),
)
