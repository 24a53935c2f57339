"""What the browser tests share: Chromium, a storefront on its own origin, the console login.

The storefront is a tiny static-file server on another port, so the widget is embedded
across origins exactly as a shop embeds it: one ``<script ... async>`` tag pointing at the
chat server. Every browser context is watched for JavaScript errors and dialogs; the
``browsing`` fixture fails a test that logged any it did not expect.
"""

from __future__ import annotations

import html
import re
import shutil
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    Page,
    ViewportSize,
    expect,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SHOP_VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
CONSOLE_VIEWPORT: ViewportSize = {"width": 1440, "height": 900}

expect.set_options(timeout=15_000)


def hook(name: str, **attributes: str) -> str:
    """The CSS selector of a ``data-chat`` hook (contract section 7), e.g. hook("message", author="agent")."""
    extra = "".join(
        f'[data-{key.replace("_", "-")}="{value}"]' for key, value in attributes.items()
    )
    return f'[data-chat="{name}"]{extra}'


# -- the storefront -----------------------------------------------------------------------

PAGES = {
    "index.html": (
        "Home",
        "New this week",
        "Hand-thrown ceramics, linen and lamps for slow mornings.",
    ),
    "lamps.html": ("Lamps", "Lamps", "Warm light for reading corners and long dinners."),
    "cart.html": ("Cart", "Your cart", "Two items are waiting for you."),
}
PRODUCTS = [
    ("Terracotta table lamp", "€89", "#c2572e", "#e39b5b"),
    ("Linen throw, sage", "€64", "#3c5a3a", "#96b07a"),
    ("Stoneware mug set", "€38", "#1f6f78", "#5fb3b3"),
    ("Brass reading light", "€129", "#b5892f", "#ecc86e"),
]
PAGE_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {shop}</title>
<link rel="icon" href="data:,">
<style>
  body {{ margin: 0; font: 16px/1.5 system-ui, sans-serif; color: #2b2118; background: #fbf7f2; }}
  header {{ display: flex; align-items: center; gap: 32px; padding: 0 48px; height: 72px;
           background: #fff; border-bottom: 1px solid #eadfd3; }}
  .logo {{ font: 700 22px Georgia, serif; }}
  nav a {{ margin-right: 22px; color: #7a6a5c; font-weight: 600; text-decoration: none; }}
  nav a[aria-current] {{ color: #2b2118; border-bottom: 2px solid #b4532a; }}
  main {{ padding: 36px 48px; }}
  h1 {{ font: 700 34px Georgia, serif; margin: 0 0 8px; }}
  .grid {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 22px; margin-top: 28px; }}
  .card {{ background: #fff; border: 1px solid #eadfd3; border-radius: 16px; overflow: hidden; }}
  .art {{ aspect-ratio: 4 / 3; }}
  .card p {{ margin: 12px 16px 16px; }} .card b {{ display: block; color: #8f3d1b; }}
</style>
</head>
<body>
<header><span class="logo">{shop}</span><nav>{nav}</nav></header>
<main>
  <h1>{heading}</h1>
  <p>{blurb}</p>
  <div class="grid">{cards}</div>
</main>
<script src="{widget_src}" data-site="{key}" async></script>
</body>
</html>
"""


def render_page(page: str, shop: str, key: str, widget_src: str) -> str:
    title, heading, blurb = PAGES[page]
    nav = "".join(
        f'<a href="{name}"{" aria-current=page" if name == page else ""}>{label}</a>'
        for name, (label, _, _) in PAGES.items()
    )
    cards = "".join(
        f'<div class="card"><div class="art" style="background:linear-gradient(135deg,{a},{b})">'
        f"</div><p>{html.escape(name)}<b>{price}</b></p></div>"
        for name, price, a, b in PRODUCTS
    )
    return PAGE_TEMPLATE.format(
        title=title,
        shop=html.escape(shop),
        nav=nav,
        heading=heading,
        blurb=blurb,
        cards=cards,
        widget_src=html.escape(widget_src),
        key=html.escape(key),
    )


class Storefront:
    """Shop pages on their own origin, ``/<site key>/<page>``, embedding the chat server's widget."""

    def __init__(self, chat_base: str) -> None:
        self.widget_src = f"{chat_base}/widget.js"
        self.shops: dict[str, str] = {}
        storefront = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                key, _, page = self.path.split("?")[0].strip("/").partition("/")
                if key not in storefront.shops or page not in PAGES:
                    self.send_error(404)
                    return
                body = render_page(page, storefront.shops[key], key, storefront.widget_src)
                data = body.encode()
                self.send_response(200)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.origin = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> Storefront:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def open_shop(self, site: dict[str, Any]) -> str:
        """Serves the site's shop (named after the site) and returns its home page URL."""
        self.shops[site["key"]] = site["name"]
        return self.url(site)

    def url(self, site: dict[str, Any], page: str = "index.html") -> str:
        return f"{self.origin}/{site['key']}/{page}"


# -- browsing, watched --------------------------------------------------------------------


@dataclass
class Browsing:
    """Browser contexts for one test; collects every JavaScript error and dialog they raise."""

    browser: Browser
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def allow_error(self, pattern: str) -> None:
        """Tolerates console errors matching ``pattern`` (only ones a test provokes on purpose)."""
        self.allowed.append(re.compile(pattern))

    async def new_page(
        self, viewport: ViewportSize | None = None, locale: str = "en-US", **options: Any
    ) -> Page:
        """A page in a fresh context: a separate person with their own cookies and storage."""
        context = await self.browser.new_context(
            viewport=viewport or SHOP_VIEWPORT,
            locale=locale,
            device_scale_factor=1,
            user_agent=self.browser_user_agent(),
            **options,
        )
        self.contexts.append(context)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.errors.append(f"pageerror: {error.error}"))
        context.on("dialog", self._on_dialog)
        return await context.new_page()

    def browser_user_agent(self) -> str:
        """Chromium's own user agent, without the "Headless" that would show in the console."""
        return (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{self.browser.version} Safari/537.36"
        )

    def _on_console(self, message: ConsoleMessage) -> None:
        # The console's render guard reports the exceptions it catches as "[console]" warnings.
        if message.type != "error" and not message.text.startswith("[console]"):
            return
        where = message.location.get("url", "")
        self.errors.append(f"console.{message.type}: {message.text} ({where})")

    async def _on_dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        await dialog.dismiss()

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()
        self.contexts.clear()


async def log_in(
    browsing: Browsing, chat_base: str, agent: dict[str, Any], lang: str = "en"
) -> Page:
    """An agent's browser on the console, logged in through the real form, socket online."""
    page = await browsing.new_page(CONSOLE_VIEWPORT)
    await page.goto(f"{chat_base}/console/login?lang={lang}")
    await page.fill("input[name=email]", agent["email"])
    await page.fill("input[name=password]", agent["password"])
    await page.click("form[data-chat=login-form] button[type=submit]")
    await expect(page.locator(hook("connection"))).to_have_attribute("data-state", "online")
    return page


async def open_widget(page: Page, url: str) -> None:
    """The shopper lands on ``url``, sees the bubble connect, and opens it."""
    await page.goto(url)
    await expect(page.locator(hook("status"))).to_have_attribute("data-state", "online")
    await page.locator(hook("launcher")).click()
    await expect(page.locator(hook("panel"))).to_be_visible()


async def shopper_says(page: Page, text: str) -> None:
    await page.locator(hook("input")).fill(text)
    await page.locator(hook("send")).click()
    sent = page.locator(hook("message", author="visitor")).filter(has_text=text)
    await expect(sent).to_have_attribute("data-seq", re.compile(r"^\d+$"))


async def agent_says(console: Page, text: str) -> None:
    await console.locator(hook("input")).fill(text)
    await console.locator(hook("send")).click()
    sent = console.locator(hook("message", author="agent")).filter(has_text=text)
    await expect(sent).to_have_attribute("data-seq", re.compile(r"^\d+$"))


async def seqs(page: Page) -> list[str | None]:
    """The ``data-seq`` of every message shown, top to bottom."""
    found: list[str | None] = await page.locator(hook("message")).evaluate_all(
        "els => els.map(e => e.getAttribute('data-seq'))"
    )
    return found


async def screenshot(page: Page, name: str) -> Path:
    """Saves a commit-ready PNG of the viewport into docs/screenshots/."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    await page.mouse.move(0, 0)  # no hover effect on what was clicked last
    await page.screenshot(path=str(path), animations="disabled", caret="hide")
    return path
