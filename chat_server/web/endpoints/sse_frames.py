"""``POST /api/v1/visitor/frames?site=KEY``: the fallback transport's client frames.

The body is one client frame (a JSON object) or an array of them, for the stream
named by ``X-Stream-Id`` (its ``stream.opened`` event). The HTTP answer only says
whether the frames were taken: ``202 {"accepted": n}``. What they mean (``welcome``,
``ack``, an ``error`` for a frame that breaks a rule) arrives on the stream, exactly
as on a socket. A body that is not JSON gets ``400 invalid_json``; a stream id this
server did not issue for the site, or a stream no longer open, ``404
unknown_stream``; a stream whose inbox is full, ``429 too_many_frames``.

A stream held by this process gets the frames directly. With Redis, one held by
another process gets them over the bus on its own topic, in order; that process
subscribes to the topic before the stream opens and unsubscribes when it ends, so
Redis's subscriber count tells whether the stream is open anywhere. (A stream that
ends between that question and the publication loses the frames; its shopper
reconnects and resends, which ``client_id`` makes safe.)
"""

from __future__ import annotations

import contextlib

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chat_server.realtime.bus import Bus
from chat_server.realtime.redis.bus import RedisBus
from chat_server.realtime.redis.channels import channel_of
from chat_server.runtime.state import Runtime
from chat_server.web.endpoints.http_errors import error_response
from chat_server.web.endpoints.sse_stream import (
    site_for,
    stream_token,
    stream_topic,
    streams_of,
    with_cors,
)
from chat_server.wire.envelope import Envelope

STREAM_HEADER = "x-stream-id"


def frame_texts(body: bytes) -> list[str] | None:
    """Each frame of the body as its own JSON text, or None when the body is not JSON.

    A frame is re-encoded as it was sent, whatever it holds: that it is an object, of
    a known type, within the limits and without NUL is the session's to judge, so a
    broken frame is answered with an ``error`` event like on a socket.
    """
    try:
        parsed = orjson.loads(body)
        frames = parsed if isinstance(parsed, list) else [parsed]
        return [orjson.dumps(frame).decode() for frame in frames]
    except (orjson.JSONDecodeError, orjson.JSONEncodeError, RecursionError):
        return None


async def post_frames(request: Request) -> Response:
    if request.method == "OPTIONS":
        return preflight(request)
    rt: Runtime = request.app.state.runtime
    site, refusal = await site_for(request)
    if site is None:
        assert refusal is not None
        return refusal
    stream_id = request.headers.get(STREAM_HEADER)
    token = stream_token(rt.settings.secret_key, site.id, stream_id)
    if token is None or stream_id is None:
        return _unknown_stream(request)
    texts = frame_texts(await request.body())
    if texts is None:
        message = "the body must be a JSON frame or an array of frames"
        return with_cors(error_response(400, "invalid_json", message), request)
    stream = streams_of(request).get(stream_id)
    if stream is not None:
        if not stream.accept(texts):
            message = "too many frames wait for this stream; retry in a moment"
            return with_cors(error_response(429, "too_many_frames", message), request)
    elif await _open_elsewhere(rt.bus, stream_topic(token)):
        topic = stream_topic(token)
        await rt.bus.publish_many([Envelope(topic, text) for text in texts])
    else:
        return _unknown_stream(request)
    return with_cors(JSONResponse({"accepted": len(texts)}, status_code=202), request)


async def _open_elsewhere(bus: Bus, topic: str) -> bool:
    """Whether another process holds the stream (it subscribes to its topic while open)."""
    if not isinstance(bus, RedisBus):
        return False  # one process: the stream would be here
    answer: list[tuple[bytes | str, int]] = []
    with contextlib.suppress(Exception):
        answer = await bus.client.pubsub_numsub(channel_of(topic))
        return bool(answer and answer[0][1])
    return True  # Redis cannot say right now: publish, the bus keeps it for later


def _unknown_stream(request: Request) -> Response:
    message = "no open stream has this X-Stream-Id; open GET /sse/visitor again"
    return with_cors(error_response(404, "unknown_stream", message), request)


def preflight(request: Request) -> Response:
    """Any page may ask; the POST itself is checked against its site's origins."""
    response = Response(status_code=204)
    response.headers["access-control-allow-methods"] = "POST"
    response.headers["access-control-allow-headers"] = "Content-Type, X-Stream-Id"
    response.headers["access-control-max-age"] = "600"
    return with_cors(response, request)


routes = [Route("/visitor/frames", post_frames, methods=["POST", "OPTIONS"])]
