"""The one place where failures become the JSON error shape over HTTP."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from chat_server.model.errors import DomainError


def error_response(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def domain_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return error_response(exc.status, exc.code, exc.message)
