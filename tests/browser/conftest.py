"""Chromium (one per run), a cross-origin storefront per module, watched browsing per test.

The ``server`` and ``own_server`` fixtures come from tests/conftest.py. Playwright's async
objects live on one event loop, so every browser test runs on the session's loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from browser.browser_support import CHROMIUM, CHROMIUM_ARGS, Browsing, Storefront
from conftest import Server
from playwright.async_api import Browser, async_playwright


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    on_session_loop = pytest.mark.asyncio(loop_scope="session")
    for item in items:
        if "browser" in item.path.parts and pytest_asyncio.is_async_test(item):
            item.add_marker(on_session_loop, append=False)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture(scope="module")
def storefront(server: Server) -> Iterator[Storefront]:
    """Shops on their own origin whose pages embed the module server's widget."""
    shop = Storefront(server.base).start()
    yield shop
    shop.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def browsing(browser: Browser) -> AsyncIterator[Browsing]:
    """Fresh contexts for one test; fails it if any page logged an error or opened a dialog."""
    watched = Browsing(browser)
    yield watched
    await watched.close()
    assert watched.unexpected_errors() == [], "JavaScript errors were logged"
    assert watched.dialogs == [], "a dialog was opened"
