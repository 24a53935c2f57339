"""The OpenAPI 3.1 document, built once from :mod:`registry` and :mod:`models`."""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from chat_server.web.openapi import models
from chat_server.web.openapi.faq_operations import FAQ_OPERATIONS
from chat_server.web.openapi.registry import OPERATIONS, Media, Operation, Param
from chat_server.web.openapi.sse_operations import SSE_OPERATIONS
from chat_server.web.openapi.upload_operations import UPLOAD_OPERATIONS
from chat_server.web.openapi.webhook_operations import WEBHOOK_OPERATIONS
from chat_server.web.openapi.widget_operations import WIDGET_OPERATIONS

REF = "#/components/schemas/{model}"
_PATH_PARAM = re.compile(r"\{(\w+)\}")
_WHO = {
    "anyone": "Anyone.",
    "agents": "Any agent (Bearer token or console session).",
    "managers": "Managers and admins; agents get 403 `forbidden`.",
    "admins": "Admins only; others get 403 `forbidden`.",
}


def _package_version() -> str:
    try:
        return version("chat-server")
    except PackageNotFoundError:  # pragma: no cover - a checkout without an install
        return "0.0.0"


class _Schemas:
    """Collects each model's JSON schema under components, referenced by name."""

    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, model: type[BaseModel]) -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF, mode="serialization")
        for name, definition in schema.pop("$defs", {}).items():
            self.components.setdefault(name, definition)
        self.components[model.__name__] = schema
        return {"$ref": REF.format(model=model.__name__)}


def _typed(kind: str, **more: Any) -> dict[str, Any]:
    """``{"type": kind, ...}`` (a call, not a literal: tests/unit/test_layout.py keeps dict
    literals with a "type" key for socket frames, which are built in wire/ only)."""
    return dict(type=kind, **more)


def _parameter(param: Param) -> dict[str, Any]:
    schema = _typed(param.kind)
    if param.choices:
        schema["enum"] = list(param.choices)
    return {
        "name": param.name,
        "in": "query",
        "required": False,
        "description": param.description,
        "schema": schema,
    }


def _operation_id(operation: Operation) -> str:
    """``get_conversations_id_tags`` for ``GET /api/v1/conversations/{id}/tags``."""
    path = _PATH_PARAM.sub(r"\1", operation.path.removeprefix("/api/v1"))
    return operation.method.lower() + re.sub(r"[^a-z0-9]+", "_", path.lower()).rstrip("_")


def _operation(operation: Operation, schemas: _Schemas) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _typed("string")}
        for name in _PATH_PARAM.findall(operation.path)
    ]
    parameters += [_parameter(param) for param in operation.params]
    responses: dict[str, Any] = {}
    if isinstance(operation.response, Media):
        responses[str(operation.status)] = {
            "description": operation.response.description,
            "content": {operation.response.content_type: {"schema": _typed("string")}},
        }
    elif operation.response is None:  # this document itself
        responses[str(operation.status)] = {
            "description": "an OpenAPI 3.1 document",
            "content": {"application/json": {"schema": _typed("object")}},
        }
    else:
        responses[str(operation.status)] = {
            "description": operation.summary,
            "content": {"application/json": {"schema": schemas.ref(operation.response)}},
        }
    responses["4XX"] = {
        "description": "refused: bad input, no or a bad token, not allowed, not found, "
        "too large, too many attempts",
        "content": {"application/json": {"schema": schemas.ref(models.Error)}},
    }
    described: dict[str, Any] = {
        "operationId": _operation_id(operation),
        "summary": operation.summary,
        "description": _WHO[operation.who],
        "tags": [operation.tag],
        "parameters": parameters,
        "responses": responses,
        "security": [] if operation.who == "anyone" else [{"bearer": []}],
    }
    if operation.body is not None:
        described["requestBody"] = {
            "required": True,
            "content": {operation.body_media: {"schema": schemas.ref(operation.body)}},
        }
    return described


@cache
def build_document() -> dict[str, Any]:
    schemas = _Schemas()
    paths: dict[str, dict[str, Any]] = {}
    for operation in (
        *OPERATIONS,
        *WIDGET_OPERATIONS,
        *SSE_OPERATIONS,
        *FAQ_OPERATIONS,
        *UPLOAD_OPERATIONS,
        *WEBHOOK_OPERATIONS,
    ):
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            operation, schemas
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kervan Chat REST API",
            "version": _package_version(),
            "description": "Live chat for online shops: conversations, visitors, response "
            "times, sites, agents and teams. Errors are "
            '`{"error": {"code", "message"}}`. The WebSocket protocols are in '
            "docs/protocol.md.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.components.items())),
            "securitySchemes": {
                "bearer": _typed(
                    "http", scheme="bearer", description="a token from POST /api/v1/auth/token"
                )
            },
        },
        "security": [{"bearer": []}],
    }


async def openapi_json(request: Request) -> Response:
    return JSONResponse(build_document(), headers={"cache-control": "public, max-age=300"})
