"""``/api/v1/teams``: every agent lists the teams of its sites; managers and admins
create, change and delete them (managers over their own sites only)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import teams
from chat_server.model.tables import Agent
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.guards import STAFF, authenticated, scope_of
from chat_server.web.endpoints.params import read_json


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


@authenticated()
async def list_teams(request: Request, agent: Agent) -> Response:
    return JSONResponse({"teams": await teams.list_teams(_rt(request), scope_of(request))})


@authenticated(STAFF)
async def create_team(request: Request, agent: Agent) -> Response:
    fields = teams.check_body(await read_json(request), creating=True)
    team = await teams.create_team(_rt(request), fields, scope_of(request))
    return JSONResponse(team, status_code=201)


@authenticated(STAFF)
async def patch_team(request: Request, agent: Agent) -> Response:
    fields = teams.check_body(await read_json(request), creating=False)
    team = await teams.update_team(
        _rt(request), request.path_params["id"], fields, scope_of(request)
    )
    return JSONResponse(team)


@authenticated(STAFF)
async def delete_team(request: Request, agent: Agent) -> Response:
    await teams.delete_team(_rt(request), request.path_params["id"], scope_of(request))
    return JSONResponse({"deleted": request.path_params["id"]})


routes = [
    Route("/teams", list_teams, methods=["GET"]),
    Route("/teams", create_team, methods=["POST"]),
    Route("/teams/{id}", patch_team, methods=["PATCH"]),
    Route("/teams/{id}", delete_team, methods=["DELETE"]),
]
