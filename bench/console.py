"""The agent console in headless Chromium with many visitors online (issue 17's console target).

:func:`probe` logs in through the real login form (Playwright, Debian's ``chromium``)
and measures what an agent would notice:

- the size of the agent socket's ``welcome`` frame, its visitors and ``visitors_total``;
- *first render*: milliseconds from the console page's navigation start until the
  first visitor row is in the page (a ``MutationObserver`` records the moment), when a
  logged-in agent opens the console (the median of ``reopenings`` openings: what agents
  do all day) and right after the login form (which adds the password check);
- long tasks (a buffered ``PerformanceObserver('longtask')``) over the load and a
  scroll of the visitor list from top to bottom, 2,000 px (about 19 rows) every 50 ms,
  as fast as an agent drags the scroll bar, so 5,000 rows take about 13 s. Each one over
  50 ms is also listed with its start (milliseconds since the page's navigation start)
  and its length, split into those that began before the scroll (``long_tasks_load``:
  the page, the welcome, the first render, the clock ticks while it settles) and those
  during it (``long_tasks_scroll``: drawing rows, paging visitors in, timers).

``bench.run`` calls it from the SQLite phase once the idle visitors are online.
"""

from __future__ import annotations

import json
import shutil
import time
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]

# Runs in every page before its scripts: long tasks and the first visitor row.
WATCH = """
window.__longTasks = [];
try {
  new PerformanceObserver((list) => {
    list.getEntries().forEach((entry) => window.__longTasks.push([entry.startTime, entry.duration]));
  }).observe({ type: 'longtask', buffered: true });
} catch (e) {}
window.__firstRow = null;
new MutationObserver((_, observer) => {
  if (document.querySelector('[data-chat="visitor-row"]')) {
    window.__firstRow = performance.now();
    observer.disconnect();
  }
}).observe(document, { childList: true, subtree: true });
"""

# Scrolls the visitor list (or the element that scrolls it) to the end.
SCROLL = """
async () => {
  const list = document.querySelector('[data-chat="visitor-list"]');
  let box = list;
  while (box && box.scrollHeight <= box.clientHeight + 1) box = box.parentElement;
  const seen = new Set();
  const note = () => list.querySelectorAll('[data-chat="visitor-row"]').forEach(
    (row) => seen.add(row.getAttribute('data-visitor-id')));
  note();
  const started = performance.now();
  if (!box) return { seen: seen.size, end: true, started: started, ended: started };
  const deadline = performance.now() + 40000;
  let end = false;
  while (performance.now() < deadline) {
    box.scrollTop += 2000;
    await new Promise((resolve) => setTimeout(resolve, 50));
    note();
    if (box.scrollTop + box.clientHeight >= box.scrollHeight - 2) {
      await new Promise((resolve) => setTimeout(resolve, 300));  // a page may load
      note();
      if (box.scrollTop + box.clientHeight >= box.scrollHeight - 2) { end = true; break; }
    }
  }
  return { seen: seen.size, end: end, started: started, ended: performance.now() };
}
"""


def probe(
    http_base: str, email: str, password: str, chromium: str | None = None, reopenings: int = 3
) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    welcome: dict[str, Any] = {}

    def on_frame(payload: str | bytes) -> None:
        if welcome:
            return
        text = payload.decode() if isinstance(payload, bytes) else payload
        try:
            frame = json.loads(text)
        except ValueError:
            return
        if frame.get("type") == "welcome":
            listed = frame.get("visitors") or []
            conversations = frame.get("conversations") or []
            welcome.update(
                bytes=len(text.encode()),
                visitors=len(listed),
                visitors_bytes=len(json.dumps(listed, separators=(",", ":")).encode()),
                conversations=len(conversations),
                conversations_bytes=len(json.dumps(conversations, separators=(",", ":")).encode()),
                total=frame.get("visitors_total"),
            )

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium or CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.add_init_script(WATCH)
            page.on(
                "websocket",
                lambda ws: ws.on("framereceived", on_frame) if "/ws/agent" in ws.url else None,
            )
            page.goto(f"{http_base}/console/login?lang=en")
            page.fill("input[name=email]", email)
            page.fill("input[name=password]", password)
            page.click("form[data-chat=login-form] button[type=submit]")
            page.wait_for_selector('[data-chat="visitor-row"]', timeout=60_000)
            after_login = page.evaluate("window.__firstRow")
            reopened = []
            for _ in range(max(1, reopenings)):
                page.goto(f"{http_base}/console/")
                page.wait_for_selector('[data-chat="visitor-row"]', timeout=60_000)
                reopened.append(page.evaluate("window.__firstRow"))
            first_render = sorted(reopened)[len(reopened) // 2]
            started = time.monotonic()
            scrolled = page.evaluate(SCROLL)
            scroll_seconds = time.monotonic() - started
            page.wait_for_timeout(200)
            tasks = page.evaluate("window.__longTasks")
            rows = page.evaluate(
                'document.querySelectorAll(\'[data-chat="visitor-list"] [data-chat="visitor-row"]\').length'
            )
        finally:
            browser.close()
    # [start, length] in ms of each task over 50 ms, the start from navigation start
    long = [[round(start, 1), round(duration, 1)] for start, duration in tasks if duration > 50]
    return {
        "visitors_online": welcome.get("total") or welcome.get("visitors"),
        "welcome_bytes": welcome.get("bytes"),
        "welcome_visitors": welcome.get("visitors"),
        "welcome_visitors_bytes": welcome.get("visitors_bytes"),
        "welcome_conversations": welcome.get("conversations"),
        "welcome_conversations_bytes": welcome.get("conversations_bytes"),
        "visitors_total": welcome.get("total"),
        "reopenings": len(reopened),
        "first_render_ms": round(first_render, 1) if first_render is not None else None,
        "first_render_after_login_ms": round(after_login, 1) if after_login is not None else None,
        "long_tasks_over_50ms": sum(1 for _, duration in tasks if duration > 50),
        "longest_task_ms": round(max(duration for _, duration in tasks), 1) if tasks else 0.0,
        "long_tasks_load": [task for task in long if task[0] < scrolled["started"]],
        "long_tasks_scroll": [task for task in long if task[0] >= scrolled["started"]],
        "scroll_started_ms": round(scrolled["started"], 1),
        "rows_seen": scrolled["seen"],
        "reached_end": scrolled["end"],
        "dom_rows": rows,
        "scroll_seconds": round(scroll_seconds, 1),
    }
