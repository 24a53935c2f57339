"""The widget stays small: shoppers download it on every storefront page (issue 15).

What loads before the shopper opens the chat is widget.js, plus sse.js on networks that block
WebSockets; together they fit in 15 KB gzipped. The panel's code (panel-look.js, panel.js) and
attachments.js come later, from the same server (tests/browser/test_widget_lazy.py).
"""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import Server

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
BEFORE_OPENING = ("widget.js", "sse.js")
LAZY = ("panel-look.js", "panel.js", "attachments.js", "sse.js")
BUDGET_BYTES = 15 * 1024
MAX_LINES = 600


def gzipped(name: str) -> int:
    return len(gzip.compress((WIDGET_DIR / name).read_bytes(), compresslevel=9))


def test_what_loads_before_opening_is_at_most_15_kb_gzipped() -> None:
    sizes = {name: gzipped(name) for name in BEFORE_OPENING}
    assert sum(sizes.values()) <= BUDGET_BYTES, (
        f"{sizes}: {sum(sizes.values())} bytes gzipped, over the {BUDGET_BYTES} budget"
    )


def test_every_widget_script_is_under_600_lines() -> None:
    scripts = sorted(WIDGET_DIR.glob("*.js"))
    assert {path.name for path in scripts} >= {*BEFORE_OPENING, *LAZY}
    too_long = {
        path.name: len(path.read_text(encoding="utf-8").splitlines())
        for path in scripts
        if len(path.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    assert too_long == {}


def fetch(url: str) -> tuple[str, bytes]:
    with urllib.request.urlopen(url, timeout=15) as response:
        assert response.status == 200
        return response.headers.get("content-type", ""), response.read()


def test_the_server_serves_the_widget_as_javascript(server: Server) -> None:
    content_type, body = fetch(f"{server.base}/widget.js")
    assert content_type.split(";")[0].strip() in ("application/javascript", "text/javascript")
    assert body == (WIDGET_DIR / "widget.js").read_bytes()


@pytest.mark.parametrize("name", LAZY)
def test_the_server_serves_each_lazy_part_as_javascript(server: Server, name: str) -> None:
    content_type, body = fetch(f"{server.base}/widget/{name}")
    assert content_type.split(";")[0].strip() in ("application/javascript", "text/javascript")
    assert body == (WIDGET_DIR / name).read_bytes()


def test_no_other_file_is_served_under_widget(server: Server) -> None:
    for name in ("demo.js", "..%2Fpyproject.js", "widget.js"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            fetch(f"{server.base}/widget/{name}")
        assert refused.value.code == 404
