"""The console works under its Content-Security-Policy: nothing is refused, nothing breaks."""

from __future__ import annotations

import os
from pathlib import Path

from browser.browser_support import Browsing, hook, log_in
from clients import Agent, Visitor
from conftest import Server
from playwright.async_api import ViewportSize, expect

# Every violation the page meets, recorded before any of the page's own code runs.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__violations.push(event.violatedDirective + ' ' + event.blockedURI + ' ' + event.sourceFile + ':' + event.lineNumber + ':' + event.columnNumber);
});
"""
PHONE = ViewportSize(width=390, height=844)
SHOTS = os.environ.get("CHAT_TEST_SCREENSHOTS")


async def test_the_console_and_the_dashboard_run_under_the_policy(
    server: Server, browsing: Browsing, tmp_path: Path
) -> None:
    manager = server.create_agent("manager", "Derya Aksoy")
    # Some figures, so the dashboard draws its bars and avatars (styled from script).
    site = server.create_site("Policy shop")
    shopper = await Visitor.connect(server.ws_base, site["key"])
    asked = await shopper.say("Kargo ne zaman gelir?")
    agent = await Agent.connect(server.ws_base, manager["token"])
    await agent.say(asked["message"]["conversation_id"], "Yarın.")
    await agent.close()
    for lang in ("tr", "en"):
        console = await log_in(browsing, server.base, manager, lang)
        await console.context.add_init_script(RECORD_VIOLATIONS)
        for viewport in (None, PHONE):
            if viewport is not None:
                await console.set_viewport_size(viewport)
            await console.goto(f"{server.base}/console/?lang={lang}")
            await expect(console.locator(hook("connection"))).to_have_attribute(
                "data-state", "online"
            )
            assert await console.evaluate("window.__violations") == []
            await console.goto(f"{server.base}/console/stats?lang={lang}")
            await console.wait_for_load_state("networkidle")
            await expect(console.locator(".st-skeleton")).to_have_count(0)
            assert await console.evaluate("window.__violations") == []
            if SHOTS:
                size = "phone" if viewport else "desktop"
                await console.goto(f"{server.base}/console/?lang={lang}")
                await console.screenshot(path=f"{SHOTS}/console-{lang}-{size}.png")
                await console.goto(f"{server.base}/console/stats?lang={lang}")
                await console.wait_for_load_state("networkidle")
                await console.screenshot(path=f"{SHOTS}/stats-{lang}-{size}.png")
    # A page that tries inline script is refused, and the browser says so: the policy is live.
    probe = await browsing.new_page()
    await probe.context.add_init_script(RECORD_VIOLATIONS)
    await probe.goto(f"{server.base}/console/login")
    browsing.allow_error("Content Security Policy")
    await probe.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = true'; document.body.append(s); }"
    )
    assert await probe.evaluate("window.__ran === undefined")
    assert any("script-src" in v for v in await probe.evaluate("window.__violations"))
    await shopper.close()


async def test_the_demo_storefront_keeps_its_widget(server: Server, browsing: Browsing) -> None:
    """The shop page is not a console page: no policy, and widget.js (nosniff) still runs."""
    server.cli("demo", "--port", str(server.port))
    shop = await browsing.new_page()
    answer = await shop.goto(f"{server.base}/demo/")
    assert answer is not None
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in answer.headers
    await expect(shop.locator(hook("status"))).to_have_attribute("data-state", "online")
