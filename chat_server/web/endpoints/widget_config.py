"""``GET /api/v1/widget/config?site=KEY``: what the widget reads before it connects.

Public and cross-origin (the storefront's page asks): the answer carries
``Access-Control-Allow-Origin`` naming the requesting origin, refusals included, so
the widget can read why it was refused. An origin the site does not allow gets
``403 origin_not_allowed`` naming the origin and the command that allows it; the
widget logs that once and stops instead of retrying a socket that would be refused.
A request without ``Origin`` (not from a browser page) is answered like an allowed one.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import sites
from chat_server.admin.online import agents_online_at
from chat_server.runtime.state import Runtime
from chat_server.security.origins import normalise_origin, origin_allowed
from chat_server.web.endpoints.http_errors import error_response


def _cors(response: Response, origin: str | None) -> Response:
    response.headers["vary"] = "Origin"
    if origin:
        response.headers["access-control-allow-origin"] = origin
    response.headers["cache-control"] = "no-store"
    return response


async def widget_config(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    key = request.query_params.get("site")
    origin = request.headers.get("origin")
    site = await sites.site_by_key(rt, key)
    if site is None:
        return _cors(error_response(404, "not_found", "no site has this key"), origin)
    if origin is not None and not origin_allowed(site.origins, origin):
        allowed = normalise_origin(origin)
        return _cors(
            error_response(
                403,
                "origin_not_allowed",
                f"the site {key} does not allow pages of {allowed}; allow it with: "
                f"chat-server sites update {key} --add-origin {allowed}",
            ),
            origin,
        )
    body = {
        "site": sites.public_site_view(site),
        "agents_online": await agents_online_at(rt, site.id),
        "email": rt.settings.mail.smtp is not None,
        "assistant": site.assistant,
    }
    return _cors(JSONResponse(body), origin)


routes = [Route("/widget/config", widget_config, methods=["GET"])]


async def widget_config_preflight(request: Request) -> Response:
    """The CORS preflight a page sends when it adds its own headers to every request."""
    response = Response(status_code=204)
    response.headers["access-control-allow-methods"] = "GET"
    asked = request.headers.get("access-control-request-headers")
    if asked:
        response.headers["access-control-allow-headers"] = asked
    response.headers["access-control-max-age"] = "600"
    return _cors(response, request.headers.get("origin"))


#: Outside the ``/api/v1`` mount (``web.app``): a preflight is not an API operation.
preflight_routes = [
    Route("/api/v1/widget/config", widget_config_preflight, methods=["OPTIONS"]),
]
