"""Turn a results JSON of :mod:`bench.run` into ``docs/benchmarks.md`` and SVG charts.

    python -m bench.report [bench/results/latest.json] [--output docs/benchmarks.md]

The charts are hand-written SVG (no plotting library): latency percentiles by
offered rate, CPU per message by offered rate, and resident memory by idle sockets.
"""

from __future__ import annotations

import argparse
import html
import json
import math
from pathlib import Path
from typing import Any

from bench import targets as target_table
from bench.figures import (
    kib,
    num,
    phase_shares,
    problem,
    ratio,
    run_steps,
    step_at,
    table,
)

ROOT = Path(__file__).resolve().parent.parent

COLORS = {"relay": "#6b7280", "sqlite": "#2563eb", "postgres": "#c2410c"}
NAMES = {
    "relay": "bare relay",
    "sqlite": "server, SQLite",
    "postgres": "server, PostgreSQL + Redis",
}


# -- SVG -------------------------------------------------------------------


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    if log:
        start, end = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
        return [10.0**e for e in range(start, end + 1)]
    span = hi - lo or 1.0
    step = 10 ** math.floor(math.log10(span / 5))
    for factor in (1, 2, 2.5, 5, 10):
        if span / (step * factor) <= 6:
            step *= factor
            break
    first = math.floor(lo / step) * step
    ticks, value = [], first
    while value <= hi + step * 0.01:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _fmt_tick(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def line_chart(
    title: str,
    series: list[dict[str, Any]],
    x_label: str,
    y_label: str,
    x_log: bool = False,
    y_log: bool = False,
    x_ticks: list[float] | None = None,
    width: int = 840,
    height: int = 420,
) -> str:
    """series: {"name", "color", "dash", "points": [(x, y)], "hollow": set of x}"""
    left, right, top, bottom = 70, 270, 40, 55
    plot_w, plot_h = width - left - right, height - top - bottom
    xs = [x for s in series for x, y in s["points"] if y is not None]
    ys = [y for s in series for x, y in s["points"] if y is not None]
    if not xs:
        xs, ys = [1.0, 2.0], [1.0, 2.0]
    if y_log:
        ys = [max(y, 1e-3) for y in ys]
    x_lo, x_hi = min(xs), max(xs)
    y_lo, y_hi = (min(ys), max(ys)) if y_log else (0.0, max(ys) * 1.1 or 1.0)
    xt = x_ticks or _ticks(x_lo, x_hi, x_log)
    yt = _ticks(y_lo, y_hi, y_log)
    x_lo, x_hi = min(xt + [x_lo]), max(xt + [x_hi])
    y_lo, y_hi = min(yt + [y_lo]), max(yt + [y_hi])

    def fx(x: float) -> float:
        if x_log:
            a, b, v = math.log10(x_lo), math.log10(x_hi), math.log10(x)
        else:
            a, b, v = x_lo, x_hi, x
        return left + (v - a) / ((b - a) or 1) * plot_w

    def fy(y: float) -> float:
        if y_log:
            a, b, v = math.log10(y_lo), math.log10(y_hi), math.log10(max(y, 1e-3))
        else:
            a, b, v = y_lo, y_hi, y
        return top + plot_h - (v - a) / ((b - a) or 1) * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="system-ui, sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="{left}" y="22" font-size="15" font-weight="600">{html.escape(title)}</text>',
    ]
    for value in yt:
        y = fy(value)
        out.append(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>'
        )
        out.append(
            f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end" fill="#374151">{_fmt_tick(value)}</text>'
        )
    for value in xt:
        x = fx(value)
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#f3f4f6"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle" fill="#374151">{_fmt_tick(value)}</text>'
        )
    out.append(
        f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#9ca3af"/>'
    )
    out.append(
        f'<text x="{left + plot_w / 2}" y="{height - 12}" text-anchor="middle" fill="#111827">{html.escape(x_label)}</text>'
    )
    out.append(
        f'<text transform="translate(18 {top + plot_h / 2}) rotate(-90)" text-anchor="middle" '
        f'fill="#111827">{html.escape(y_label)}</text>'
    )
    for i, s in enumerate(series):
        points = [(x, y) for x, y in s["points"] if y is not None]
        dash = ' stroke-dasharray="6 4"' if s.get("dash") else ""
        if len(points) > 1:
            path = " ".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y in points)
            out.append(
                f'<polyline points="{path}" fill="none" stroke="{s["color"]}" stroke-width="2"{dash}/>'
            )
        for x, y in points:
            hollow = x in s.get("hollow", set())
            fill = "#ffffff" if hollow else s["color"]
            out.append(
                f'<circle cx="{fx(x):.1f}" cy="{fy(y):.1f}" r="3.5" fill="{fill}" stroke="{s["color"]}" stroke-width="1.5"/>'
            )
        ly = top + 8 + i * 20
        lx = left + plot_w + 14
        out.append(
            f'<line x1="{lx}" x2="{lx + 24}" y1="{ly}" y2="{ly}" stroke="{s["color"]}" stroke-width="2"{dash}/>'
        )
        out.append(
            f'<text x="{lx + 30}" y="{ly + 4}" fill="#111827">{html.escape(s["name"])}</text>'
        )
    note_y = top + 8 + len(series) * 20 + 10
    if any(s.get("hollow") for s in series):
        out.append(
            f'<text x="{left + plot_w + 14}" y="{note_y}" fill="#6b7280" font-size="11">hollow: saturated step</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def charts(results: dict[str, Any], directory: Path) -> list[tuple[str, str]]:
    directory.mkdir(parents=True, exist_ok=True)
    made = []
    rates = list(results.get("sizes", {}).get("chat_rates", []))

    def saturated(step: dict[str, Any]) -> bool:
        return (step.get("delivered_ratio") or 0) < 0.99

    latency, cpu = [], []
    for key in ("relay", "sqlite", "postgres"):
        steps = run_steps((results.get(key) or {}).get("chat"))
        if not steps:
            continue
        hollow = {s["rate"] for s in steps if saturated(s)}
        for pct, dash in (("p50", True), ("p99", False)):
            latency.append(
                {
                    "name": f"{NAMES[key]} {pct}",
                    "color": COLORS[key],
                    "dash": dash,
                    "points": [(s["rate"], s["agent_ms"][pct]) for s in steps],
                    "hollow": hollow,
                }
            )
        cpu.append(
            {
                "name": NAMES[key],
                "color": COLORS[key],
                "points": [(s["rate"], s.get("cpu_us_per_item")) for s in steps],
                "hollow": hollow,
            }
        )
    if latency:
        (directory / "chat-latency.svg").write_text(
            line_chart(
                "Chat: send → agent's message.created, by offered rate",
                latency,
                "offered messages per second",
                "milliseconds (log scale)",
                x_log=True,
                y_log=True,
                x_ticks=[float(r) for r in rates] or None,
            )
        )
        made.append(("chat-latency.svg", "Chat latency percentiles by offered rate"))
    if cpu:
        (directory / "chat-cpu.svg").write_text(
            line_chart(
                "Chat: server CPU per delivered message, by offered rate",
                cpu,
                "offered messages per second",
                "µs of CPU per message (log scale)",
                x_log=True,
                y_log=True,
                x_ticks=[float(r) for r in rates] or None,
            )
        )
        made.append(("chat-cpu.svg", "Server CPU per message by offered rate"))
    memory = []
    for key in ("relay", "sqlite", "postgres"):
        idle = (results.get(key) or {}).get("idle")
        if not idle or not idle.get("sockets"):
            continue
        base = idle["points"][0]["rss"]
        per = idle.get("bytes_per_socket")
        memory.append(
            {
                "name": f"{NAMES[key]} ({kib(per)}/socket)" if per else NAMES[key],
                "color": COLORS[key],
                "points": [(p["sockets"], (p["rss"] - base) / 2**20) for p in idle["points"]],
            }
        )
    if memory:
        (directory / "idle-memory.svg").write_text(
            line_chart(
                "Idle visitors: resident memory above the empty process",
                memory,
                "idle visitor sockets (hello with a page view)",
                "MiB",
            )
        )
        made.append(("idle-memory.svg", "Memory by idle sockets"))
    return made


# -- the page ---------------------------------------------------------------


def chat_rows(results: dict[str, Any]) -> list[list[Any]]:
    rows = []
    relay_steps = (results.get("relay") or {}).get("chat")
    for key in ("relay", "sqlite", "postgres"):
        for step in (results.get(key) or {}).get("chat") or []:
            if "skipped" in step:
                rows.append(
                    [NAMES[key], f"{step['rate']:,}", "skipped: " + step["skipped"]] + [""] * 9
                )
                continue
            base = step_at(relay_steps, step["rate"]) if key != "relay" else None
            cpu_ratio = ratio(step.get("cpu_us_per_item"), (base or {}).get("cpu_us_per_item"))
            share = step["cpu"]["cpu_share"]
            errors = ", ".join(f"{k} {v}" for k, v in step.get("errors", {}).items()) or ""
            rows.append(
                [
                    NAMES[key],
                    f"{step['rate']:,}",
                    f"{num(step['delivered_ratio'] * 100, 1)} %"
                    + (f" ({errors})" if errors else ""),
                    num(step["sustained_rate"], 0),
                    num(step["ack_ms"]["p50"], 2),
                    num(step["ack_ms"]["p99"], 2),
                    num(step["agent_ms"]["p50"], 2),
                    num(step["agent_ms"]["p99"], 2),
                    num(step.get("cpu_us_per_item"), 0)
                    + (
                        f" (+{num(step['db_us_per_item'], 0)} in PostgreSQL)"
                        if step.get("db_us_per_item")
                        else ""
                    ),
                    f"{num(cpu_ratio, 1)}×" if cpu_ratio else "",
                    num(share.get("target"), 2) + " / " + num(share.get("loadgen"), 2),
                    num(share.get("foreign"), 2),
                ]
            )
    return rows


def write(results: dict[str, Any], output: Path) -> None:
    directory = output.parent / "benchmarks"
    made = charts(results, directory)
    m = results.get("machine", {})
    sizes = results.get("sizes", {})
    relay = results.get("relay") or {}
    lines: list[str] = []
    add = lines.append
    add("# Benchmarks")
    add("")
    add(
        "Capacity, latency and cost per message of the chat server, measured against a bare "
        "`websockets` relay in the same run on the same machine. Regenerated by `make bench` "
        "(this page, the charts in `docs/benchmarks/`, raw figures in `bench/results/latest.json`, "
        "which git ignores)."
    )
    add("")
    if results.get("quick"):
        add(
            "> **Quick run** (`--quick`): small sizes, a smoke test. The targets need the full run."
        )
        add("")
    add("## How this was run")
    add("")
    add("```")
    add("make bench            # = bash .ci/with-services.sh .venv/bin/python -m bench.run")
    add(f"# this page: {results.get('command', 'python -m bench.run')}")
    add("```")
    add("")
    add(
        f"Started {results.get('started_at')}, took {num(results.get('total_seconds'), 0)} s "
        f"(phases: {', '.join(f'{k} {num(v, 0)} s' for k, v in (results.get('phase_seconds') or {}).items())})."
    )
    add("")
    versions = m.get("versions", {})
    add(
        table(
            ["machine", ""],
            [
                [
                    "CPU",
                    f"{m.get('Model name', '?')}, {m.get('CPU(s)', '?')} cores"
                    + (f" ({m['Hypervisor vendor']} guest)" if m.get("Hypervisor vendor") else ""),
                ],
                ["memory", f"{m.get('memory_gib', '?')} GiB"],
                ["kernel", m.get("kernel", "?")],
                ["Python", m.get("python", "?")],
                ["open files per process", str((m.get("open_files_limit") or ["?"])[0])],
                [
                    "servers",
                    f"uvicorn {versions.get('uvicorn', '?')} (websockets-sansio), websockets "
                    f"{versions.get('websockets', '?')}, starlette {versions.get('starlette', '?')}",
                ],
                [
                    "PostgreSQL / Redis",
                    f"{m.get('postgres', '?')} (fsync off, as .ci/with-services.sh starts it) / {m.get('redis', '?')}",
                ],
            ],
        )
    )
    add("")
    add("## Targets")
    add("")
    add(
        table(
            [
                "target (2 cores, load generator on the same machine)",
                "measured",
                "",
                "why, from the py-spy profile of that step",
            ],
            target_table.rows(results),
        )
    )
    add("")
    add(
        "A rate counts as sustained when some step delivered at least that many per second "
        "within the step, or when the step offering it delivered 99 % in all and 97 % within "
        "the step; a backlog that only drained after the step does not count."
    )
    add("")
    add(
        "The targets are those of the performance issue (round two). *Why* is the py-spy "
        "profile of the step that measured the target (100 Hz, `--nonblocking`, idle samples "
        "left out): the three libraries whose code ran most (the innermost frame of each "
        "sample; time in C counts for the Python frame that called it), then the two "
        "functions of ours the time was spent under (the innermost `chat_server` frame). "
        "*Not measured* means the run was smaller than the target's sizes or the phase did "
        "not fit its time budget; it never stands for met."
    )
    add("")
    add("### The assistant (issue 14)")
    add("")
    add(table(["target", "measured", "", ""], target_table.assistant_rows(results)))
    add("")
    assistant = results.get("assistant") or {}
    if assistant.get("command"):
        add(
            f"`{assistant['command']}`: a real SQLite database with {assistant.get('entries', 0):,} "
            "FAQ entries, every question of the tuning sets asked twice through the function the "
            "assistant and `GET /api/v1/faq/search` call; the figures are those of the held-out "
            "sets (`tests/data/assistant/README.md`), which the method was never tuned or "
            "trained on."
        )
        add("")
    add("## Results")
    add("")
    add("### 1. Idle capacity")
    add("")
    rows = []
    skipped_idle = []
    for key in ("relay", "sqlite", "postgres"):
        idle = (results.get(key) or {}).get("idle")
        if not idle:
            continue
        if not idle.get("sockets"):
            skipped_idle.append(f"{NAMES[key]}: {idle.get('stopped') or 'none opened'}")
            continue
        failed = sum(c.get("failed", 0) for c in idle.get("connect") or [])
        seconds = sum(c.get("seconds", 0) for c in idle.get("connect") or [])
        r = ratio(idle.get("bytes_per_socket"), relay.get("idle", {}).get("bytes_per_socket"))
        rows.append(
            [
                NAMES[key],
                f"{idle['sockets']:,}" + (f" ({idle['stopped']})" if idle.get("stopped") else ""),
                f"{idle['baseline_rss'] / 2**20:,.0f} MiB → {idle['points'][-1]['rss'] / 2**20:,.0f} MiB",
                kib(idle.get("bytes_per_socket")),
                f"{num(r, 2)}×" if key != "relay" else "1×",
                f"{num(seconds, 1)} s = {num(idle.get('hello_per_second'), 0)}/s"
                + (f" ({failed} failed)" if failed else ""),
                num(idle.get("cpu_us_per_hello"), 0),
            ]
        )
    add(
        table(
            [
                "",
                "idle visitor sockets",
                "RSS",
                "per socket",
                "vs relay",
                "time to open them",
                "CPU µs per hello",
            ],
            rows,
        )
    )
    add("")
    peaks = []
    relay_peak = (relay.get("idle") or {}).get("peak") or {}
    for key in ("relay", "sqlite"):
        peak = ((results.get(key) or {}).get("idle") or {}).get("peak")
        if peak:
            r = ratio(peak["bytes_per_socket"], relay_peak.get("bytes_per_socket"))
            peaks.append(
                [
                    NAMES[key],
                    f"{peak['sockets']:,}",
                    f"{peak['rss'] / 2**20:,.0f} MiB",
                    kib(peak["bytes_per_socket"]),
                    "1×" if key == "relay" else f"{num(r, 2)}×",
                ]
            )
    if peaks:
        add(
            table(
                [
                    "peak (then back to the ramp's last step)",
                    "idle sockets",
                    "RSS",
                    "per socket",
                    "vs relay",
                ],
                peaks,
            )
        )
        add("")
    if skipped_idle:
        add("No idle sockets: " + "; ".join(skipped_idle) + ".")
        add("")
    add(
        "Each idle visitor opened its socket and sent `hello` with a page view (search referrer, "
        "Chrome user agent), then only answered pings. Per socket = (RSS after − RSS before) / sockets, "
        "with the shoppers and agent consoles already connected before the first reading."
    )
    add("")
    add("### 2. Chat")
    add("")
    add(
        table(
            [
                "",
                "offered msg/s",
                "delivered",
                "sustained msg/s",
                "ack p50 ms",
                "ack p99 ms",
                "agent p50 ms",
                "agent p99 ms",
                "server CPU µs/msg",
                "vs relay",
                "CPU share server / loadgen",
                "other load",
            ],
            chat_rows(results),
        )
    )
    add("")
    add(
        f"Shoppers write to {sizes.get('agents', 2)} agent consoles with the idle visitors of section 1 "
        f"attached; each step lasts {num(sizes.get('chat_seconds'), 0)} s. A shopper sends 2.5 msg/s "
        "(the limit is 5/s, burst 10), so a step uses rate/2.5 shoppers (at most "
        f"{sizes.get('shoppers', '?'):,}), each with an open conversation. *ack* is send → the shopper's "
        "`ack`; *agent* is send → each agent's `message.created`; *delivered* counts messages that "
        "reached every agent within the step plus a drain of "
        f"{num(sizes.get('drain_seconds'), 0)} s. While more than half a second of traffic (at most "
        "1,000 messages) is unanswered the generator skips sends, so an overloaded server shows as "
        "delivered < 100 % and *sustained* (delivered within the step ÷ its length) is its capacity; "
        "a step that delivers under 80 % ends the ladder. *Server CPU* is utime+stime of the server "
        "process (all threads) over the step and its drain, divided by delivered messages; on "
        "PostgreSQL its backends' CPU is given in brackets. *CPU share* is cores used; *other load* is the rest of the machine "
        "(processes not started by the benchmark) during the step."
    )
    add("")
    for name, caption in made:
        if name.startswith("chat"):
            add(f"![{caption}](benchmarks/{name})")
            add("")
    add("### 3. Tracking")
    add("")
    rows = []
    for key in ("relay", "sqlite"):
        for step in (results.get(key) or {}).get("tracking") or []:
            if "skipped" in step:
                rows.append(
                    [NAMES[key], f"{step['rate']:,}", "skipped: " + step["skipped"], "", "", "", ""]
                )
                continue
            rows.append(
                [
                    NAMES[key],
                    f"{step['rate']:,}",
                    f"{num(step['delivered_ratio'] * 100, 1)} %",
                    num(step["sustained_rate"], 0),
                    num(step["latency_ms"]["p50"], 2),
                    num(step["latency_ms"]["p99"], 2),
                    num(step.get("cpu_us_per_item"), 0),
                ]
            )
    add(
        table(
            [
                "",
                "offered page views/s",
                "delivered",
                "sustained/s",
                "p50 ms",
                "p99 ms",
                "server CPU µs/view",
            ],
            rows,
        )
    )
    add("")
    add(
        "`page.view` frames from the shoppers (4/s each; the per-connection frame budget is 30/s), "
        "each with a new URL; latency is `page.view` → every agent's `visitor.updated` carrying that URL "
        "as the current page."
    )
    add("")
    console = (results.get("sqlite") or {}).get("console")
    if console:
        add("### 3b. The agent console with many visitors online")
        add("")
        if console.get("welcome_bytes") is not None:
            add(
                table(
                    [
                        "visitors online",
                        "`welcome`",
                        "visitors in it / `visitors_total`",
                        "first render",
                        "long tasks > 50 ms",
                        "longest task",
                        "rows seen scrolling",
                        "rows in the page at the end",
                    ],
                    [
                        [
                            f"{console.get('visitors_online', 0):,}",
                            f"{num(console['welcome_bytes'] / 1024, 1)} KB",
                            f"{console.get('welcome_visitors', '–')} / {console.get('visitors_total', '–')}",
                            f"{num(console.get('first_render_ms'), 0)} ms",
                            str(console.get("long_tasks_over_50ms", "–")),
                            f"{num(console.get('longest_task_ms'), 0)} ms",
                            str(console.get("rows_seen", "–")),
                            str(console.get("dom_rows", "–")),
                        ]
                    ],
                )
            )
            add("")
            add(
                "`bench/console.py`: the real console in headless Chromium (Playwright, Debian's "
                "`chromium`), logged in as an admin while the idle visitors of section 1 are "
                "online. *First render*: navigation start → the first visitor rows on screen. "
                "Long tasks come from a `PerformanceObserver('longtask')` over the load and a "
                "scroll of the visitor list from top to bottom."
            )
        else:
            add(f"Not measured: {problem(console)}.")
        add("")
    add("### 4. Reconnect storm")
    add("")
    rows = []
    for key in ("relay", "sqlite", "postgres"):
        storm = (results.get(key) or {}).get("storm")
        if not storm:
            continue
        if "resumed" not in storm:
            rows.append([NAMES[key], problem(storm) or "–"] + [""] * 7)
            continue
        rows.append(
            [
                NAMES[key],
                f"{storm['count']:,}",
                f"{storm['resumed']:,}",
                num(storm["all_resumed_seconds"], 2),
                num((storm["resume_ms"] or {}).get("p50"), 0),
                str(storm["expected_messages"]) if key != "relay" else "–",
                f"{storm['lost']} / {storm['repeated']} / {storm['out_of_order']}"
                if key != "relay"
                else "–",
                str(storm["retries"]),
                num(storm["cpu"]["cpu_seconds"].get("target"), 1)
                + " / "
                + num(storm["cpu"]["cpu_seconds"].get("loadgen"), 1),
            ]
        )
    add(
        table(
            [
                "",
                "visitors",
                "resumed",
                "all resumed after s",
                "p50 ms",
                "messages to resume",
                "lost / repeated / out of order",
                "connect retries",
                "CPU s server / loadgen",
            ],
            rows,
        )
    )
    add("")
    for key in ("sqlite", "postgres"):
        storm = (results.get(key) or {}).get("storm") or {}
        posts = storm.get("agent_posts") or {}
        failed = {k: v for k, v in posts.items() if "failed" in k}
        if posts:
            add(
                f"Agent answers in the storm ({NAMES[key]}): {posts.get('backlog', 0):,} while the "
                f"visitors were away, {posts.get('live', 0):,} during the reconnect"
                + (
                    "; failed: "
                    + "; ".join(
                        f"{v:,}× {k.split('failed: ', 1)[1].strip()}" for k, v in failed.items()
                    )
                    if failed
                    else ""
                )
                + "."
            )
            add("")
        setup = storm.get("setup_messages") or {}
        if setup:
            add(
                f"Storm set-up ({NAMES[key]}): {setup.get('messages', 0):,} first messages in "
                f"{num(setup.get('seconds'), 1)} s, answers while away in {num(storm.get('backlog_seconds'), 1)} s; "
                f"the agent console's `welcome` listing every online visitor was "
                f"{num(((storm.get('agent_welcome') or {}).get('welcome_bytes') or [0])[0] / 2**20, 1)} MiB "
                f"and took {num((storm.get('agent_welcome') or {}).get('seconds'), 1)} s."
            )
            add("")
    add(
        "The first visitors of section 1 each write one message (their conversation opens), then all "
        "their sockets drop at once (no close handshake). While they are away an agent answers every "
        "5th conversation; then all reconnect at once with their token and the `last_seq` they saw while "
        "the agent answers every 10th conversation again. *Resumed* = `welcome` and every message "
        "committed before the reconnect arrived; lost/repeated/out of order are checked per visitor "
        "against the agent's acks 2 s after the last resume. The relay has nothing to resume: its "
        "figure is the time for the same sockets to reconnect and get a first reply."
    )
    add("")
    add("### 5. Scaled out over Redis")
    add("")
    scaled = results.get("scaled") or {}
    if problem(scaled) and not scaled.get("one_process"):
        add(f"Not measured: {problem(scaled)}.")
        if scaled.get("server_logs"):
            add("")
            add("```")
            for name, tail in scaled["server_logs"].items():
                add(f"== {name}")
                add(tail)
            add("```")
    else:
        rows = []
        relay_cap = relay.get("capacity") or {}
        for label, step in (
            ("bare relay, one process", relay_cap),
            ("server, one process (PostgreSQL + Redis)", scaled.get("one_process")),
            ("server, two processes (PostgreSQL + Redis)", scaled.get("two_processes")),
        ):
            if not step:
                continue
            versus = ratio(step.get("sustained_rate"), relay_cap.get("sustained_rate"))
            rows.append(
                [
                    label,
                    num(step.get("sustained_rate"), 0),
                    f"{num(versus, 2)}×" if versus is not None else "–",
                    num(step["agent_ms"]["p50"], 1),
                    num(step["agent_ms"]["p99"], 1),
                    num(step.get("cpu_us_per_item"), 0),
                    num(step["cpu"]["cpu_share"].get("loadgen"), 2),
                ]
            )
        add(
            table(
                [
                    "capacity probe (200 messages in flight)",
                    "msg/s",
                    "vs relay",
                    "agent p50 ms",
                    "agent p99 ms",
                    "CPU µs/msg (servers + PostgreSQL)",
                    "loadgen cores",
                ],
                rows,
            )
        )
        add("")
        rows = []
        for label, key in (
            ("one process", "one_process_fixed"),
            ("two processes", "two_processes_fixed"),
        ):
            step = scaled.get(key)
            if step and "skipped" in step:
                rows.append([label, "skipped: " + step["skipped"], "", "", "", "", ""])
            elif step:
                rows.append(
                    [
                        label,
                        f"{step['rate']:,}",
                        f"{num(step['delivered_ratio'] * 100, 1)} %",
                        num(step["ack_ms"]["p99"], 1),
                        num(step["agent_ms"]["p50"], 1),
                        num(step["agent_ms"]["p99"], 1),
                        num(step.get("cpu_us_per_item"), 0),
                    ]
                )
        if rows:
            add(
                table(
                    [
                        "fixed rate",
                        "msg/s",
                        "delivered",
                        "ack p99 ms",
                        "agent p50 ms",
                        "agent p99 ms",
                        "servers' CPU µs/msg",
                    ],
                    rows,
                )
            )
            add("")
        add(
            "Two `chat-server run` processes share one PostgreSQL database and one Redis. *One process*: "
            "the shoppers and both agent consoles on process A. *Two processes*: half the shoppers on "
            "each, one agent console on each, so every message reaches one agent in its own process "
            "and the other across Redis. The probe keeps 200 messages in flight (open loop at up to "
            "20,000/s, sends skipped while 200 are unanswered), so its latency is queueing; the fixed-rate "
            "rows (500 msg/s, or 80 % of the lower capacity if that is less) give latency and CPU below "
            "saturation: with two processes every message also crosses Redis once."
            + (
                " The relay row is the same probe against the bare relay with the same "
                "shoppers; the load generator's own CPU bounds it."
                if relay_cap
                else " (No relay row: the targets compare the two configurations with each "
                "other, and the relay's probe is left out to keep `make bench` under 10 minutes.)"
            )
        )
        if scaled.get("error"):
            add("")
            add(f"Partly failed: {scaled['error']}")
    add("")
    add("### 6. Stats over seeded waits")
    add("")
    stats = results.get("stats") or {}
    if stats.get("best_seconds") is not None:
        counts = stats.get("rows") or {}
        add(
            table(
                [
                    "waits",
                    "conversations",
                    "seed s",
                    "in-process call s",
                    "HTTP API s",
                    "best s",
                ],
                [
                    [
                        num(counts.get("wait"), 0),
                        num(counts.get("conversation"), 0),
                        num(stats.get("seed_seconds"), 1),
                        ", ".join(num(v, 3) for v in stats.get("domain_seconds") or []),
                        ", ".join(num(v, 3) for v in stats.get("http_seconds") or []),
                        num(stats.get("best_seconds"), 3),
                    ]
                ],
            )
        )
        add("")
        add(
            f"`python {stats.get('command', '-m bench.seed_waits')}` (written by the stats work) seeds the "
            "waits with `generate_series` on PostgreSQL, sets business hours on the SLA policy "
            "(Istanbul time, weekdays with a lunch break, Saturday mornings, a holiday) so that the "
            "figures include business time. The waits are seeded as a running server keeps them, "
            "folded into the stats rollups (`chat_server.sla.rollup`): each stored with its "
            "lengths by the server's own SQL expressions, then the rollups built from them "
            "(tests/test_business_stats_sql.py checks that such a seed reads as its waits read "
            "row by row). It times the in-process call and `GET /api/v1/stats/response-times` "
            "over the whole period."
        )
    else:
        add(f"Not measured: {problem(stats) or 'not run'}.")
    add("")
    for name, caption in made:
        if name.startswith("idle"):
            add(f"![{caption}](benchmarks/{name})")
            add("")
    add("## Sizes and method")
    add("")
    add(
        table(
            ["", "this run (maxima)"],
            [
                [
                    "idle sockets (steps, then the peak)",
                    ", ".join(f"{n:,}" for n in sizes.get("idle_steps", []))
                    + f"; {sizes.get('idle_peak', 0):,}",
                ],
                [
                    "chat rates, step length",
                    f"{', '.join(f'{r:,}' for r in sizes.get('chat_rates', []))} msg/s, {num(sizes.get('chat_seconds'), 0)} s",
                ],
                [
                    "tracking rates",
                    f"{', '.join(f'{r:,}' for r in sizes.get('track_rates', []))} page views/s, {num(sizes.get('track_seconds'), 0)} s",
                ],
                [
                    "shoppers at most / agent consoles",
                    f"{sizes.get('shoppers', 0):,} / {sizes.get('agents')}",
                ],
                ["reconnect storm", f"{sizes.get('storm', 0):,} visitors"],
                [
                    "scaled out",
                    f"{sizes.get('scaled_shoppers', 0):,} shoppers, {num(sizes.get('throughput_seconds'), 0)} s per probe",
                ],
                ["seeded waits", f"{sizes.get('waits', 0):,}"],
                [
                    "agent console opened at",
                    f"{sizes.get('console_visitors', 0):,} visitors online",
                ],
            ],
        )
    )
    add("")
    add(
        "- The bare relay (`bench/relay.py`) is a `websockets` server that, for each visitor frame, "
        "acks the sender, echoes it to the sender and pushes it to every agent socket: the same socket "
        "work the chat server does per message, without parsing, storage or validation. Same settings "
        "as the server's uvicorn (no compression, 64 KiB frames, pings every 20 s)."
    )
    add(
        "- The load generator (`bench/loadgen.py`) runs as two processes: one holds the idle visitors, "
        "the other drives shoppers, agents and the storm. Latencies are taken in one process with one "
        "clock, so they include the generator's own scheduling delay, for the relay and the server alike. "
        "The machine has two cores: the generator's CPU share (in the chat table) competes with the "
        "server's, and a server process can use at most one core for Python."
    )
    add(
        "- Each server is a real `chat-server run` on a probed free port with a fresh data directory "
        "(SQLite) or a fresh database (PostgreSQL). Nobody answers the shoppers, so the SLA targets are "
        "set to a day (`PUT /api/v1/sla`) to keep breach announcements out of the measured windows."
    )
    add(
        "- The whole run has a time budget (580 s of `python -m bench.run`, so that `make bench` "
        "stays under 10 minutes), shared out between the phases, in this order: "
        f"{phase_shares(bool(results.get('quick')))}, unused time passing on. A ladder stops at its first saturated step; steps that would not fit "
        "are marked skipped; the idle ramp stops and the storm shrinks when a slow `hello` would "
        "not fit, and the tables say so. The sizes above are the maxima. `make bench-quick` "
        "(`--quick`) runs every phase at small sizes in under two minutes: a smoke test."
    )
    add(
        "- Profiles: every step is recorded by py-spy (a dev dependency; `-f raw`, 100 Hz, "
        "`--nonblocking`, in its own process, the relay's steps too) and summarized into the "
        "targets table; `--profile DIR` keeps the stacks, `--no-profile` turns it off. `--keep` "
        "keeps the servers' logs and data, `--scenarios` and `--backends` pick parts, `--budget` "
        "changes the time budget."
    )
    add("")
    analysis = ROOT / "bench" / "analysis.md"
    if analysis.exists():
        # Hand-written, from profiles of earlier runs: it says which run it quotes.
        add(analysis.read_text().rstrip())
        add("")
    output.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="write docs/benchmarks.md from a results JSON")
    parser.add_argument(
        "results", nargs="?", type=Path, default=ROOT / "bench" / "results" / "latest.json"
    )
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    write(json.loads(args.results.read_text()), args.output)


if __name__ == "__main__":
    main()
