"""Paging of long lists: a page size and an opaque cursor.

A cursor is the sort key of the last item of a page, so the next page starts right
after it whatever was added or removed meanwhile (keyset paging: stable, and as
quick on the thousandth page as on the first). Clients must treat it as opaque.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime

import orjson

from chat_server.model.errors import DomainError

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class InvalidPage(DomainError):
    status = 422


@dataclass(frozen=True, slots=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    #: The sort key (a time and an id) of the last item already seen; None: from the start.
    after: tuple[datetime, str] | None = None


def encode_cursor(at: datetime, item_id: str) -> str:
    raw = orjson.dumps([at.isoformat(), item_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, item_id = orjson.loads(raw)
        if not isinstance(at, str) or not isinstance(item_id, str):
            raise ValueError
        return datetime.fromisoformat(at), item_id
    except (ValueError, TypeError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidPage("invalid_cursor", "cursor is not one this server gave") from None


def page_request(limit: str | int | None, cursor: str | None) -> PageRequest:
    """Validate ``limit`` (1..500, default 100) and ``cursor`` from a query or a frame."""
    if limit is None or limit == "":
        size = DEFAULT_LIMIT
    else:
        try:
            size = int(limit)
        except (TypeError, ValueError):
            raise InvalidPage("invalid_parameter", "limit must be a whole number") from None
        if isinstance(limit, bool) or not 1 <= size <= MAX_LIMIT:
            raise InvalidPage("invalid_parameter", f"limit must be between 1 and {MAX_LIMIT}")
    return PageRequest(size, decode_cursor(cursor) if cursor else None)
