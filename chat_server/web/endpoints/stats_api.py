"""The stats API under ``/api/v1/stats`` (managers and admins): parse, call :mod:`stats`, shape.

Every number comes from :mod:`chat_server.stats`, so the JSON, the CSV and the
dashboard (which reads these endpoints) cannot disagree.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from chat_server.admin.sites import require_site
from chat_server.model.errors import DomainError
from chat_server.model.tables import Agent, utcnow
from chat_server.runtime.state import Runtime
from chat_server.stats.export import CSV_COLUMNS, wait_rows
from chat_server.stats.overview import overview
from chat_server.stats.period import DEFAULT_PERIOD, Period, SiteSet
from chat_server.stats.response_times import response_times
from chat_server.stats.series import series
from chat_server.stats.waiting import waiting_now
from chat_server.web.endpoints.guards import STAFF, authenticated, scope_of
from chat_server.web.endpoints.params import parse_time, parse_zone

BUCKETS = {"hour": timedelta(hours=1), "day": timedelta(days=1)}
MAX_BUCKETS = 2000


def _rt(request: Request) -> Runtime:
    return request.app.state.runtime


#: Managers and admins; agents get 403 ``forbidden``, strangers 401.
staff_only = authenticated(STAFF)


def period_of(request: Request) -> Period:
    """``since``/``until`` from the query; by default the 24 hours up to now."""
    until = parse_time(request.query_params.get("until"), "until") or utcnow()
    since = parse_time(request.query_params.get("since"), "since") or (until - DEFAULT_PERIOD)
    if since >= until:
        raise DomainError("invalid_parameter", "since must be earlier than until")
    return Period(since, until)


async def sites_of(request: Request) -> tuple[SiteSet, str | None]:
    """The sites a figure covers: the ``site_id`` asked for (``not_found`` outside the
    caller's scope), else every site of the caller; and the site whose SLA applies."""
    site_id = request.query_params.get("site_id") or None
    if site_id is None:
        return scope_of(request).site_ids, None
    await require_site(_rt(request), site_id, scope_of(request))
    return frozenset([site_id]), site_id


def zone_of(request: Request) -> ZoneInfo:
    return parse_zone(request.query_params.get("tz"), "tz")


@staff_only
async def get_response_times(request: Request, agent: Agent) -> Response:
    # Business-time figures are worked out wait by wait; a script that only wants
    # the wall-clock ones over a long period can skip them with business=false.
    business = request.query_params.get("business", "true").lower() not in ("false", "0", "no")
    sites, policy_site = await sites_of(request)
    figures = await response_times(
        _rt(request).db, period_of(request), sites, business=business, policy_site=policy_site
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
async def get_response_times_csv(request: Request, agent: Agent) -> Response:
    period = period_of(request)
    sites, _ = await sites_of(request)
    rows = wait_rows(_rt(request).db, period, sites)

    async def body() -> AsyncIterator[str]:
        yield _csv_line(list(CSV_COLUMNS))
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
async def get_series(request: Request, agent: Agent) -> Response:
    period = period_of(request)
    name = request.query_params.get("bucket", "hour")
    width = BUCKETS.get(name)
    if width is None:
        raise DomainError("invalid_parameter", "bucket must be hour or day")
    if (period.until - period.since) / width > MAX_BUCKETS:
        raise DomainError(
            "invalid_parameter", f"the period holds more than {MAX_BUCKETS} {name} buckets"
        )
    sites, _ = await sites_of(request)
    result = await series(_rt(request).db, period, width, sites)
    result["bucket"] = name
    return JSONResponse(result)


@staff_only
async def get_overview(request: Request, agent: Agent) -> Response:
    sites, policy_site = await sites_of(request)
    result = await overview(
        _rt(request).db, period_of(request), zone_of(request), sites, policy_site=policy_site
    )
    return JSONResponse(result)


@staff_only
async def get_waiting(request: Request, agent: Agent) -> Response:
    rt = _rt(request)
    sites, _ = await sites_of(request)
    result = await waiting_now(rt.db, sites)
    result["agents_online"] = await rt.presence.agents_online()
    return JSONResponse(result)


routes = [
    Route("/stats/response-times", get_response_times, methods=["GET"]),
    Route("/stats/response-times.csv", get_response_times_csv, methods=["GET"]),
    Route("/stats/series", get_series, methods=["GET"]),
    Route("/stats/overview", get_overview, methods=["GET"]),
    Route("/stats/waiting", get_waiting, methods=["GET"]),
]
