"""create_app(settings): routes, middleware, lifespan."""

from __future__ import annotations

import contextlib
import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

from chat_server.config.assets import asset_dir
from chat_server.config.settings import Settings
from chat_server.delivery.publisher import BusPublisher
from chat_server.mail.service import MailService
from chat_server.model.errors import DomainError
from chat_server.observe import garbage, metrics
from chat_server.outbox import availability, handlers, reactions
from chat_server.outbox.dispatcher import Dispatcher
from chat_server.realtime.backends import create_bus, create_message_limiter, create_presence
from chat_server.realtime.hub import Hub
from chat_server.realtime.redis.login_failures import shared_failure_counter
from chat_server.runtime.state import Runtime
from chat_server.security.limits import LocalFailureCounter, LoginGuard
from chat_server.security.tokens import Signer
from chat_server.storage.database import Database
from chat_server.tracking.geo import GeoLocator
from chat_server.web import scheduler as jobs
from chat_server.web.endpoints import admin_pages, api, console, demo, widget_config
from chat_server.web.endpoints.agent_ws import agent_endpoint
from chat_server.web.endpoints.http_errors import domain_error_handler, error_response
from chat_server.web.endpoints.sse_stream import visitor_stream
from chat_server.web.endpoints.widget_ws import visitor_endpoint
from chat_server.web.middleware import EdgeMiddleware, EdgePolicy
from chat_server.webhooks import (
    catalog as webhook_catalog,
    reactor as webhook_reactor,
    sender as webhook_sender,
)

log = logging.getLogger(__name__)


def open_geolocator(settings: Settings) -> GeoLocator | None:
    if settings.geoip_db is None:
        return None
    return GeoLocator(str(settings.geoip_db))


async def healthz(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    problems = []
    try:
        await rt.db.ping()
    except Exception as exc:
        problems.append(f"database: {type(exc).__name__}")
    try:
        await rt.bus.ping()
    except Exception as exc:
        problems.append(f"bus: {type(exc).__name__}")
    if problems:
        return JSONResponse({"status": "unavailable", "problems": problems}, status_code=503)
    return JSONResponse({"status": "ok"})


async def metrics_endpoint(request: Request) -> Response:
    token = request.app.state.runtime.settings.metrics_token
    if token is not None and not metrics_token_matches(request, token):
        response = error_response(401, "unauthorized", "/metrics needs its bearer token")
        response.headers["www-authenticate"] = 'Bearer realm="metrics"'
        return response
    body, content_type = metrics.render()
    return Response(body, media_type=content_type)


def metrics_token_matches(request: Request, token: str) -> bool:
    """CHAT_METRICS_TOKEN as ``Authorization: Bearer``, compared in constant time."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


async def widget_js(request: Request) -> Response:
    return FileResponse(
        asset_dir("widget") / "widget.js",
        media_type="application/javascript; charset=utf-8",
        headers={"cache-control": "public, max-age=300", "access-control-allow-origin": "*"},
    )


# The parts widget.js loads lazily from its own server (docs/frontend.md, "How the widget's
# code is split"): the panel when the shopper reaches for the launcher, attachments when the
# panel opens, the Server-Sent Events fallback only when WebSockets fail.
WIDGET_PARTS = frozenset({"panel", "panel-look", "attachments", "sse"})


async def widget_part_js(request: Request) -> Response:
    """One of the widget's lazily loaded scripts, named in WIDGET_PARTS."""
    part = request.path_params["part"]
    if part not in WIDGET_PARTS:
        raise HTTPException(status_code=404)
    return FileResponse(
        asset_dir("widget") / f"{part}.js",
        media_type="application/javascript; charset=utf-8",
        headers={"cache-control": "public, max-age=300", "access-control-allow-origin": "*"},
    )


async def favicon(request: Request) -> Response:
    return FileResponse(
        asset_dir("agent_console") / "static" / "logo.svg",
        media_type="image/svg+xml",
        headers={"cache-control": "public, max-age=86400"},
    )


async def console_root(request: Request) -> Response:
    return RedirectResponse("/console/", 307)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail))
    return JSONResponse(
        {"error": {"code": "http_error", "message": str(exc.detail)}}, status_code=exc.status_code
    )


