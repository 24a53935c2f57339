"""Query and body parameters shared by the HTTP endpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from starlette.requests import Request

from chat_server.model.errors import DomainError
from chat_server.sla.business_hours import MAX_ZONE_NAME, zone_named
from chat_server.wire.inbound import holds_nul


async def read_json(request: Request) -> dict[str, Any]:
    try:
        body = orjson.loads(await request.body())
    except (orjson.JSONDecodeError, RecursionError):
        raise DomainError("invalid_json", "the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise DomainError("invalid_json", "the body must be a JSON object")
    if holds_nul(body):
        raise DomainError("invalid_text", "the body must not contain NUL characters")
    return body


def parse_time(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset; none means UTC) as UTC, or None when empty."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError("invalid_parameter", f"{name} must be an ISO 8601 time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_zone(value: str | None, name: str = "tz") -> ZoneInfo:
    """An IANA time zone name (none: UTC); anything else is ``invalid_parameter``."""
    if not value:
        return ZoneInfo("UTC")
    zone = zone_named(value)
    if zone is None:
        raise DomainError(
            "invalid_parameter",
            f"{name} must be an IANA time zone such as Europe/Istanbul,"
            f" not {value[:MAX_ZONE_NAME]!r}",
        )
    return zone
