"""Domain errors: what went wrong, in words a client can show.

Endpoints translate these in one place each: to an ``error`` frame on sockets,
to the JSON error shape over HTTP.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Unavailable(DomainError):
    """The database or the bus cannot take the request now; the client may retry."""

    status = 503
