"""``GET /api/v1/search?q=&site_id=&limit=``: messages and visitors the caller may see."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import sites
from chat_server.model.errors import DomainError
from chat_server.model.tables import Agent
from chat_server.runtime.state import Runtime
from chat_server.search import queries
from chat_server.web.endpoints.guards import authenticated, scope_of


class InvalidSearch(DomainError):
    status = 422


def _limit(value: str | None) -> int:
    """At most ``MAX_RESULTS``; a larger limit is cut to it, a non-number refused."""
    if value is None or value == "":
        return queries.DEFAULT_RESULTS
    try:
        limit = int(value)
    except ValueError:
        raise InvalidSearch("invalid_limit", "limit must be a whole number") from None
    if limit < 1:
        raise InvalidSearch("invalid_limit", "limit must be at least 1")
    return min(limit, queries.MAX_RESULTS)


@authenticated()
async def search(request: Request, agent: Agent) -> Response:
    rt: Runtime = request.app.state.runtime
    query = request.query_params.get("q", "").strip()
    if not 1 <= len(query) <= queries.MAX_QUERY_CHARS:
        raise InvalidSearch("invalid_query", f"q must be 1 to {queries.MAX_QUERY_CHARS} characters")
    limit = _limit(request.query_params.get("limit"))
    site_id = request.query_params.get("site_id") or None
    if site_id is not None:
        await sites.require_site(rt, site_id, scope_of(request))
    results = await queries.search(rt, query, scope_of(request), site_id, limit)
    return JSONResponse({"results": results})


routes = [Route("/search", search, methods=["GET"])]
