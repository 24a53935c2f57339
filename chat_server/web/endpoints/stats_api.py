"""The stats API under ``/api/v1/stats`` (managers and admins): parse, call :mod:`stats`, shape.

Every number comes from :mod:`chat_server.stats.core`, so the JSON, the CSV and the
dashboard (which reads these endpoints) cannot disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from chat_server.model.errors import DomainError
from chat_server.model.tables import Agent, utcnow
from chat_server.runtime.state import Runtime
from chat_server.stats import core as stats

BUCKETS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_BUCKETS = 2000


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


def staff_only(
    handler: Callable[[Request, Agent], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    """Managers and admins; agents get 403 ``forbidden``, strangers 401."""
    guarded: Callable[[Request], Awaitable[Response]] | None = None

    async def endpoint(request: Request) -> Response:
        nonlocal guarded
        if guarded is None:
            from chat_server.web.endpoints import api  # api imports this module for its routes

            guarded = api.authenticated(api.STAFF)(handler)
        return await guarded(request)

    return endpoint


def period_of(request: Request) -> stats.Period:
    """``since``/``until`` from the query; by default the 24 hours up to now."""
    from chat_server.web.endpoints.api import parse_time

    until = parse_time(request.query_params.get("until"), "until") or utcnow()
    since = parse_time(request.query_params.get("since"), "since") or (until - stats.DEFAULT_PERIOD)
    if since >= until:
        raise DomainError("invalid_parameter", "since must be earlier than until")
    return stats.Period(since, until)


def site_of(request: Request) -> str | None:
    return request.query_params.get("site_id") or None


def zone_of(request: Request) -> ZoneInfo:
    name = request.query_params.get("tz") or "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(
            "invalid_parameter",
            f"tz must be an IANA time zone such as Europe/Istanbul, not {name!r}",
        ) from None


@staff_only
async def response_times(request: Request, agent: Agent) -> Response:
    # Business-time figures are worked out wait by wait; a script that only wants
    # the wall-clock ones over a long period can skip them with business=false.
    business = request.query_params.get("business", "true").lower() not in ("false", "0", "no")
    figures = await stats.response_times(
        _rt(request).db, period_of(request), site_of(request), business=business
    )
    return JSONResponse(figures)


def _csv_line(values: list[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def _neutral(text: str) -> str:
    """Keep a name from being read as a formula by a spreadsheet."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@staff_only
async def response_times_csv(request: Request, agent: Agent) -> Response:
    period = period_of(request)
    rows = stats.wait_rows(_rt(request).db, period, site_of(request))

    async def body() -> AsyncIterator[str]:
        yield _csv_line(list(stats.CSV_COLUMNS))
        chunk: list[str] = []
        async for row in rows:
            row[-1] = _neutral(row[-1])
            chunk.append(_csv_line(row))
            if len(chunk) >= 500:
                yield "".join(chunk)
                chunk = []
        if chunk:
            yield "".join(chunk)

    stamp = period.since.strftime("%Y%m%dT%H%M%SZ") + "-" + period.until.strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="response-times-{stamp}.csv"'},
    )


@staff_only
async def series(request: Request, agent: Agent) -> Response:
    period = period_of(request)
    name = request.query_params.get("bucket", "hour")
    width = BUCKETS.get(name)
    if width is None:
        raise DomainError("invalid_parameter", "bucket must be hour or day")
    if (period.until - period.since) / width > MAX_BUCKETS:
        raise DomainError(
            "invalid_parameter", f"the period holds more than {MAX_BUCKETS} {name} buckets"
        )
    result = await stats.series(_rt(request).db, period, width, site_of(request))
    result["bucket"] = name
    return JSONResponse(result)


@staff_only
async def overview(request: Request, agent: Agent) -> Response:
    result = await stats.overview(
        _rt(request).db, period_of(request), zone_of(request), site_of(request)
    )
    return JSONResponse(result)


@staff_only
async def waiting(request: Request, agent: Agent) -> Response:
    rt = _rt(request)
    result = await stats.waiting_now(rt.db, site_of(request))
    result["agents_online"] = await rt.presence.agents_online()
    return JSONResponse(result)


routes = [
    Route("/stats/response-times", response_times, methods=["GET"]),
    Route("/stats/response-times.csv", response_times_csv, methods=["GET"]),
    Route("/stats/series", series, methods=["GET"]),
    Route("/stats/overview", overview, methods=["GET"]),
    Route("/stats/waiting", waiting, methods=["GET"]),
]
