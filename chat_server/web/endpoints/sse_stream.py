"""The fallback transport's stream, ``GET /sse/visitor?site=KEY`` (Server-Sent Events).

A shopper whose network refuses WebSockets gets the server's frames here, one frame
per event (``data: <the JSON frame>``), and posts its own frames to
``POST /api/v1/visitor/frames`` (``sse_frames``) naming the stream. Both halves meet
in one :class:`~chat_server.web.visitor_session.VisitorSession`, the same the socket
uses, so the frames and guarantees are the socket's: ack after commit, ``seq``
order, resume with ``last_seq``, idempotent ``client_id``, limits, presence.

The stream is a :class:`~chat_server.realtime.hub.FrameSink` to the hub: writes go
into a small bounded queue that the response drains; when the shopper stops
reading, the queue fills, the hub's connection backs up into its own bounded queue
and, full, drops the stream as it drops a slow socket.

POSTs may reach another process than the stream's: each stream listens on its own
bus topic (``sse:<token>``), so a POST handled elsewhere is published there and
arrives in order (see ``sse_frames``). Like the socket endpoints this module never
touches SQL.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from sse_starlette.sse import EventSourceResponse
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocketState

from chat_server.admin import sites
from chat_server.model.tables import Site
from chat_server.observe import metrics
from chat_server.realtime.hub import Connection, FrameSink, Hub
from chat_server.runtime.state import Runtime
from chat_server.security.origins import normalise_origin, origin_allowed
from chat_server.web.endpoints.http_errors import error_response
from chat_server.web.visitor_session import Peer, VisitorSession
from chat_server.wire.envelope import Envelope
from chat_server.wire.outbound import stream_opened_frame

log = logging.getLogger(__name__)

#: Frames written to a stream and not yet taken by the response; past this the hub's
#: connection queues them itself (bounded by CHAT_SEND_QUEUE_SIZE, as for a socket).
SINK_SIZE = 16
#: Frames POSTed and not yet handled; a POST that would overflow it gets 429.
INBOX_SIZE = 256
_STREAM_SALT = b"sse-stream:"


# -- stream ids ---------------------------------------------------------------------------


def new_stream_id(secret_key: str, site_id: str) -> str:
    """A random token with a signature binding it to its site, so that any process
    can tell a stream id this server issued from a made-up one."""
    token = secrets.token_urlsafe(18)
    return f"{token}.{_mac(secret_key, site_id, token)}"


def stream_token(secret_key: str, site_id: str, stream_id: str | None) -> str | None:
    """The token of a stream id issued for ``site_id``, or None for any other value."""
    if not stream_id or len(stream_id) > 200:
        return None
    token, _, mac = stream_id.partition(".")
    if not token or not hmac.compare_digest(mac, _mac(secret_key, site_id, token)):
        return None
    return token


def stream_topic(token: str) -> str:
    """The bus topic on which a stream's process hears the frames POSTed elsewhere."""
    return f"sse:{token}"


def _mac(secret_key: str, site_id: str, token: str) -> str:
    message = _STREAM_SALT + site_id.encode() + b":" + token.encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


# -- one stream -----------------------------------------------------------------------


class StreamSink:
    """What the hub's :class:`Connection` writes to: a bounded queue of frames."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[str | None] = asyncio.Queue(SINK_SIZE)
        self.application_state = WebSocketState.CONNECTED

    async def send_text(self, data: str) -> None:
        if self.application_state is not WebSocketState.CONNECTED:
            raise ConnectionError("the stream has ended")
        await self.queue.put(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.end()

    def end(self) -> None:
        """No more frames: the response finishes what is queued, then ends."""
        if self.application_state is WebSocketState.DISCONNECTED:
            return
        self.application_state = WebSocketState.DISCONNECTED
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)  # wakes a response waiting on an empty queue

    @property
    def ended(self) -> bool:
        return self.application_state is WebSocketState.DISCONNECTED


async def _no_gap(conversation_id: str, after: int) -> list[tuple[int, str]]:
    return []


class PostedFrames(Connection):
    """A stream's mailbox on the bus: frames POSTed to another process arrive here."""

    __slots__ = ("_accept",)

    def __init__(self, sink: FrameSink, accept: Callable[[list[str]], bool]) -> None:
        super().__init__(sink, "sse-inbox", 1, _no_gap, fill_unknown_conversations=False)
        self._accept = accept

    def offer(self, event: Envelope) -> None:
        if not self._accept([event.text]):
            log.info("dropping a frame POSTed elsewhere: the stream's inbox is full")