SOCKET_ENDPOINTS: dict[str, Callable[[WebSocket], Awaitable[None]]] = {
    "/ws/visitor": visitor_endpoint,
    "/ws/agent": agent_endpoint,
}


class ChatApp(Starlette):
    """Starlette, but the two socket paths go straight to their endpoint.

    A socket's call stack lives as long as the socket: through Starlette's error and
    exception middleware and the router that is about 4.5 KB of coroutine frames per
    idle socket, for handlers that cannot answer an accepted socket anyway.
    """

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            endpoint = SOCKET_ENDPOINTS.get(scope["path"])
            if endpoint is not None:
                scope["app"] = self
                await endpoint(WebSocket(scope, receive, send))
                return
        await super().__call__(scope, receive, send)

    edge = EdgePolicy(https=False)

    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's own error middleware, so that a 500 has the headers too.
        return EdgeMiddleware(super().build_middleware_stack(), self.edge)


async def start_outbox(rt: Runtime) -> Dispatcher:
    """Hand the reactors to the database (they write outbox items inside every committed
    change), register the webhook reactor and sender, and start sending."""
    rt.db.react = reactions.react
    reactions.register(webhook_reactor.enqueue_deliveries)
    handlers.register(webhook_catalog.KIND, webhook_sender.deliver)
    await availability.refresh(rt)
    dispatcher = Dispatcher(rt)
    dispatcher.start()
    return dispatcher


def create_app(settings: Settings) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = Database(settings)
        bus = create_bus(settings.redis_url)
        hub = Hub(bus)
        runtime = Runtime(
            settings=settings,
            db=db,
            bus=bus,
            presence=create_presence(settings.redis_url, bus),
            signer=Signer(settings.secret_key),
            geo=open_geolocator(settings),
            message_limiter=create_message_limiter(bus),
            upload_limiter=create_message_limiter(
                bus, settings.uploads_per_hour / 3600, settings.uploads_per_hour
            ),
            login_guard=LoginGuard(
                shared_failure_counter(bus, LocalFailureCounter()), settings.secret_key
            ),
            publisher=BusPublisher(bus),
        )
        app.state.runtime = runtime
        app.state.hub = hub
        await bus.start(hub.deliver, hub.resync_all)
        runner = jobs.JobRunner(runtime)
        runner.start()
        outbox = await start_outbox(runtime)
        mail = MailService(runtime)
        await mail.start()
        garbage.take_over_full_collections()
        try:
            yield
        finally:
            await mail.stop()
            await outbox.stop()
            await runner.stop()
            await runtime.presence.close()
            await bus.stop()
            if runtime.geo is not None:
                runtime.geo.close()
            await db.dispose()

    routes = [
        Route("/healthz", healthz),
        Route("/metrics", metrics_endpoint),
        Route("/widget.js", widget_js),
        *widget_config.preflight_routes,
        Route("/widget/{part}.js", widget_part_js),
        Route("/favicon.ico", favicon),
        WebSocketRoute("/ws/visitor", visitor_endpoint),
        WebSocketRoute("/ws/agent", agent_endpoint),
        Route("/sse/visitor", visitor_stream, methods=["GET"]),
        Mount("/api/v1", routes=api.routes),
        Route("/console", console_root),
        Route("/console/admin", admin_pages.admin_page, methods=["GET"]),
        Mount("/console", routes=console.routes),
        Mount("/demo", routes=demo.routes),
        Route("/", lambda request: RedirectResponse("/demo/", 307)),
    ]
    app = ChatApp(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={DomainError: domain_error_handler, HTTPException: http_error},
    )
    app.edge = EdgePolicy(https=settings.https)
    return app
