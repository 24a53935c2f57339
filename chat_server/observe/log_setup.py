"""Log lines: one format for our loggers and uvicorn's, secrets redacted.

``chat-server`` calls :func:`configure` at start (every command) and hands
:func:`logging_config` to ``uvicorn.run``, which applies it again in each worker
process. Every line carries the time (UTC, ISO 8601), the level and the logger's
name; ``CHAT_LOG_FORMAT=json`` makes each line one JSON object with the keys
``time``, ``level``, ``logger``, ``message`` and, when there is one, ``exc_info``.

:class:`RedactSecrets` sits on the one handler, so it sees every record written,
uvicorn's included: the agent console opens ``/ws/agent?token=...`` and uvicorn
logs each socket's path with its query string.
"""

from __future__ import annotations

import logging
import logging.config
import re
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

#: CHAT_LOG_LEVEL's values (uvicorn's names; ``trace`` is uvicorn's level 5).
LEVELS = {
    "critical": logging.CRITICAL,
    "error": logging.ERROR,
    "warning": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": 5,
}

#: Query parameters whose values never reach a log (the site key is public).
SECRET_PARAMETERS = ("token", "visitor_token", "api_token", "password", "csrf_token")
REDACTED = "[redacted]"
_SECRET_IN_QUERY = re.compile(
    r"(?P<name>[?&;](?:"
    + "|".join(SECRET_PARAMETERS)
    + r")=)"
    + r"(?!"
    + re.escape(REDACTED)
    + r")[^&#;\s\"']+",
    re.IGNORECASE,
)

PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def redact(text: str) -> str:
    """``text`` with the values of secret query parameters replaced."""
    return _SECRET_IN_QUERY.sub(rf"\g<name>{REDACTED}", text)


class RedactSecrets(logging.Filter):
    """Replaces secret query parameter values in a record's message and traceback.

    String arguments are redacted in place, so that the record keeps its shape
    (uvicorn's access records carry the request line in ``args``); anything left,
    such as a secret inside an exception given as an argument, collapses the
    message into one redacted string.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        if record.args:
            message = record.getMessage()
            if _SECRET_IN_QUERY.search(message):
                record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            text = logging.Formatter().formatException(record.exc_info)
            if _SECRET_IN_QUERY.search(text):
                # Formatters print exc_text when there is no exc_info to format.
                record.exc_text, record.exc_info = redact(text), None
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def _iso_time(record: logging.LogRecord) -> str:
    return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class PlainFormatter(logging.Formatter):
    """``2026-05-01T09:30:00.123+00:00 INFO chat_server.web.cli: message``."""

    def __init__(self) -> None:
        super().__init__(PLAIN_FORMAT)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _iso_time(record)


class JsonFormatter(_JsonFormatter):
    """One JSON object per record: time, level, logger, message[, exc_info][, extras]."""

    def __init__(self) -> None:
        super().__init__(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            # uvicorn adds a coloured copy of some messages as an extra.
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
            json_ensure_ascii=False,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return _iso_time(record)


def logging_config(log_format: str, level: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict (also uvicorn's ``log_config``).

    ``chat_server.*`` and uvicorn's loggers log at ``level``; everything else
    (libraries) from WARNING up, through the same handler on stderr.
    """
    formatter = JsonFormatter if log_format == "json" else PlainFormatter
    numeric = LEVELS[level.lower()]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": f"{__name__}.RedactSecrets"}},
        # uvicorn looks these two formatter names up when use_colors is set.
        "formatters": {
            "default": {"()": f"{__name__}.{formatter.__name__}"},
            "access": {"()": f"{__name__}.{formatter.__name__}"},
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "default",
                "filters": ["redact"],
            },
        },
        "loggers": {
            "chat_server": {"handlers": ["default"], "level": numeric, "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": numeric, "propagate": False},
            "uvicorn.error": {"level": numeric},
            "uvicorn.access": {"handlers": ["default"], "level": numeric, "propagate": False},
        },
        "root": {"handlers": ["default"], "level": logging.WARNING},
    }


def configure(log_format: str, level: str) -> dict[str, Any]:
    """Apply :func:`logging_config` to this process and return it."""
    config = logging_config(log_format, level)
    logging.addLevelName(LEVELS["trace"], "TRACE")
    logging.config.dictConfig(config)
    return config
