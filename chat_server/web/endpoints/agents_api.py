"""``/api/v1/agents``: the directory of colleagues (every agent), and accounts by role.

Everyone lists the agents of their sites (a transfer picks a colleague); managers and
admins also see e-mail, role, ``active`` and ``max_chats``. Admins create accounts and
change anything; managers change ``max_chats``, ``teams`` and ``active`` of the agents
of their sites (:mod:`chat_server.admin.agents` holds the rules).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import agents
from chat_server.model.tables import Agent, Role
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.guards import STAFF, authenticated, scope_of
from chat_server.web.endpoints.params import read_json


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


@authenticated()
async def list_agents(request: Request, agent: Agent) -> Response:
    rt = _rt(request)
    online = await rt.presence.online_agents()
    return JSONResponse({"agents": await agents.list_agents(rt, scope_of(request), online)})


@authenticated()
async def get_agent(request: Request, agent: Agent) -> Response:
    rt = _rt(request)
    online = await rt.presence.online_agents()
    entry = await agents.agent_entry(rt, request.path_params["id"], scope_of(request), online)
    return JSONResponse(entry)


@authenticated({Role.admin.value})
async def create_agent(request: Request, agent: Agent) -> Response:
    rt = _rt(request)
    fields = agents.check_body(await read_json(request), creating=True)
    agent_id = await agents.create_agent(rt, fields)
    online = await rt.presence.online_agents()
    return JSONResponse(
        await agents.agent_entry(rt, agent_id, scope_of(request), online), status_code=201
    )


@authenticated(STAFF)
async def patch_agent(request: Request, agent: Agent) -> Response:
    rt = _rt(request)
    scope = scope_of(request)
    fields = agents.check_body(await read_json(request), creating=False)
    await agents.update_agent(rt, request.path_params["id"], fields, scope)
    online = await rt.presence.online_agents()
    return JSONResponse(await agents.agent_entry(rt, request.path_params["id"], scope, online))


routes = [
    Route("/agents", list_agents, methods=["GET"]),
    Route("/agents", create_agent, methods=["POST"]),
    Route("/agents/{id}", get_agent, methods=["GET"]),
    Route("/agents/{id}", patch_agent, methods=["PATCH"]),
]