class VisitorStream:
    def __init__(
        self, rt: Runtime, hub: Hub, site: Site, peer: Peer, stream_id: str, token: str
    ) -> None:
        self.rt = rt
        self.hub = hub
        self.stream_id = stream_id
        self.topic = stream_topic(token)
        self.sink = StreamSink()
        self.session = VisitorSession(rt, hub, site, self.sink, peer)
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue(INBOX_SIZE)
        self.mailbox = PostedFrames(self.sink, self.accept)
        self._task: asyncio.Task[None] | None = None

    def accept(self, texts: list[str]) -> bool:
        """Queue POSTed frames for the session in order; False (nothing queued) when full."""
        if self.sink.ended or self.inbox.qsize() + len(texts) > INBOX_SIZE:
            return False
        for text in texts:
            self.inbox.put_nowait(text)
        return True

    async def events(self, streams: dict[str, VisitorStream]) -> AsyncIterator[dict[str, Any]]:
        """The response's events; the session runs in its own task, so that its clean-up
        (presence, departure) is never cut short by the response's cancellation."""
        streams[self.stream_id] = self
        try:
            # Subscribed before the id goes out: a POST to another process right after
            # ``stream.opened`` must find the topic heard.
            await self.hub.attach(self.mailbox, [self.topic])
            self._task = asyncio.get_running_loop().create_task(self._run(streams))
            yield {"data": stream_opened_frame(self.stream_id)}
            while not (self.sink.ended and self.sink.queue.empty()):
                text = await self.sink.queue.get()
                if text is None:
                    break
                yield {"data": text}
        finally:
            self._stop()
            if self._task is None:  # never started: undo the registration here
                streams.pop(self.stream_id, None)
                with contextlib.suppress(Exception):
                    await asyncio.shield(self.hub.detach(self.mailbox))

    def _stop(self) -> None:
        """The shopper went away (or the stream ended): end the session's reader."""
        self.sink.end()
        try:
            self.inbox.put_nowait(None)
        except asyncio.QueueFull:
            if self._task is not None:
                self._task.cancel()

    async def _run(self, streams: dict[str, VisitorStream]) -> None:
        metrics.CONNECTIONS.labels("visitor").inc()
        try:
            await self.session.connection.run(self._read_loop)
        finally:
            self.sink.end()
            streams.pop(self.stream_id, None)
            metrics.CONNECTIONS.labels("visitor").dec()
            with contextlib.suppress(Exception):
                await self.hub.detach(self.mailbox)
            await self.session.closed()

    async def _read_loop(self) -> None:
        """Hand the POSTed frames to the session one at a time, as a socket's reader
        does; a stream without ``hello`` within the deadline is ended."""
        deadline = time.monotonic() + self.rt.settings.hello_timeout_seconds
        while True:
            if self.session.visitor_id is None:
                try:
                    async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                        text = await self.inbox.get()
                except TimeoutError:
                    log.info("ending visitor stream: no hello within the deadline")
                    return
            else:
                text = await self.inbox.get()
            if text is None:
                return
            await self.session.handle_text(text)


# -- the endpoint ---------------------------------------------------------------------


def streams_of(request: Request) -> dict[str, VisitorStream]:
    """This process's open streams by id."""
    state = request.app.state
    streams: dict[str, VisitorStream] | None = getattr(state, "sse_streams", None)
    if streams is None:
        streams = state.sse_streams = {}
    return streams


def page_origin(request: Request) -> str | None:
    """The page's origin: ``Origin``, or for a same-origin GET (which carries none)
    the origin of its ``Referer``."""
    origin = request.headers.get("origin")
    if origin:
        return origin
    referer = request.headers.get("referer")
    return normalise_origin(referer) if referer else None


def with_cors(response: Response, request: Request) -> Response:
    origin = request.headers.get("origin")
    response.headers["vary"] = "Origin"
    if origin:
        response.headers["access-control-allow-origin"] = origin
    return response


async def site_for(request: Request) -> tuple[Site | None, Response | None]:
    """The site the query names, or the refusal to answer (404, or 403 for a page
    whose origin the site does not allow)."""
    rt: Runtime = request.app.state.runtime
    site = await sites.site_by_key(rt, request.query_params.get("site"))
    if site is None:
        return None, with_cors(error_response(404, "not_found", "no site has this key"), request)
    origin = page_origin(request)
    if not origin_allowed(site.origins, origin):
        message = f"the site does not allow pages of {origin or 'an unknown origin'}"
        return None, with_cors(error_response(403, "origin_not_allowed", message), request)
    return site, None


async def visitor_stream(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    hub: Hub = request.app.state.hub
    site, refusal = await site_for(request)
    if site is None:
        assert refusal is not None
        return refusal
    stream_id = new_stream_id(rt.settings.secret_key, site.id)
    token = stream_token(rt.settings.secret_key, site.id, stream_id)
    assert token is not None
    peer = Peer(
        request.client.host if request.client else None,
        request.headers,
        rt.settings.trusted_proxies,
    )
    stream = VisitorStream(rt, hub, site, peer, stream_id, token)
    response = EventSourceResponse(
        stream.events(streams_of(request)),
        ping=rt.settings.sse_ping_seconds,
        # Proxies must pass each event on at once (nginx reads this header).
        headers={"cache-control": "no-store", "x-accel-buffering": "no"},
    )
    return with_cors(response, request)
