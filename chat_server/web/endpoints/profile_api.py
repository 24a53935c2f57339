"""An agent's avatar and two-factor login, beside the accounts API of ``agents_api``.

``GET /api/v1/agents/{id}/avatar`` is public: shoppers' widgets show it, and it always
answers an image (the picture, else the initials). ``PUT`` sets or clears the picture
(the agent itself or an admin). ``POST``/``DELETE /api/v1/agents/{id}/otp`` turn
two-factor login on (answering the secret and its URI once) or off (admins).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import avatars, two_factor
from chat_server.model.errors import DomainError
from chat_server.model.tables import Agent, Role
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.guards import authenticated, scope_of
from chat_server.web.endpoints.params import read_json

ADMINS = {Role.admin.value}


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_avatar(request: Request) -> Response:
    image, content_type = await avatars.avatar_image(_rt(request), request.path_params["id"])
    return Response(
        image,
        media_type=content_type,
        headers={"content-disposition": "inline", "cache-control": "no-store"},
    )


@authenticated()
async def put_avatar(request: Request, agent: Agent) -> Response:
    body = await read_json(request)
    if "avatar" not in body:
        raise DomainError("invalid_avatar", 'the body needs "avatar": a data: URL or null')
    await avatars.set_avatar(
        _rt(request), request.path_params["id"], body["avatar"], scope_of(request)
    )
    return JSONResponse(
        {
            "id": request.path_params["id"],
            "avatar": f"/api/v1/agents/{request.path_params['id']}/avatar",
        }
    )


@authenticated(ADMINS)
async def post_otp(request: Request, agent: Agent) -> Response:
    # Admins belong to every site: no tenancy check beyond the role.
    return JSONResponse(await two_factor.turn_on(_rt(request), request.path_params["id"]))


@authenticated(ADMINS)
async def delete_otp(request: Request, agent: Agent) -> Response:
    await two_factor.turn_off(_rt(request), request.path_params["id"])
    return JSONResponse({"id": request.path_params["id"], "two_factor": False})


routes = [
    Route("/agents/{id}/avatar", get_avatar, methods=["GET"]),
    Route("/agents/{id}/avatar", put_avatar, methods=["PUT"]),
    Route("/agents/{id}/otp", post_otp, methods=["POST"]),
    Route("/agents/{id}/otp", delete_otp, methods=["DELETE"]),
]
