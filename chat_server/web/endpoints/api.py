"""The REST API under ``/api/v1``: authenticate, validate, call the domain, shape JSON."""

from __future__ import annotations

import math
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import accounts, personal_data
from chat_server.chat import queries
from chat_server.model.errors import DomainError
from chat_server.model.tables import Agent, Role
from chat_server.runtime.state import Runtime
from chat_server.sla.business_hours import validate_business_hours
from chat_server.sla.policy import load_policy, save_policy
from chat_server.visitors import queries as visitors
from chat_server.web.endpoints import stats_api
from chat_server.web.endpoints.guards import authenticated
from chat_server.web.endpoints.http_errors import error_response
from chat_server.wire.views import agent_view


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


async def read_json(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except (orjson.JSONDecodeError, RecursionError):
        raise DomainError("invalid_json", "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise DomainError("invalid_json", "the body must be a JSON object")
    return body


async def issue_token(request: Request) -> Response:
    body = await read_json(request)
    email, password = body.get("email"), body.get("password")
    if not isinstance(email, str) or not isinstance(password, str):
        return error_response(400, "invalid_request", "email and password are required strings")
    rt = _rt(request)
    key = f"api:{email.strip().lower()}"
    if rt.login_limiter.blocked(key):
        return error_response(
            429, "too_many_attempts", "too many failed logins; wait a few minutes"
        )
    agent = await accounts.authenticate(rt, email, password)
    if agent is None:
        rt.login_limiter.failed(key)
        return error_response(401, "invalid_credentials", "wrong e-mail or password")
    rt.login_limiter.succeeded(key)
    return JSONResponse({"token": rt.signer.issue_token(agent.id), "agent": agent_view(agent)})


@authenticated()
async def list_conversations(request: Request, agent: Agent) -> Response:
    status = request.query_params.get("status", "open")
    if status not in ("open", "resolved", "all"):
        raise DomainError("invalid_parameter", "status must be open, resolved or all")
    items = await queries.list_conversations(_rt(request), None if status == "all" else status)
    return JSONResponse({"conversations": items})


@authenticated()
async def get_conversation(request: Request, agent: Agent) -> Response:
    detail = await queries.conversation_detail(_rt(request), request.path_params["id"])
    return JSONResponse(detail)


@authenticated()
async def list_visitors(request: Request, agent: Agent) -> Response:
    online = request.query_params.get("online", "false").lower() in ("true", "1", "yes")
    return JSONResponse(
        {"visitors": await visitors.list_visitors(_rt(request), online_only=online)}
    )


@authenticated()
async def get_visitor(request: Request, agent: Agent) -> Response:
    return JSONResponse(await visitors.visitor_detail(_rt(request), request.path_params["id"]))


@authenticated({Role.admin.value})
async def export_visitor(request: Request, agent: Agent) -> Response:
    data = await personal_data.export_visitor(_rt(request), request.path_params["id"], agent)
    return JSONResponse(
        data,
        headers={
            "content-disposition": f'attachment; filename="visitor-{request.path_params["id"]}.json"'
        },
    )


@authenticated({Role.admin.value})
async def delete_visitor(request: Request, agent: Agent) -> Response:
    await personal_data.erase_visitor(_rt(request), request.path_params["id"], agent)
    return JSONResponse({"deleted": request.path_params["id"]})


def _positive(body: dict[str, Any], name: str) -> float:
    value = body.get(name)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise DomainError("invalid_parameter", f"{name} must be a positive number")
    return float(value)


@authenticated({Role.admin.value})
async def put_sla(request: Request, agent: Agent) -> Response:
    body = await read_json(request)
    first = _positive(body, "first_response_seconds")
    following = _positive(body, "next_response_seconds")
    fraction = body.get("warning_fraction")
    if fraction is not None and (
        isinstance(fraction, bool) or not isinstance(fraction, (int, float)) or not 0 < fraction < 1
    ):
        raise DomainError("invalid_parameter", "warning_fraction must be between 0 and 1")
    business_hours = body.get("business_hours")
    if business_hours is not None:
        business_hours = validate_business_hours(business_hours)
    site_id = body.get("site_id")
    if site_id is not None and not isinstance(site_id, str):
        raise DomainError("invalid_parameter", "site_id must be a string")
    policy = await _rt(request).db.write(
        lambda connection: save_policy(
            connection, first, following, fraction, business_hours, site_id
        )
    )
    return JSONResponse(policy.view())


@authenticated()
async def get_sla(request: Request, agent: Agent) -> Response:
    site_id = request.query_params.get("site_id")
    policy = await _rt(request).db.read(lambda connection: load_policy(connection, site_id))
    return JSONResponse(policy.view())


routes = [
    Route("/auth/token", issue_token, methods=["POST"]),
    Route("/conversations", list_conversations, methods=["GET"]),
    Route("/conversations/{id}", get_conversation, methods=["GET"]),
    Route("/visitors", list_visitors, methods=["GET"]),
    Route("/visitors/{id}", get_visitor, methods=["GET"]),
    Route("/visitors/{id}", delete_visitor, methods=["DELETE"]),
    Route("/visitors/{id}/export", export_visitor, methods=["GET"]),
    Route("/sla", put_sla, methods=["PUT"]),
    Route("/sla", get_sla, methods=["GET"]),
    *stats_api.routes,
]
