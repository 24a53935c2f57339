"""The HTTP edge: body limits, NUL refusal and security headers, for every HTTP request.

A pure ASGI middleware (no Starlette ``BaseHTTPMiddleware``, which would buffer and
add a task per request). It wraps the whole application, Starlette's error
middleware included, so even a 500 carries the headers. The two socket paths never
pass here (``ChatApp`` hands them to their endpoints directly).

* **Body limits.** A declared ``Content-Length`` above the path's limit is answered
  ``413`` ``too_large`` before a byte of the body is read; a body without one
  (chunked) is counted as the endpoint reads it, and the chunk that crosses the
  limit raises :class:`BodyTooLarge` (a :class:`DomainError`, so the endpoint's
  error handling answers ``413``). Nothing above the limit is ever held in memory.
* **NUL characters** (``\\x00``) cannot be stored by PostgreSQL and mean nothing in
  text anyone types: a query string or a form body holding ``%00``, or a JSON body
  holding the escape ``\\u0000``, is refused with ``400`` ``invalid_text``.
* **Headers.** Every response: ``X-Content-Type-Options: nosniff``. Console
  responses: a ``Content-Security-Policy`` without inline scripts or styles and
  with ``frame-ancestors 'none'``, ``X-Frame-Options: DENY``, ``Referrer-Policy``.
  API answers and console pages (not its static files): ``Cache-Control:
  no-store``, unless the endpoint marked its answer ``public`` itself. With an
  ``https://`` public URL, ``Strict-Transport-Security`` on every response and
  ``Secure`` on every cookie set.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chat_server.model.errors import DomainError
from chat_server.web.endpoints.http_errors import error_response
from chat_server.wire.inbound import NUL_ESCAPE, has_nul_escape

KIB = 1024
MIB = 1024 * KIB
#: Logins and tokens: a body this size holds any real e-mail, password and code.
LOGIN_BODY_LIMIT = 64 * KIB
#: Every other request body (JSON endpoints).
DEFAULT_BODY_LIMIT = 1 * MIB
#: Path prefixes with their own limit, the first match wins. Uploads (multipart, up to
#: 10 MiB by the contract) need an entry here when their endpoint lands.
BODY_LIMITS: tuple[tuple[str, int], ...] = (
    ("/api/v1/auth/", LOGIN_BODY_LIMIT),
    ("/console/login", LOGIN_BODY_LIMIT),
    # Multipart files: the endpoint holds each to CHAT_UPLOAD_MAX_BYTES (at most 64 MiB).
    ("/api/v1/uploads", 65 * MIB),
)
#: Bodies that are frames: wire.inbound refuses their NUL with an ``error`` frame.
FRAME_PATHS = ("/api/v1/visitor/frames",)

CONSOLE_PREFIX = "/console"
CONSOLE_STATIC_PREFIX = "/console/static/"
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HSTS = "max-age=31536000"
#: Bytes kept from the previous chunk so that a pattern split between two chunks is found.
_OVERLAP = 64


class BodyTooLarge(DomainError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__("too_large", f"the request body may be at most {limit // KIB} KiB")


class NulInText(DomainError):
    def __init__(self, where: str) -> None:
        super().__init__("invalid_text", f"{where} must not contain NUL characters")


def body_limit(path: str) -> int:
    for prefix, limit in BODY_LIMITS:
        if path.startswith(prefix):
            return limit
    return DEFAULT_BODY_LIMIT


@dataclass(frozen=True)
class EdgePolicy:
    https: bool  # CHAT_PUBLIC_URL is https://: HSTS and Secure cookies


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _body_kind(scope: Scope) -> str | None:
    """``json`` or ``form`` when the body is scanned for NUL, else None."""
    if scope["path"].startswith(FRAME_PATHS):
        return None
    content_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
    if content_type == b"application/x-www-form-urlencoded":
        return "form"
    if content_type in (b"application/json", b"text/plain", b"") or content_type.endswith(b"+json"):
        return "json"
    return None


def _has_nul(data: bytes, kind: str) -> bool:
    if b"\x00" in data:
        return True
    if kind == "form":
        return b"%00" in data  # form encoding writes a literal "%" as %25
    return NUL_ESCAPE.encode() in data and has_nul_escape(data.decode("utf-8", "replace"))


class EdgeMiddleware:
    def __init__(self, app: ASGIApp, policy: EdgePolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started: list[bool] = []
        send = self._with_headers(scope, send, started)
        path: str = scope["path"]
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query or "\x00" in path:
            await _refuse(scope, receive, send, NulInText("the query string"))
            return
        limit = body_limit(path)
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(scope, receive, send, BodyTooLarge(limit))
            return
        try:
            await self.app(scope, _LimitedBody(receive, limit, _body_kind(scope)), send)
        except BodyTooLarge as exc:  # read where no exception handler runs
            if started:
                raise
            await _refuse(scope, receive, send, exc)

    def _with_headers(self, scope: Scope, send: Send, started: list[bool]) -> Send:
        """``send``, adding the headers to the response's start (noted in ``started``)."""
        path: str = scope["path"]
        console = path == CONSOLE_PREFIX or path.startswith(CONSOLE_PREFIX + "/")
        private = path.startswith("/api/") or (
            console and not path.startswith(CONSOLE_STATIC_PREFIX)
        )
        https = self.policy.https

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.append(True)
                headers = MutableHeaders(scope=message)
                headers["x-content-type-options"] = "nosniff"
                if console:
                    headers["content-security-policy"] = CONTENT_SECURITY_POLICY
                    headers["x-frame-options"] = "DENY"
                    headers["referrer-policy"] = "same-origin"
                cache = headers.get("cache-control", "")
                if private and "public" not in cache and "private" not in cache:
                    headers["cache-control"] = "no-store"
                if https:
                    headers["strict-transport-security"] = HSTS
                    _secure_cookies(headers)
            await send(message)

        return send_with_headers


def _secure_cookies(headers: MutableHeaders) -> None:
    cookies = headers.getlist("set-cookie")
    if not cookies:
        return
    del headers["set-cookie"]
    for cookie in cookies:
        attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
        headers.append("set-cookie", cookie if "secure" in attributes else cookie + "; Secure")


class _LimitedBody:
    """``receive``, counting body bytes (and scanning them for NUL when ``kind`` says)."""

    def __init__(self, receive: Receive, limit: int, kind: str | None) -> None:
        self.receive = receive
        self.limit = limit
        self.kind = kind
        self.received = 0
        self.tail = b""

    async def __call__(self) -> Message:
        message = await self.receive()
        if message["type"] != "http.request":
            return message
        chunk: bytes = message.get("body", b"")
        self.received += len(chunk)
        if self.received > self.limit:
            raise BodyTooLarge(self.limit)
        if self.kind is not None and chunk:
            window = self.tail + chunk
            if _has_nul(window, self.kind):
                raise NulInText("the request body")
            self.tail = window[-_OVERLAP:]
        return message


async def _refuse(scope: Scope, receive: Receive, send: Send, error: DomainError) -> None:
    """Answer with the JSON error shape without reading the body; then close the
    connection, so what the client still sends is never read."""
    response = error_response(error.status, error.code, error.message)
    response.headers["connection"] = "close"
    await response(scope, receive, send)
