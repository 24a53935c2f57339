"""The SSE fallback's ``POST /api/v1/visitor/frames`` (CONTRACT section 13), beside
``registry.OPERATIONS``. Its stream, ``GET /sse/visitor``, is not under ``/api/v1``;
docs/protocol.md ("SSE fallback") describes both."""

from __future__ import annotations

from typing import Any

from pydantic import RootModel

from chat_server.web.openapi.models import Open
from chat_server.web.openapi.registry import V1, Operation, Param


class ClientFrames(RootModel[dict[str, Any] | list[dict[str, Any]]]):
    """One client frame of the visitor socket's protocol, or an array of them."""


class FramesAccepted(Open):
    accepted: int


SSE_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        f"{V1}/visitor/frames",
        "The fallback transport's client frames for the stream named by the X-Stream-Id "
        "header; their answers arrive on that stream (400 invalid_json, 404 unknown_stream, "
        "429 too_many_frames; CORS)",
        "widget",
        "anyone",
        FramesAccepted,
        status=202,
        body=ClientFrames,
        params=(Param("site", "the site's public key (data-site of the embed tag)"),),
    ),
)
