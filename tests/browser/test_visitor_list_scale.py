"""The console's visitor list with more shoppers online than one page holds, in real Chromium.

The agent socket's ``welcome`` carries the first 200 online visitors and the total; the
console draws only the rows in view and reads further pages over REST as the agent
scrolls. 230 real visitor sockets are online here, so the last 30 exist in the console only
if it paged. The module has its own server: its crowd would crowd other modules' lists.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio
from browser.browser_support import Browsing, hook, log_in, screenshot
from clients import Visitor
from conftest import Server, http
from playwright.async_api import expect

ONLINE = 230
WELCOME_PAGE = 200  # CONTRACT §9: a welcome carries at most 200 visitors

# Scrolls the list to its end in steps, noting every visitor row drawn on the way and the
# most rows in the DOM at once; waits at the end while a further page may be on its way.
SCROLL_TO_END = """
async () => {
  const box = document.querySelector('[data-chat="visitor-list"]');
  const seen = new Set();
  let most = 0;
  const note = () => {
    const rows = box.querySelectorAll('[data-chat="visitor-row"]');
    most = Math.max(most, rows.length);
    rows.forEach((row) => seen.add(row.getAttribute('data-visitor-id')));
  };
  for (let quiet = 0; quiet < 20; ) {
    const before = box.scrollTop;
    box.scrollTop += 300;
    await new Promise((resolve) => setTimeout(resolve, 40));
    note();
    if (box.scrollTop === before) {
      quiet++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    } else quiet = 0;
  }
  return { seen: Array.from(seen), most: most };
}
"""


@pytest_asyncio.fixture(loop_scope="session")
async def crowd(server: Server, site: dict[str, Any]) -> AsyncIterator[list[Visitor]]:
    visitors: list[Visitor] = []
    try:
        for start in range(0, ONLINE, 46):
            visitors += await asyncio.gather(
                *(
                    Visitor.connect(
                        server.ws_base,
                        site["key"],
                        page={
                            "url": f"https://crowded.example/product/{number}",
                            "title": f"Product {number:03d}",
                            "referrer": "",
                        },
                    )
                    for number in range(start, min(ONLINE, start + 46))
                )
            )
        yield visitors
    finally:
        await asyncio.gather(*(visitor.close() for visitor in visitors))


async def test_every_online_visitor_is_reachable_by_scrolling_with_few_rows_drawn(
    server: Server,
    site: dict[str, Any],
    agent: dict[str, Any],
    crowd: list[Visitor],
    browsing: Browsing,
) -> None:
    console = await log_in(browsing, server.base, agent)
    await expect(console.locator(hook("visitor-count"))).to_have_text(str(ONLINE))
    first = console.locator(hook("visitor-row")).first
    # newest first visit first: the last visitor to arrive heads the list
    await expect(first).to_have_attribute("data-visitor-id", crowd[-1].id)
    await screenshot(console, "console-crowd.png")

    scrolled = await console.evaluate(SCROLL_TO_END)
    assert sorted(scrolled["seen"]) == sorted(visitor.id for visitor in crowd)
    # windowed: the DOM holds the rows in view and a few more, never the whole crowd
    assert 5 <= scrolled["most"] <= 40, scrolled["most"]

    # One who leaves goes from the list and the count; one who arrives heads it.
    leaving = crowd.pop(0)
    await leaving.close()
    await expect(console.locator(hook("visitor-count"))).to_have_text(str(ONLINE - 1))
    newcomer = await Visitor.connect(
        server.ws_base,
        site["key"],
        page={"url": "https://crowded.example/cart", "title": "Cart", "referrer": ""},
    )
    crowd.append(newcomer)
    await expect(console.locator(hook("visitor-count"))).to_have_text(str(ONLINE))
    await console.evaluate("document.querySelector('[data-chat=\"visitor-list\"]').scrollTop = 0")
    await expect(console.locator(hook("visitor-row")).first).to_have_attribute(
        "data-visitor-id", newcomer.id
    )
    assert await console.locator(f'[data-visitor-id="{leaving.id}"]').count() == 0


async def test_the_console_page_names_every_module_it_imports_for_preloading(
    server: Server, agent: dict[str, Any], browsing: Browsing
) -> None:
    console = await log_in(browsing, server.base, agent)
    preloaded = await console.evaluate(
        "Array.from(document.querySelectorAll('link[rel=modulepreload]'), (l) => l.href)"
    )
    assert preloaded, "no modulepreload links"
    loaded = await console.evaluate(
        "performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.js'))"
    )
    entries = {
        f"{server.base}/console/static/js/console/{name}.js"
        for name in ("main", "search", "canned")
    }
    # exactly the modules the page loads: none forgotten, none loaded for nothing
    assert set(preloaded) == set(loaded) - entries
    for url in preloaded:
        assert re.match(rf"^{re.escape(server.base)}/console/static/js/", url)
        status, _ = http("GET", url)
        assert status == 200, url
