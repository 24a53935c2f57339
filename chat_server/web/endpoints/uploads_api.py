"""Attachments over HTTP: ``POST /api/v1/uploads`` and ``GET /api/v1/uploads/{id}``
(and ``/thumbnail``), for a visitor's widget or an agent.

A visitor authenticates with ``X-Site-Key`` and ``X-Visitor-Token`` from a
storefront page, so these answer CORS for the origins its site allows (no
cookies are involved, so no credentials mode). An agent uses its bearer token or
the console's session cookie (with CSRF for the upload), as on the rest of the API.
Downloads are never rendered as a page: ``nosniff``, a ``sandbox`` policy, and
``attachment`` for anything but a re-encoded picture.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from urllib.parse import quote

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.admin import sites
from chat_server.attachments import access, store, uploads
from chat_server.attachments.sniff import IMAGE_TYPES
from chat_server.model.attachment_tables import Upload
from chat_server.model.errors import DomainError, NotFound
from chat_server.model.tables import Agent
from chat_server.runtime.state import Runtime
from chat_server.security.origins import origin_allowed
from chat_server.visitors import tokens
from chat_server.web.endpoints.guards import authenticated, scope_of
from chat_server.web.endpoints.http_errors import error_response
from chat_server.wire.views import attachment_view

SITE_HEADER = "x-site-key"
TOKEN_HEADER = "x-visitor-token"
#: Multipart framing around the file: a declared length beyond the limit plus this is
#: refused before the body is read.
MULTIPART_OVERHEAD = 64 * 1024
DOWNLOAD_POLICY = "default-src 'none'; img-src 'self'; sandbox"


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


class Unauthorized(DomainError):
    status = 401

    def __init__(self) -> None:
        super().__init__("unauthorized", "a visitor token or an agent's credentials are required")


class OriginNotAllowed(DomainError):
    status = 403

    def __init__(self, origin: str) -> None:
        super().__init__("origin_not_allowed", f"the site does not allow pages of {origin}")


def _cors(request: Request, response: Response) -> Response:
    origin = request.headers.get("origin")
    if origin:
        response.headers["access-control-allow-origin"] = origin
        response.headers["vary"] = "Origin"
    return response


async def preflight(request: Request) -> Response:
    """Any page may ask; the real request is then checked against its site's origins."""
    response = Response(status_code=204)
    response.headers["access-control-allow-methods"] = "GET, POST"
    response.headers["access-control-allow-headers"] = "X-Site-Key, X-Visitor-Token"
    response.headers["access-control-max-age"] = "600"
    return _cors(request, response)


async def _visitor(request: Request) -> uploads.Uploader:
    """The visitor the headers name, from a page its site allows."""
    rt = _rt(request)
    site = await sites.site_by_key(rt, request.headers.get(SITE_HEADER))
    token = request.headers.get(TOKEN_HEADER, "")
    if site is None or not token or len(token) > 128:
        raise Unauthorized
    origin = request.headers.get("origin")
    if origin and not origin_allowed(site.origins, origin):
        raise OriginNotAllowed(origin)
    visitor_id = tokens.known_visitor(site.id, token) or await rt.db.read(
        partial(tokens.visitor_id_by_token, site_id=site.id, token=token)
    )
    if visitor_id is None:
        raise Unauthorized
    return uploads.Uploader(uploads.VISITOR, visitor_id, site.id)


def _as_visitor(
    handler: Callable[[Request, uploads.Uploader], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Visitor calls answer CORS, their errors included (the widget must read them)."""

    async def endpoint(request: Request) -> Response:
        try:
            response = await handler(request, await _visitor(request))
        except DomainError as exc:
            response = error_response(exc.status, exc.code, exc.message)
        return _cors(request, response)

    return endpoint


async def _accept(request: Request, uploader: uploads.Uploader) -> Response:
    rt = _rt(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > rt.settings.upload_max_bytes + MULTIPART_OVERHEAD:
        raise uploads.TooLarge(rt.settings.upload_max_bytes)
    async with request.form(max_files=1, max_fields=2) as form:
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise DomainError("invalid_upload", 'the multipart body needs a file in field "file"')
        upload = await uploads.accept(rt, uploader, file.file, file.filename)
    return JSONResponse(attachment_view(_metadata(upload)), status_code=201)


def _metadata(upload: Upload) -> dict[str, object]:
    return {
        "id": upload.id,
        "name": upload.name,
        "content_type": upload.content_type,
        "size": upload.size,
        "thumbnail": upload.thumbnail_type is not None,
    }


def _file_response(request: Request, upload: Upload, thumbnail: bool) -> Response:
    if thumbnail and upload.thumbnail_type is None:
        raise NotFound("not_found", "this file has no thumbnail")
    data = store.read_bytes(_rt(request).settings, upload, thumbnail)
    if data is None:
        raise NotFound("not_found", "no such file")
    content_type = upload.thumbnail_type if thumbnail else upload.content_type
    assert content_type is not None
    disposition = "inline" if content_type in IMAGE_TYPES else "attachment"
    return Response(
        data,
        media_type=content_type,
        headers={
            "content-disposition": f"{disposition}; filename*=UTF-8''{quote(upload.name)}",
            "x-content-type-options": "nosniff",
            "content-security-policy": DOWNLOAD_POLICY,
            "cache-control": "private, max-age=3600",
        },
    )


async def _visitor_download(request: Request, uploader: uploads.Uploader) -> Response:
    upload = await access.for_visitor(_rt(request), request.path_params["id"], uploader.id)
    return _file_response(request, upload, request.url.path.endswith("/thumbnail"))


@authenticated()
async def _agent_upload(request: Request, agent: Agent) -> Response:
    return await _accept(request, uploads.Uploader(uploads.AGENT, agent.id, None))


@authenticated()
async def _agent_download(request: Request, agent: Agent) -> Response:
    upload = await access.for_agent(
        _rt(request), request.path_params["id"], agent.id, scope_of(request)
    )
    return _file_response(request, upload, request.url.path.endswith("/thumbnail"))


_visitor_upload_endpoint = _as_visitor(_accept)
_visitor_download_endpoint = _as_visitor(_visitor_download)


async def post_upload(request: Request) -> Response:
    if SITE_HEADER in request.headers:
        return await _visitor_upload_endpoint(request)
    return await _agent_upload(request)


async def get_upload(request: Request) -> Response:
    if SITE_HEADER in request.headers:
        return await _visitor_download_endpoint(request)
    return await _agent_download(request)


routes = [
    Route("/uploads", post_upload, methods=["POST"]),
    Route("/uploads", preflight, methods=["OPTIONS"]),
    Route("/uploads/{id}", get_upload, methods=["GET"]),
    Route("/uploads/{id}/thumbnail", get_upload, methods=["GET"]),
    Route("/uploads/{id}", preflight, methods=["OPTIONS"]),
    Route("/uploads/{id}/thumbnail", preflight, methods=["OPTIONS"]),
]
