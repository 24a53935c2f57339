"""Query and body parameters shared by the HTTP endpoints."""

from __future__ import annotations

from datetime import UTC, datetime

from chat_server.model.errors import DomainError


def parse_time(value: str | None, name: str) -> datetime | None:
    """An ISO 8601 time (``Z`` or an offset; none means UTC) as UTC, or None when empty."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise DomainError("invalid_parameter", f"{name} must be an ISO 8601 time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
