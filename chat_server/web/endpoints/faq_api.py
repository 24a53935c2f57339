"""``/api/v1/faq``: FAQ entries (managers, admins), their import, the assistant's answer
for a text (``/faq/search``, every agent) and the questions it could not answer."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.assistant import faq, faq_import, matching, unanswered
from chat_server.model.errors import DomainError
from chat_server.model.tables import Agent
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.guards import STAFF, authenticated, scope_of
from chat_server.web.endpoints.params import read_json

MAX_QUERY_CHARS = 500


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


def _locale(request: Request) -> str | None:
    locale = request.query_params.get("locale") or None
    if locale is not None and locale not in faq.LOCALES:
        raise DomainError("invalid_parameter", "locale must be tr or en")
    return locale


@authenticated(STAFF)
async def list_entries(request: Request, agent: Agent) -> Response:
    entries = await faq.list_entries(
        _rt(request),
        scope_of(request),
        request.query_params.get("site_id") or None,
        _locale(request),
    )
    return JSONResponse({"entries": [entry.as_json() for entry in entries]})


@authenticated(STAFF)
async def create_entry(request: Request, agent: Agent) -> Response:
    fields = faq.check_body(await read_json(request), creating=True)
    entry = await faq.create_entry(_rt(request), scope_of(request), fields)
    return JSONResponse(entry.as_json(), status_code=201)


@authenticated(STAFF)
async def update_entry(request: Request, agent: Agent) -> Response:
    fields = faq.check_body(await read_json(request), creating=False)
    entry = await faq.update_entry(
        _rt(request), scope_of(request), request.path_params["id"], fields
    )
    return JSONResponse(entry.as_json())


@authenticated(STAFF)
async def delete_entry(request: Request, agent: Agent) -> Response:
    await faq.delete_entry(_rt(request), scope_of(request), request.path_params["id"])
    return JSONResponse({"deleted": request.path_params["id"]})


@authenticated(STAFF)
async def import_entries(request: Request, agent: Agent) -> Response:
    rt, scope = _rt(request), scope_of(request)
    site_id, _ = await faq.site_for(rt, scope, request.query_params.get("site_id") or None)
    try:
        rows = faq_import.parse(await request.body(), request.headers.get("content-type", ""))
    except faq_import.InvalidImport as error:
        return JSONResponse(
            {"error": {"code": error.code, "message": error.message, "row": error.row}},
            status_code=error.status,
        )
    entries = await faq_import.import_entries(rt, scope, site_id, rows)
    return JSONResponse(
        {"imported": len(entries), "entries": [entry.as_json() for entry in entries]}
    )


@authenticated()
async def search(request: Request, agent: Agent) -> Response:
    rt = _rt(request)
    text = request.query_params.get("q", "").strip()
    if not 1 <= len(text) <= MAX_QUERY_CHARS:
        raise DomainError("invalid_query", f"q must be 1 to {MAX_QUERY_CHARS} characters")
    site_id, site_locale = await faq.site_for(
        rt, scope_of(request), request.query_params.get("site_id") or None
    )
    locale = _locale(request) or site_locale or faq.LOCALES[0]
    found = await matching.best_answer(rt, site_id, locale, text)
    return JSONResponse(found.as_json())


@authenticated(STAFF)
async def list_unanswered(request: Request, agent: Agent) -> Response:
    questions = await unanswered.list_unanswered(
        _rt(request), scope_of(request), request.query_params.get("site_id") or None
    )
    return JSONResponse({"questions": questions})


@authenticated(STAFF)
async def dismiss_unanswered(request: Request, agent: Agent) -> Response:
    await unanswered.dismiss_unanswered(_rt(request), scope_of(request), request.path_params["id"])
    return JSONResponse({"deleted": request.path_params["id"]})


routes = [
    Route("/faq", list_entries, methods=["GET"]),
    Route("/faq", create_entry, methods=["POST"]),
    Route("/faq/import", import_entries, methods=["POST"]),
    Route("/faq/search", search, methods=["GET"]),
    Route("/faq/unanswered", list_unanswered, methods=["GET"]),
    Route("/faq/unanswered/{id}", dismiss_unanswered, methods=["DELETE"]),
    Route("/faq/{id}", update_entry, methods=["PUT", "PATCH"]),
    Route("/faq/{id}", delete_entry, methods=["DELETE"]),
]
