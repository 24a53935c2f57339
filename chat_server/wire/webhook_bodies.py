"""The JSON bodies webhooks POST (CONTRACT section 10): what an outbox item keeps, and
what goes over HTTP, ``{"id", "type", "created_at", "data"}``, signed by the sender."""

from __future__ import annotations

import json
from typing import Any


def announcement(kind: str, created_at: str, data: dict[str, Any]) -> dict[str, Any]:
    """What the outbox keeps of one announcement (the delivery adds its own id)."""
    return {"type": kind, "created_at": created_at, "data": data}


def body(delivery_id: str, kept: dict[str, Any]) -> bytes:
    """The bytes a delivery POSTs: the kept announcement under the delivery's id."""
    sent = {
        "id": delivery_id,
        "type": kept["type"],
        "created_at": kept["created_at"],
        "data": kept["data"],
    }
    return json.dumps(sent, ensure_ascii=False, separators=(",", ":")).encode()
