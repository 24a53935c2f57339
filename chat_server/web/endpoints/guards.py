"""Who may call the REST API, and the roles an endpoint admits.

A caller is either a script with ``Authorization: Bearer TOKEN`` (an API session) or
the console's pages with their session cookie. The console uses the cookie rather
than a token of its own: its pages then hold no secret a script could lift, no token
is minted per page view, and a console logout ends the pages' API access at once.
Cookie calls that change anything need the session's CSRF token in ``X-CSRF-Token``
(which a cross-site form or fetch cannot send). A Bearer header, when present, is the
only credential looked at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from chat_server.admin import sessions
from chat_server.admin.scope import resolve_scope
from chat_server.model.scope import Scope
from chat_server.model.tables import Agent, Role, SessionKind
from chat_server.runtime.state import Runtime
from chat_server.security.tokens import csrf_matches
from chat_server.tracking.client_ip import resolve_client_ip
from chat_server.web.endpoints.http_errors import error_response

Handler = Callable[[Request, Agent], Awaitable[Response]]
STAFF = {Role.manager.value, Role.admin.value}
SESSION_COOKIE = "chat_session"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Credential:
    """An agent and the stored session its request came with."""

    agent: Agent
    session_id: str
    kind: SessionKind


class CsrfMismatch(Exception):
    """A cookie call that changes something came without the session's CSRF token."""


def client_address(connection: HTTPConnection) -> str | None:
    """The client's address, believing ``X-Forwarded-For`` only from trusted proxies."""
    rt: Runtime = connection.app.state.runtime
    forwarded = ",".join(connection.headers.getlist("x-forwarded-for")) or None
    peer = connection.client.host if connection.client else None
    return resolve_client_ip(peer, forwarded, rt.settings.trusted_proxies)


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header ("" for one without a token),
    None when there is no such header."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


async def current_credential(request: Request) -> Credential | None:
    """The caller's credential if it still counts; raises :class:`CsrfMismatch`."""
    rt: Runtime = request.app.state.runtime
    token = bearer_token(request)
    if token:
        session_id = rt.signer.read_api_token(token)
        agent = await sessions.agent_of_session(rt, session_id, SessionKind.api)
        return Credential(agent, session_id, SessionKind.api) if agent and session_id else None
    cookie = rt.signer.read_console_cookie(request.cookies.get(SESSION_COOKIE))
    if cookie is None:
        return None
    if request.method not in SAFE_METHODS and not csrf_matches(
        cookie.csrf, request.headers.get(CSRF_HEADER)
    ):
        raise CsrfMismatch
    agent = await sessions.agent_of_session(rt, cookie.session_id, SessionKind.console)
    return Credential(agent, cookie.session_id, SessionKind.console) if agent else None


async def current_agent(request: Request) -> Agent | None:
    try:
        credential = await current_credential(request)
    except CsrfMismatch:
        return None
    return credential.agent if credential else None


def scope_of(request: Request) -> Scope:
    """The caller's sites, resolved once by :func:`authenticated` before the handler runs."""
    scope: Scope = request.state.scope
    return scope


def authenticated(
    roles: set[str] | None = None,
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Call the handler with the caller's agent: 401 ``unauthorized`` without a valid
    token or session, 403 ``csrf_failed`` for a cookie call without its CSRF token,
    403 ``forbidden`` when the agent's role is not in ``roles`` (None: any role).
    The agent's :class:`Scope` is resolved here, once, for :func:`scope_of`."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                credential = await current_credential(request)
            except CsrfMismatch:
                return error_response(403, "csrf_failed", "the X-CSRF-Token header is missing")
            if credential is None:
                return error_response(401, "unauthorized", "a valid Bearer token is required")
            agent = credential.agent
            if roles is not None and agent.role not in roles:
                return error_response(403, "forbidden", "your role may not do this")
            request.state.scope = await resolve_scope(request.app.state.runtime, agent)
            return await handler(request, agent)

        return endpoint

    return wrap
