"""``POST /api/v1/auth/token`` (log in: a revocable API token) and ``/auth/logout``."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import accounts, sessions
from chat_server.admin.accounts import LoginOutcome
from chat_server.model.tables import SessionKind
from chat_server.runtime.state import Runtime
from chat_server.security.tokens import API_TOKEN_SECONDS
from chat_server.web.endpoints.guards import (
    CsrfMismatch,
    client_address,
    current_credential,
)
from chat_server.web.endpoints.http_errors import error_response
from chat_server.web.endpoints.params import read_json
from chat_server.wire.views import agent_view

LOGIN_ERRORS = {
    LoginOutcome.invalid_credentials: "wrong e-mail or password",
    LoginOutcome.otp_required: "this account needs a one-time code: send it as otp",
    LoginOutcome.invalid_otp: "the one-time code is wrong or too old",
}


async def issue_token(request: Request) -> Response:
    body = await read_json(request)
    email, password, otp = body.get("email"), body.get("password"), body.get("otp")
    if not isinstance(email, str) or not isinstance(password, str):
        return error_response(400, "invalid_request", "email and password are required strings")
    if otp is not None and not isinstance(otp, str):
        return error_response(400, "invalid_request", "otp must be a string of 6 digits")
    rt: Runtime = request.app.state.runtime
    address = client_address(request)
    if await rt.login_guard.blocked(address, email):
        return error_response(
            429, "too_many_attempts", "too many failed logins; wait a few minutes"
        )
    login = await accounts.authenticate(rt, email, password, otp)
    if login.agent is None:
        if login.outcome is not LoginOutcome.otp_required:  # the password was right then
            await rt.login_guard.failed(address, email)
        return error_response(401, login.outcome.value, LOGIN_ERRORS[login.outcome])
    await rt.login_guard.succeeded(address, email)
    session_id = await sessions.open_session(rt, login.agent, SessionKind.api, API_TOKEN_SECONDS)
    return JSONResponse(
        {"token": rt.signer.issue_api_token(session_id), "agent": agent_view(login.agent)}
    )


async def logout(request: Request) -> Response:
    """Revokes the credential the request came with: the Bearer token (or, from the
    console's pages, their cookie session). Any later use of it gets 401."""
    try:
        credential = await current_credential(request)
    except CsrfMismatch:
        return error_response(403, "csrf_failed", "the X-CSRF-Token header is missing")
    if credential is None:
        return error_response(401, "unauthorized", "a valid Bearer token is required")
    await sessions.revoke_session(request.app.state.runtime, credential.session_id)
    return JSONResponse({"revoked": True})


routes = [
    Route("/auth/token", issue_token, methods=["POST"]),
    Route("/auth/logout", logout, methods=["POST"]),
]
