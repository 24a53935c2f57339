"""Frames in: client frames as validated models.

Pure: no I/O. :func:`parse_visitor_frame` and :func:`parse_agent_frame` turn one
WebSocket text frame into a model or raise :class:`ProtocolError`, whose fields are
what the ``error`` frame carries.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

MAX_TEXT_CHARS = 5000
MAX_FRAME_BYTES = 64 * 1024
#: The highest ``seq`` a conversation can reach (the column is a 32-bit integer);
#: a larger ``last_seq`` is taken as this, so it never reaches a query.
MAX_SEQ = 2**31 - 1
#: How JSON spells a NUL character; text holding one is refused at the edge.
NUL_ESCAPE = "\\u0000"
#: The escape itself, not an escaped backslash followed by "u0000".
_NUL_ESCAPE_PATTERN = re.compile(r"(?<!\\)(?:\\\\)*\\u0000")

ClientId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Url = Annotated[str, StringConstraints(max_length=4096)]
ShortText = Annotated[str, StringConstraints(max_length=1000)]
#: Upload ids a message carries (``POST /api/v1/uploads``); with some, text may be empty.
Attachments = Annotated[list[Id], Field(max_length=10)]


class ProtocolError(Exception):
    """A frame the server refuses; the connection stays open."""

    def __init__(self, code: str, message: str, ref: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.ref = ref


def _beyond_any_seq(value: Any) -> Any:
    """A ``last_seq`` past any stored ``seq`` as :data:`MAX_SEQ`; the JSON decoder reads
    an integer beyond 64 bits (``10**30``) as a float, which counts as one too."""
    if isinstance(value, float) and value.is_integer() and value >= MAX_SEQ:
        return MAX_SEQ
    if isinstance(value, int) and not isinstance(value, bool) and value > MAX_SEQ:
        return MAX_SEQ
    return value


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
    last_seq: Annotated[int, BeforeValidator(_beyond_any_seq), Field(ge=0)] = 0
    #: The widget's language ("tr", "en"; "en-GB" counts as "en"): the language of the
    #: conversation it opens (e-mails). Any other value is ignored, never refused.
    locale: Annotated[str, StringConstraints(max_length=35)] | None = None


class TranscriptRequest(Frame):
    """E-mail me this conversation (``email`` becomes the visitor's address)."""

    type: Literal["transcript.request"]
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    conversation_id: Id | None = None


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
    attachments: Attachments = []


class VisitorTyping(Frame):
    type: Literal["typing"]
    active: bool


class RatingSubmit(Frame):
    type: Literal["rating.submit"]
    score: Annotated[int, Field(ge=1, le=5)]
    comment: Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)] | None = None
    #: One of the visitor's own conversations; None: the latest.
    conversation_id: Id | None = None


class MessageSeen(Frame):
    """Either side saw a conversation's messages up to ``seq`` (read receipts)."""

    type: Literal["message.seen"]
    conversation_id: Id
    seq: Annotated[int, BeforeValidator(_beyond_any_seq), Field(ge=0)]


class Identify(Frame):
    type: Literal["identify"]
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None


class AssistantFeedback(Frame):
    """The visitor's Yes / No to the assistant's "Did this help?" (``seq`` of that
    question, or its ``message_id``; neither: the one awaiting an answer)."""

    type: Literal["assistant.feedback"]
    helpful: bool
    seq: Annotated[int, Field(ge=0, le=MAX_SEQ)] | None = None
    message_id: Id | None = None


class AssistantHandover(Frame):
    """The visitor asks the assistant for a person."""

    type: Literal["assistant.handover"]


class AgentSend(Frame):
    type: Literal["message.send"]
    conversation_id: Id
    client_id: ClientId
    text: str
    internal: bool = False
    attachments: Attachments = []


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


class VisitorsPage(Frame):
    """The next page of online visitors after ``welcome`` (or an earlier ``visitors.page``)."""

    type: Literal["visitors.page"]
    cursor: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    limit: Annotated[int, Field(ge=1, le=500)] = 200


class StatusSet(Frame):
    """The agent's own choice: ``online`` (routed new chats) or ``away`` (keeps its chats)."""

    type: Literal["status.set"]
    status: Literal["online", "away"]


class Assign(Frame):
    """Claim (your own id) or assign a conversation to an agent."""

    type: Literal["conversation.assign"]
    conversation_id: Id
    agent_id: Id


class Transfer(Frame):
    """Hand a conversation to an agent or a team; the note becomes an internal note."""

    type: Literal["conversation.transfer"]
    conversation_id: Id
    agent_id: Id | None = None
    team_id: Id | None = None
    note: Annotated[str, StringConstraints(max_length=MAX_TEXT_CHARS)] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Transfer:
        if (self.agent_id is None) == (self.team_id is None):
            raise ValueError("give either agent_id or team_id")
        return self


VisitorFrame = (
    Hello
    | PageViewFrame
    | Visibility
    | VisitorSend
    | VisitorTyping
    | RatingSubmit
    | Identify
    | MessageSeen
    | AssistantFeedback
    | AssistantHandover
    | TranscriptRequest
)
AgentFrame = (
    AgentSend
    | Invite
    | Resolve
    | AgentTyping
    | VisitorsPage
    | StatusSet
    | Assign
    | Transfer
    | MessageSeen
)

VISITOR_FRAMES: dict[str, type[Frame]] = {
    "hello": Hello,
    "page.view": PageViewFrame,
    "visibility": Visibility,
    "message.send": VisitorSend,
    "typing": VisitorTyping,
    "rating.submit": RatingSubmit,
    "identify": Identify,
    "message.seen": MessageSeen,
    "assistant.feedback": AssistantFeedback,
    "assistant.handover": AssistantHandover,
    "transcript.request": TranscriptRequest,
}
AGENT_FRAMES: dict[str, type[Frame]] = {
    "message.send": AgentSend,
    "conversation.invite": Invite,
    "conversation.resolve": Resolve,
    "typing": AgentTyping,
    "visitors.page": VisitorsPage,
    "status.set": StatusSet,
    "conversation.assign": Assign,
    "conversation.transfer": Transfer,
    "message.seen": MessageSeen,
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


def has_nul_escape(text: str) -> bool:
    """Whether JSON ``text`` spells a NUL character (``\\u0000``) anywhere."""
    return NUL_ESCAPE in text and _NUL_ESCAPE_PATTERN.search(text) is not None


def holds_nul(value: Any) -> bool:
    """Whether a decoded JSON value holds a NUL character in any string, keys included.

    Iterative: a frame may nest as deep as the JSON decoder allows, deeper than
    Python's recursion limit.
    """
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _parse(text: str, table: dict[str, type[Frame]]) -> Any:
    data = _decode(text)
    ref = data.get("client_id") if isinstance(data.get("client_id"), str) else None
    # JSON can only carry a NUL escaped, so frames without the escape skip the walk.
    if NUL_ESCAPE in text and holds_nul(data):
        raise ProtocolError(
            "invalid_text",
            "text must not contain NUL characters",
            None if ref and "\x00" in ref else ref,
        )
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
        if not text_field.strip() and not getattr(frame, "attachments", None):
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
