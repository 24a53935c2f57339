"""``PUT /api/v1/conversations/{id}/tags`` and the list filters of routing
(``?assignee=me|none|any``, ``?tag=``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.chat import queries, tags
from chat_server.model.errors import DomainError
from chat_server.model.tables import Agent
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.guards import authenticated, scope_of
from chat_server.web.endpoints.params import read_json


def list_filters(request: Request, agent: Agent) -> tuple[str | None, str | None]:
    """``assignee`` (an agent id, ``queries.UNASSIGNED`` or None for any) and ``tag``."""
    assignee = request.query_params.get("assignee", "any")
    if assignee not in ("me", "none", "any"):
        raise DomainError("invalid_parameter", "assignee must be me, none or any")
    tag = request.query_params.get("tag")
    chosen = {"me": agent.id, "none": queries.UNASSIGNED, "any": None}[assignee]
    return chosen, tags.normal_tag(tag) if tag else None


@authenticated()
async def put_tags(request: Request, agent: Agent) -> Response:
    rt: Runtime = request.app.state.runtime
    body = await read_json(request)
    wanted = tags.check_tags(body.get("tags"))
    conversation_id = request.path_params["id"]
    await deliver(rt, _tagged(rt, conversation_id, wanted, request))
    return JSONResponse(await queries.conversation_detail(rt, conversation_id, scope_of(request)))


async def _tagged(
    rt: Runtime, conversation_id: str, wanted: list[str], request: Request
) -> tags.Tagged:
    return await tags.set_tags(rt, conversation_id, wanted, scope_of(request))


routes = [Route("/conversations/{id}/tags", put_tags, methods=["PUT"])]
