"""``/api/v1/canned-replies``: list (agents), create, change, delete (managers, admins),
and ``/{id}/render`` (the text with its placeholders filled for a conversation)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import canned_replies
from chat_server.model.tables import Agent
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.guards import STAFF, authenticated, scope_of
from chat_server.web.endpoints.params import read_json


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


@authenticated()
async def list_replies(request: Request, agent: Agent) -> Response:
    replies = await canned_replies.list_replies(
        _rt(request), scope_of(request), request.query_params.get("site_id") or None
    )
    return JSONResponse({"canned_replies": replies})


@authenticated(STAFF)
async def create_reply(request: Request, agent: Agent) -> Response:
    fields = canned_replies.check_body(await read_json(request), creating=True)
    reply = await canned_replies.create_reply(_rt(request), scope_of(request), fields)
    return JSONResponse(reply, status_code=201)


@authenticated(STAFF)
async def update_reply(request: Request, agent: Agent) -> Response:
    fields = canned_replies.check_body(await read_json(request), creating=False)
    reply = await canned_replies.update_reply(
        _rt(request), scope_of(request), request.path_params["id"], fields
    )
    return JSONResponse(reply)


@authenticated(STAFF)
async def delete_reply(request: Request, agent: Agent) -> Response:
    await canned_replies.delete_reply(_rt(request), scope_of(request), request.path_params["id"])
    return JSONResponse({"deleted": request.path_params["id"]})


@authenticated()
async def render_reply(request: Request, agent: Agent) -> Response:
    reply = await canned_replies.render_reply(
        _rt(request),
        scope_of(request),
        request.path_params["id"],
        request.query_params.get("conversation_id") or None,
        agent.name,
    )
    return JSONResponse(reply)


routes = [
    Route("/canned-replies", list_replies, methods=["GET"]),
    Route("/canned-replies", create_reply, methods=["POST"]),
    Route("/canned-replies/{id}", update_reply, methods=["PUT", "PATCH"]),
    Route("/canned-replies/{id}", delete_reply, methods=["DELETE"]),
    Route("/canned-replies/{id}/render", render_reply, methods=["GET"]),
]
