"""``/api/v1/webhooks``: admins create, delete and retry; managers and admins list and
read the webhooks of their sites, their delivery logs (every attempt) and their
outboxes (every delivery, one row each); agents get 403."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.model.errors import DomainError, NotFound
from chat_server.model.tables import Agent, Role, utcnow
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.guards import STAFF, authenticated, scope_of
from chat_server.web.endpoints.params import read_json
from chat_server.webhooks import deliveries, subscriptions

ADMINS = {Role.admin.value}
DEFAULT_DELIVERIES = 100
MAX_DELIVERIES = 500


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


def _limit(request: Request) -> int:
    raw = request.query_params.get("limit", str(DEFAULT_DELIVERIES))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_DELIVERIES:
        raise DomainError("invalid_parameter", f"limit must be 1 to {MAX_DELIVERIES}")
    return int(raw)


@authenticated(ADMINS)
async def create_webhook(request: Request, agent: Agent) -> Response:
    body = await read_json(request)
    webhook = await subscriptions.create(_rt(request), body, scope_of(request))
    return JSONResponse(webhook, status_code=201)


@authenticated(STAFF)
async def list_webhooks(request: Request, agent: Agent) -> Response:
    webhooks = await subscriptions.list_webhooks(_rt(request), scope_of(request))
    return JSONResponse({"webhooks": webhooks})


@authenticated(STAFF)
async def get_webhook(request: Request, agent: Agent) -> Response:
    webhook = await subscriptions.get(_rt(request), request.path_params["id"], scope_of(request))
    return JSONResponse(webhook)


@authenticated(ADMINS)
async def delete_webhook(request: Request, agent: Agent) -> Response:
    await subscriptions.delete(_rt(request), request.path_params["id"], scope_of(request))
    return JSONResponse({"deleted": request.path_params["id"]})


@authenticated(STAFF)
async def list_deliveries(request: Request, agent: Agent) -> Response:
    rt, webhook_id = _rt(request), request.path_params["id"]
    limit = _limit(request)
    await subscriptions.find(rt, webhook_id, scope_of(request))
    log = await rt.db.read(
        lambda connection: deliveries.delivery_log(connection, webhook_id, limit)
    )
    return JSONResponse({"deliveries": log})


@authenticated(STAFF)
async def list_delivery_states(request: Request, agent: Agent) -> Response:
    """One row per delivery (the console's page), where ``deliveries`` lists attempts."""
    rt, webhook_id = _rt(request), request.path_params["id"]
    limit = _limit(request)
    await subscriptions.find(rt, webhook_id, scope_of(request))
    states = await rt.db.read(
        lambda connection: deliveries.delivery_states(connection, webhook_id, limit)
    )
    return JSONResponse({"deliveries": states})


@authenticated(ADMINS)
async def retry_delivery(request: Request, agent: Agent) -> Response:
    rt = _rt(request)
    webhook_id, delivery_id = request.path_params["id"], request.path_params["delivery_id"]
    await subscriptions.find(rt, webhook_id, scope_of(request))
    now = utcnow()
    if not await rt.db.write(
        lambda connection: deliveries.retry(connection, webhook_id, delivery_id, now)
    ):
        raise NotFound("not_found", "no such delivery waiting or given up")
    return JSONResponse({"retrying": delivery_id}, status_code=202)


routes = [
    Route("/webhooks", list_webhooks, methods=["GET"]),
    Route("/webhooks", create_webhook, methods=["POST"]),
    Route("/webhooks/{id}", get_webhook, methods=["GET"]),
    Route("/webhooks/{id}", delete_webhook, methods=["DELETE"]),
    Route("/webhooks/{id}/deliveries", list_deliveries, methods=["GET"]),
    Route("/webhooks/{id}/outbox", list_delivery_states, methods=["GET"]),
    Route("/webhooks/{id}/deliveries/{delivery_id}/retry", retry_delivery, methods=["POST"]),
]
