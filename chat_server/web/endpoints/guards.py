"""Who may call the REST API: the agent of a ``Bearer`` token, and the roles an endpoint admits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from chat_server.admin import accounts
from chat_server.model.tables import Agent, Role
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.http_errors import error_response

Handler = Callable[[Request, Agent], Awaitable[Response]]
STAFF = {Role.manager.value, Role.admin.value}


async def current_agent(request: Request) -> Agent | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    rt: Runtime = request.app.state.runtime
    return await accounts.agent_by_id(rt, rt.signer.read_token(token.strip()))


def authenticated(
    roles: set[str] | None = None,
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    """Call the handler with the token's agent: 401 ``unauthorized`` without a valid
    token, 403 ``forbidden`` when the agent's role is not in ``roles`` (None: any role)."""

    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            agent = await current_agent(request)
            if agent is None:
                return error_response(401, "unauthorized", "a valid Bearer token is required")
            if roles is not None and agent.role not in roles:
                return error_response(403, "forbidden", "your role may not do this")
            return await handler(request, agent)

        return endpoint

    return wrap
