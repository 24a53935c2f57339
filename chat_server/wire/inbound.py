"""Frames in: client frames as validated models.

Pure: no I/O. :func:`parse_visitor_frame` and :func:`parse_agent_frame` turn one
WebSocket text frame into a model or raise :class:`ProtocolError`, whose fields are
what the ``error`` frame carries.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

MAX_TEXT_CHARS = 5000
MAX_FRAME_BYTES = 64 * 1024

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Url = Annotated[str, StringConstraints(max_length=4096)]
ShortText = Annotated[str, StringConstraints(max_length=1000)]


class ProtocolError(Exception):
    """A frame the server refuses; the connection stays open."""

    def __init__(self, code: str, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


class Frame(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class Page(Frame):
    url: Url
    title: ShortText | None = None
    referrer: Url | None = None


class Hello(Frame):
    type: Literal["hello"]
    visitor_token: Annotated[str, StringConstraints(max_length=128)] | None
    page: Page
    last_seq: Annotated[int, Field(ge=0)] = 0


class PageViewFrame(Frame):
    type: Literal["page.view"]
    url: Url
    title: ShortText | None = None
    referrer: Url | None = None


class Visibility(Frame):
    type: Literal["visibility"]
    visible: bool


class VisitorSend(Frame):
    type: Literal["message.send"]
    client_id: ClientId
    text: str


class VisitorTyping(Frame):
    type: Literal["typing"]
    active: bool


class RatingSubmit(Frame):
    type: Literal["rating.submit"]
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)] | None = None


class Identify(Frame):
    type: Literal["identify"]
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None


class AgentSend(Frame):
    type: Literal["message.send"]
    conversation_id: Id
    client_id: ClientId
    text: str
    internal: bool = False


class Invite(Frame):
    type: Literal["conversation.invite"]
    visitor_id: Id
    client_id: ClientId
    text: str


class Resolve(Frame):
    type: Literal["conversation.resolve"]
    conversation_id: Id


class AgentTyping(Frame):
    type: Literal["typing"]
    conversation_id: Id
    active: bool


VisitorFrame = (
    Hello | PageViewFrame | Visibility | VisitorSend | VisitorTyping | RatingSubmit | Identify
)
AgentFrame = AgentSend | Invite | Resolve | AgentTyping

VISITOR_FRAMES: dict[str, type[Frame]] = {
    "hello": Hello,
    "page.view": PageViewFrame,
    "visibility": Visibility,
    "message.send": VisitorSend,
    "typing": VisitorTyping,
    "rating.submit": RatingSubmit,
    "identify": Identify,
}
AGENT_FRAMES: dict[str, type[Frame]] = {
    "message.send": AgentSend,
    "conversation.invite": Invite,
    "conversation.resolve": Resolve,
    "typing": AgentTyping,
}


def _decode(text: str) -> dict[str, Any]:
    if len(text) > MAX_FRAME_BYTES or len(text.encode()) > MAX_FRAME_BYTES:
        raise ProtocolError("frame_too_large", f"a frame may be at most {MAX_FRAME_BYTES} bytes")
    try:
        data = orjson.loads(text)
    except (orjson.JSONDecodeError, RecursionError):
        raise ProtocolError("invalid_json", "the frame is not valid JSON") from None
    if not isinstance(data, dict):
        raise ProtocolError("invalid_frame", 'a frame must be a JSON object with a "type"')
    return data


def _parse(text: str, table: dict[str, type[Frame]]) -> Any:
    data = _decode(text)
    ref = data.get("client_id") if isinstance(data.get("client_id"), str) else None
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("invalid_frame", 'a frame must have a string "type"', ref)
    model = table.get(kind)
    if model is None:
        raise ProtocolError("unknown_type", f"unknown frame type {kind[:64]!r}", ref)
    try:
        frame = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "frame"
        raise ProtocolError("invalid_frame", f"{kind}: {where}: {first['msg']}", ref) from None
    text_field = getattr(frame, "text", None)
    if isinstance(text_field, str):
        if len(text_field) > MAX_TEXT_CHARS:
            raise ProtocolError(
                "message_too_long", f"a message may be at most {MAX_TEXT_CHARS} characters", ref
            )
        if not text_field.strip():
            raise ProtocolError("empty_message", "a message needs some text", ref)
    return frame


def client_id_of(text: str) -> str | None:
    """The ``client_id`` of a frame refused unread (say, over the frame budget), so that
    the client learns which of its messages to send again."""
    try:
        client_id = _decode(text).get("client_id")
    except ProtocolError:
        return None
    return client_id if isinstance(client_id, str) else None


def parse_visitor_frame(text: str) -> VisitorFrame:
    return _parse(text, VISITOR_FRAMES)


def parse_agent_frame(text: str) -> AgentFrame:
    return _parse(text, AGENT_FRAMES)
