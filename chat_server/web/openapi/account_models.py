"""Account bodies of the REST API (tokens, agents, avatars, two-factor): part of
:mod:`chat_server.web.openapi.models`, which re-exports them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chat_server.web.openapi.base_models import Body, Open

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
