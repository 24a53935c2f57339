"""uvicorn's websockets-sansio protocol, lighter per idle socket (``ws=`` in cli.py).

Each open socket keeps one protocol object for its whole life, and a shop keeps
thousands of them open doing nothing. The stock protocol holds, per socket, an
``asyncio.Queue`` for received frames (~3.3 KB: four deques and an Event), an
``asyncio.Event`` for write flow control (~0.9 KB), and the handshake's request and
response with their headers (~4 KB, needed only until the handshake is answered;
the ASGI scope keeps its own copy of the request headers). This subclass swaps the
queue and the event for minimal equivalents that allocate only while something
waits, and drops the handshake objects once ``websocket.accept`` went out (emptying the
request's headers, which websockets' parser keeps referenced). What goes over the wire
is unchanged.

The stock protocol is a private uvicorn module, so what the subclass relies on is
checked when this module loads (:func:`compatibility_problem`): if uvicorn changed it
(a queue or event method we do not provide, the queue or event no longer built in
``__init__``, the module gone), ``LeanWebSocketsProtocol`` is uvicorn's stock
protocol instead, and a warning says why. Sockets then cost more memory, nothing else.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import re
from types import ModuleType
from typing import Any, Final

import uvicorn
from uvicorn.protocols.websockets.auto import AutoWebSocketsProtocol

try:
    from uvicorn.protocols.websockets import websockets_sansio_impl
except ImportError:  # pragma: no cover - a uvicorn without the sansio protocol
    websockets_sansio_impl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

#: uvicorn releases whose sansio protocol this subclass was read against.
TESTED_UVICORN: Final = ("0.54", "0.55")
#: What uvicorn may call on ``self.queue`` and ``self.writable`` (Inbox and Flag provide it).
QUEUE_METHODS: Final = frozenset({"put_nowait", "get", "empty", "qsize"})
FLAG_METHODS: Final = frozenset({"set", "clear", "is_set", "wait"})
_USES = re.compile(r"self\.(queue|writable)\.(\w+)")
_ATTRIBUTES = re.compile(r"self\.([a-z_]\w*)\s*(?::[^=\n]*)?=[^=]")


class Inbox:
    """What uvicorn uses of ``asyncio.Queue``: ``put_nowait``, ``get``, ``empty``."""

    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: collections.deque[Any] | None = None
        self._waiters: list[asyncio.Future[None]] | None = None

    def put_nowait(self, item: Any) -> None:
        if self._items is None:
            self._items = collections.deque()
        self._items.append(item)
        self._wake_one()

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    async def get(self) -> Any:
        while not self._items:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake_one()  # woken for an item but cancelled: pass it on
                raise
            finally:
                self._waiters.remove(waiter)
                if not self._waiters:
                    self._waiters = None
        item = self._items.popleft()
        if not self._items:
            self._items = None
        return item

    def _wake_one(self) -> None:
        for waiter in self._waiters or ():
            if not waiter.done():
                waiter.set_result(None)
                return


class Flag:
    """What uvicorn uses of ``asyncio.Event``: ``set``, ``clear``, ``is_set``, ``wait``."""

    __slots__ = ("_value", "_waiters")

    def __init__(self) -> None:
        self._value = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        if self._value:
            return
        self._value = True
        for waiter in self._waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
            return True
        finally:
            self._waiters.remove(waiter)
            if not self._waiters:
                self._waiters = None


def compatibility_problem(version: str, module: ModuleType | None) -> str | None:
    """Why the lean subclass cannot be trusted with this uvicorn; None when it can."""
    stock = getattr(module, "WebSocketsSansIOProtocol", None)
    if module is None or not isinstance(stock, type):
        return "uvicorn has no websockets_sansio_impl.WebSocketsSansIOProtocol"
    try:
        source = inspect.getsource(stock)
    except (OSError, TypeError):
        if ".".join(version.split(".")[:2]) in TESTED_UVICORN:
            return None
        return f"uvicorn {version} ships no source to check the sansio protocol against"
    if "self.queue" not in source or "asyncio.Queue" not in source:
        return "the sansio protocol no longer builds self.queue from asyncio.Queue"
    if "self.writable" not in source or "asyncio.Event" not in source:
        return "the sansio protocol no longer builds self.writable from asyncio.Event"
    for name, method in _USES.findall(source):
        allowed = QUEUE_METHODS if name == "queue" else FLAG_METHODS
        if method not in allowed:
            return f"the sansio protocol calls self.{name}.{method}(), which the lean one lacks"
    if "self.response" not in source or "self.request" not in source:
        return "the sansio protocol no longer keeps self.request and self.response"
    return None


def attributes_set_by(cls: type) -> frozenset[str]:
    """The ``self.`` attributes a class's source assigns (what the slots must cover)."""
    return frozenset(_ATTRIBUTES.findall(inspect.getsource(cls)))


class _LeanProtocol(websockets_sansio_impl.WebSocketsSansIOProtocol):
    # uvicorn's own attributes, as slots: with ~37 of them an instance __dict__ outgrows
    # CPython's shared-key dicts and costs ~1.6 KB per socket; 37 slots cost ~300 bytes.
    # (One that is missing here still works; it just lands in __dict__.)
    __slots__ = (
        "app",
        "app_state",
        "asgi_version",
        "client",
        "close_sent",
        "close_timeout",
        "close_timer",
        "config",
        "conn",
        "connections",
        "curr_msg_data_type",
        "default_headers",
        "disconnected",
        "frames",
        "handshake_complete",
        "handshake_initiated",
        "initial_response",
        "last_ping_rtt",
        "logger",
        "loop",
        "pending_ping_payload",
        "ping_interval",
        "ping_sent_at",
        "ping_timeout",
        "ping_timer",
        "pong_timer",
        "queue",
        "read_paused",
        "request",
        "response",
        "root_path",
        "scheme",
        "scope",
        "server",
        "tasks",
        "transport",
        "writable",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        writable = Flag()
        writable.set()
        self.writable = writable  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "response", None) is not None:
            # Answered: the handshake's request and response are not used again. The
            # request stays referenced all the same, for the socket's whole life, by a
            # local of websockets' parser generator (``ServerProtocol.parse``): emptying
            # its headers is what frees them (~2.5 KB a socket; the scope has a copy).
            request = getattr(self, "request", None)
            headers = getattr(request, "headers", None)
            if headers is not None:
                headers.clear()
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]


def choose_protocol(version: str, module: ModuleType | None) -> type[asyncio.Protocol]:
    """The lean protocol if ``module`` is what it was written against, else the stock one."""
    problem = compatibility_problem(version, module)
    if problem is None:
        return _LeanProtocol
    log.warning(
        "uvicorn %s: using the stock WebSocket protocol, not the lean one (%s); "
        "idle sockets will use more memory",
        version,
        problem,
    )
    stock = getattr(module, "WebSocketsSansIOProtocol", None)
    if isinstance(stock, type) and issubclass(stock, asyncio.Protocol):
        return stock
    if isinstance(AutoWebSocketsProtocol, type):
        return AutoWebSocketsProtocol
    raise RuntimeError(f"uvicorn {version} has no WebSocket protocol: is websockets installed?")


#: What cli.py hands uvicorn as ``ws=``: the lean protocol, or the stock one when uvicorn changed.
LeanWebSocketsProtocol: Final[type[asyncio.Protocol]] = choose_protocol(
    uvicorn.__version__, websockets_sansio_impl
)
