"""The widget stays small: shoppers download it on every storefront page."""

from __future__ import annotations

import gzip
import urllib.request
from pathlib import Path

from conftest import Server

WIDGET = Path(__file__).resolve().parent.parent / "widget" / "widget.js"
BUDGET_BYTES = 30 * 1024


def test_the_widget_is_at_most_30_kb_gzipped() -> None:
    size = len(gzip.compress(WIDGET.read_bytes(), compresslevel=9))
    assert size <= BUDGET_BYTES, (
        f"widget.js is {size} bytes gzipped, over the {BUDGET_BYTES} budget"
    )


def test_the_server_serves_the_widget_as_javascript(server: Server) -> None:
    with urllib.request.urlopen(f"{server.base}/widget.js", timeout=15) as response:
        assert response.status == 200
        content_type = response.headers.get("content-type", "")
        body = response.read()
    assert content_type.split(";")[0].strip() in ("application/javascript", "text/javascript")
    assert body == WIDGET.read_bytes()
