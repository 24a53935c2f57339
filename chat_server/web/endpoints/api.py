"""The REST API under ``/api/v1``: authenticate, validate, call the domain, shape JSON."""

from __future__ import annotations

import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import personal_data, sites
from chat_server.chat import queries
from chat_server.model.errors import DomainError
from chat_server.model.paging import PageRequest, page_request
from chat_server.model.tables import Agent, Role
from chat_server.runtime.state import Runtime
from chat_server.sla.business_hours import validate_business_hours
from chat_server.sla.policy import load_policy, save_policy
from chat_server.visitors import queries as visitors
from chat_server.web.endpoints import (
    agents_api,
    auth_api,
    canned_api,
    faq_api,
    profile_api,
    search_api,
    sites_api,
    sse_frames,
    stats_api,
    tags_api,
    teams_api,
    uploads_api,
    webhooks_api,
    widget_config,
)
from chat_server.web.endpoints.guards import authenticated, scope_of
from chat_server.web.endpoints.params import read_json
from chat_server.web.openapi.document import openapi_json


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


@authenticated()
async def list_conversations(request: Request, agent: Agent) -> Response:
    status = request.query_params.get("status", "open")
    if status not in ("open", "resolved", "all"):
        raise DomainError("invalid_parameter", "status must be open, resolved or all")
    assignee, tag = tags_api.list_filters(request, agent)
    items, next_cursor = await queries.list_conversations(
        _rt(request),
        None if status == "all" else status,
        scope_of(request),
        page_of(request),
        assignee,
        tag,
    )
    return JSONResponse({"conversations": items, "next_cursor": next_cursor})


def page_of(request: Request) -> PageRequest:
    return page_request(request.query_params.get("limit"), request.query_params.get("cursor"))


@authenticated()
async def get_conversation(request: Request, agent: Agent) -> Response:
    detail = await queries.conversation_detail(
        _rt(request), request.path_params["id"], scope_of(request)
    )
    return JSONResponse(detail)


@authenticated()
async def list_visitors(request: Request, agent: Agent) -> Response:
    online = request.query_params.get("online", "false").lower() in ("true", "1", "yes")
    found = await visitors.list_visitors(
        _rt(request), online, scope_of(request), page_of(request), with_total=True
    )
    return JSONResponse(
        {"visitors": found.visitors, "next_cursor": found.next_cursor, "total": found.total}
    )


@authenticated()
async def get_visitor(request: Request, agent: Agent) -> Response:
    return JSONResponse(
        await visitors.visitor_detail(_rt(request), request.path_params["id"], scope_of(request))
    )


@authenticated({Role.admin.value})
async def export_visitor(request: Request, agent: Agent) -> Response:
    data = await personal_data.export_visitor(
        _rt(request), request.path_params["id"], agent, scope_of(request)
    )
    return JSONResponse(
        data,
        headers={
            "content-disposition": f'attachment; filename="visitor-{request.path_params["id"]}.json"'
        },
    )


@authenticated({Role.admin.value})
async def delete_visitor(request: Request, agent: Agent) -> Response:
    await visitors.require_visitor(_rt(request), request.path_params["id"], scope_of(request))
    await personal_data.erase_visitor(_rt(request), request.path_params["id"], agent)
    return JSONResponse({"deleted": request.path_params["id"]})


# A target beyond a month means no target; bigger numbers only overflow the figures.
MAX_TARGET_SECONDS = 30 * 24 * 3600


def _positive(body: dict[str, Any], name: str) -> float:
    value = body.get(name)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
        or value > MAX_TARGET_SECONDS
    ):
        raise DomainError(
            "invalid_parameter", f"{name} must be a positive number of at most 30 days"
        )
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
    if site_id is not None:
        await sites.require_site(_rt(request), site_id, scope_of(request))
    policy = await _rt(request).db.write(
        lambda connection: save_policy(
            connection, first, following, fraction, business_hours, site_id
        )
    )
    return JSONResponse(policy.view())


@authenticated()
async def get_sla(request: Request, agent: Agent) -> Response:
    site_id = request.query_params.get("site_id")
    if site_id:
        await sites.require_site(_rt(request), site_id, scope_of(request))
    policy = await _rt(request).db.read(lambda connection: load_policy(connection, site_id))
    return JSONResponse(policy.view())


routes = [
    *auth_api.routes,
    Route("/conversations", list_conversations, methods=["GET"]),
    Route("/conversations/{id}", get_conversation, methods=["GET"]),
    Route("/visitors", list_visitors, methods=["GET"]),
    Route("/visitors/{id}", get_visitor, methods=["GET"]),
    Route("/visitors/{id}", delete_visitor, methods=["DELETE"]),
    Route("/visitors/{id}/export", export_visitor, methods=["GET"]),
    Route("/sla", put_sla, methods=["PUT"]),
    Route("/sla", get_sla, methods=["GET"]),
    *stats_api.routes,
    *sites_api.routes,
    *agents_api.routes,
    *profile_api.routes,
    *teams_api.routes,
    *tags_api.routes,
    *canned_api.routes,
    *faq_api.routes,
    *search_api.routes,
    *uploads_api.routes,
    *widget_config.routes,
    *sse_frames.routes,
    *webhooks_api.routes,
    Route("/openapi.json", openapi_json, methods=["GET"]),  # web/openapi: keep it in step
]
