"""The one place where failures become ``error`` frames on either socket."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from chat_server.model.errors import DomainError
from chat_server.observe import metrics
from chat_server.wire.inbound import ProtocolError
from chat_server.wire.outbound import error_frame

log = logging.getLogger(__name__)


def error_for(kind: str, exc: Exception, ref: str | None) -> str:
    if isinstance(exc, ProtocolError):
        code, message, ref = exc.code, exc.message, exc.ref or ref
    elif isinstance(exc, DomainError):
        code, message = exc.code, exc.message
    elif isinstance(exc, (SQLAlchemyError, DBAPIError, OSError, TimeoutError)):
        log.warning("storage unavailable: %s", exc)
        code, message = "unavailable", "the message could not be stored right now; try again"
    else:
        log.exception("unexpected error on a %s socket", kind)
        code, message = "internal_error", "something went wrong on our side; try again"
    metrics.ERRORS.labels(kind, code).inc()
    return error_frame(code, message, ref)
