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
