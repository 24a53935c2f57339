"""The lean WebSocket protocol against the installed uvicorn, and its fallback."""

import importlib.util
import inspect
import logging
import sys

from uvicorn.protocols.websockets import websockets_sansio_impl

from chat_server.realtime import lean_protocol


def test_the_installed_uvicorn_gets_the_lean_protocol():
    assert (
        lean_protocol.compatibility_problem(
            lean_protocol.uvicorn.__version__, websockets_sansio_impl
        )
        is None
    )
    assert issubclass(
        lean_protocol.LeanWebSocketsProtocol, websockets_sansio_impl.WebSocketsSansIOProtocol
    )
    assert (
        lean_protocol.LeanWebSocketsProtocol is not websockets_sansio_impl.WebSocketsSansIOProtocol
    )


def test_the_slots_cover_every_attribute_uvicorn_sets():
    stock = websockets_sansio_impl.WebSocketsSansIOProtocol
    assert lean_protocol.attributes_set_by(stock) <= set(lean_protocol._LeanProtocol.__slots__)


def _changed_copy(tmp_path, monkeypatch, old: str, new: str):
    """uvicorn's sansio module with one line changed, imported under another name."""
    source = inspect.getsource(websockets_sansio_impl)
    assert old in source
    path = tmp_path / "changed_sansio.py"
    path.write_text(source.replace(old, new))
    spec = importlib.util.spec_from_file_location("changed_sansio", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "changed_sansio", module)  # inspect finds its source there
    spec.loader.exec_module(module)
    return module


def test_a_queue_method_the_lean_inbox_lacks_falls_back_to_the_stock_protocol(
    tmp_path, monkeypatch, caplog
):
    changed = _changed_copy(
        tmp_path, monkeypatch, "await self.queue.get()", "self.queue.get_nowait()"
    )
    with caplog.at_level(logging.WARNING, logger=lean_protocol.__name__):
        chosen = lean_protocol.choose_protocol("0.56.0", changed)
    assert chosen is changed.WebSocketsSansIOProtocol
    assert "self.queue.get_nowait()" in caplog.text
    assert "stock WebSocket protocol" in caplog.text


def test_a_queue_no_longer_built_from_asyncio_queue_falls_back(tmp_path, monkeypatch, caplog):
    changed = _changed_copy(tmp_path, monkeypatch, "asyncio.Queue", "collections.deque")
    with caplog.at_level(logging.WARNING, logger=lean_protocol.__name__):
        chosen = lean_protocol.choose_protocol("0.56.0", changed)
    assert chosen is changed.WebSocketsSansIOProtocol
    assert "asyncio.Queue" in caplog.text


def test_a_uvicorn_without_the_module_falls_back_to_its_auto_protocol(caplog):
    with caplog.at_level(logging.WARNING, logger=lean_protocol.__name__):
        chosen = lean_protocol.choose_protocol("1.0.0", None)
    assert chosen is lean_protocol.AutoWebSocketsProtocol
    assert "no websockets_sansio_impl" in caplog.text


def test_an_unchanged_module_keeps_the_lean_protocol_without_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger=lean_protocol.__name__):
        chosen = lean_protocol.choose_protocol("0.55.0", websockets_sansio_impl)
    assert chosen is lean_protocol._LeanProtocol
    assert caplog.text == ""


async def test_an_open_socket_no_longer_holds_its_handshake_headers_but_the_app_still_has_them():
    """websockets' parser keeps the handshake request for the socket's whole life; the lean
    protocol empties its headers once the handshake is answered (the scope has a copy)."""
    import asyncio
    import base64
    import gc
    import os

    import uvicorn
    from websockets.http11 import Request

    from tests.support.servers import free_port

    async def app(scope, receive, send):
        if scope["type"] != "websocket":
            return
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        agent = dict(scope["headers"]).get(b"user-agent", b"").decode()
        await send({"type": "websocket.send", "text": agent})
        await receive()  # until the client goes

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, ws=lean_protocol.LeanWebSocketsProtocol, log_level="error"
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(500):  # uvicorn offers no event for "listening"
        if server.started:
            break
        await asyncio.sleep(0.01)
    assert server.started
    # A raw TCP client: no client-side Request object in this process to confuse gc below.
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            "GET /ws/held-headers HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "User-Agent: ShopperBrowser/1.0\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    try:
        response = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
        assert response.startswith(b"HTTP/1.1 101")
        frame = await asyncio.wait_for(reader.readexactly(2), 5)
        text = await asyncio.wait_for(reader.readexactly(frame[1] & 0x7F), 5)
        assert text == b"ShopperBrowser/1.0"  # the app read the header from its scope
        held = [
            obj
            for obj in gc.get_objects()
            if isinstance(obj, Request) and obj.path == "/ws/held-headers"
        ]
        assert held, "websockets no longer keeps the request: the emptying can go"
        assert all(len(request.headers) == 0 for request in held)
    finally:
        writer.close()
        server.should_exit = True
        await asyncio.wait_for(serving, 10)
