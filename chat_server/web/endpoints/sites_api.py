"""``/api/v1/sites``: every agent lists its sites; admins create and change them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import site_fields, sites
from chat_server.model.errors import NotFound
from chat_server.model.tables import Agent, Role
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.guards import authenticated, scope_of
from chat_server.web.endpoints.params import read_json
from chat_server.wire.views import site_view

ADMINS = {Role.admin.value}


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


@authenticated()
async def list_sites(request: Request, agent: Agent) -> Response:
    found = await sites.list_sites(_rt(request), scope_of(request))
    return JSONResponse({"sites": [site_view(site) for site in found]})


@authenticated()
async def get_site(request: Request, agent: Agent) -> Response:
    site = await sites.require_site(_rt(request), request.path_params["id"], scope_of(request))
    return JSONResponse(site_view(site))


@authenticated(ADMINS)
async def create_site(request: Request, agent: Agent) -> Response:
    body = await read_json(request)
    if "name" not in body:
        raise site_fields.InvalidField("name", "a site needs a name")
    site = await sites.create_site_with(_rt(request), site_fields.changes_from_body(body))
    return JSONResponse(site_view(site), status_code=201)


@authenticated(ADMINS)
async def patch_site(request: Request, agent: Agent) -> Response:
    rt = _rt(request)
    site = await sites.require_site(rt, request.path_params["id"], scope_of(request))
    changes = site_fields.changes_from_body(await read_json(request))
    updated = await sites.update_site(rt, site.id, changes)
    if updated is None:
        raise NotFound("not_found", "no such site")
    return JSONResponse(site_view(updated))


routes = [
    Route("/sites", list_sites, methods=["GET"]),
    Route("/sites", create_site, methods=["POST"]),
    Route("/sites/{id}", get_site, methods=["GET"]),
    Route("/sites/{id}", patch_site, methods=["PATCH"]),
]
