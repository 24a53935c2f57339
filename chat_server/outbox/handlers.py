"""Senders per kind of outbox item, and how a sender says an attempt failed.

A handler sends one item: returning is success (an ``int`` it returns is recorded as
the attempt's status code), raising is a failed attempt retried with backoff, and
:class:`PermanentFailure` gives the item up at once (nothing a retry could mend).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from chat_server.outbox.items import OutboxItemView
from chat_server.runtime.state import Runtime

Handler = Callable[[Runtime, OutboxItemView], Awaitable[int | None]]

_handlers: dict[str, Handler] = {}


class AttemptFailed(Exception):
    """An attempt failed and may succeed later; ``status_code`` is the receiver's answer."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


class PermanentFailure(Exception):
    """No retry can succeed (the webhook was deleted, the address is refused)."""

    def __init__(self, message: str, status_code: int | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code


def register(kind: str, handler: Handler) -> None:
    _handlers[kind] = handler


def handler_for(kind: str) -> Handler | None:
    return _handlers.get(kind)


def kinds() -> list[str]:
    return sorted(_handlers)
