"""The targets of the performance issue (round two), each with what this run measured and,
where it is not met, what the py-spy profile of that step says the time went to.

Every target compares with the bare relay measured in the same run where the issue
states it as a ratio. A target the run could not measure (a quick run, a phase that
did not fit the time budget) is marked "not measured", never "met".
"""

from __future__ import annotations

from typing import Any

from bench import profiles
from bench.figures import (
    best_sustained,
    kept_up,
    kib,
    mark,
    num,
    problem,
    ratio,
    run_steps,
    step_at,
)

Row = list[str]
SERVER = {"sqlite": "SQLite", "postgres": "PostgreSQL + Redis"}


def _proven(met: bool | None, full_size: bool) -> bool | None:
    """A target met by a run smaller than the target's sizes is not proven (not measured);
    a miss stays a miss."""
    return met if full_size or met is False else None


def _why(results: dict[str, Any], label: str, met: bool | None) -> str:
    if met is not False:
        return ""
    return profiles.answer((results.get("profiles") or {}).get(label)) or "(no profile recorded)"


def _top_label(key: str, kind: str, steps: list[dict[str, Any]]) -> str:
    ran = run_steps(steps)
    return f"{key}-{kind}-{ran[-1]['rate']}" if ran else ""


def _throughput(results: dict[str, Any], key: str, rate: int, quick: bool) -> Row:
    section = results.get(key) or {}
    steps = section.get("chat")
    target = f"{SERVER[key]}: ≥ {rate:,} persisted chat messages/s sustained"
    if not steps:
        return [target, problem(section) or "–", mark(None), ""]
    met = None if quick else kept_up(steps, rate)
    at = step_at(steps, rate)
    measured = f"at most {num(best_sustained(steps), 0)} msg/s delivered within a step"
    if at and "skipped" in at:
        measured += f" ({rate:,}/s step: {at['skipped']})"
    return [target, measured, mark(met), _why(results, _top_label(key, "chat", steps), met)]


def _latency(results: dict[str, Any], key: str, quick: bool) -> Row | None:
    section = results.get(key) or {}
    steps = section.get("chat")
    if not steps:
        return None
    idle = (section.get("idle") or {}).get("sockets") or 0
    at = step_at(steps, 1000)
    target = f"{SERVER[key]}: p99 send → agent ≤ 10 ms at 1,000 msg/s with 10,000 idle sockets"
    if not at or "skipped" in at:
        reason = at["skipped"] if at else "no 1,000/s step"
        ran = run_steps(steps)
        if at and reason.startswith("saturated") and ran and not quick:
            # A server that could not keep up with a lower rate misses the target at
            # 1,000/s too: the figure is that of the step where it fell behind.
            top = ran[-1]
            measured = (
                f"{reason}: at {top['rate']:,}/s p99 {num(top['agent_ms']['p99'], 1)} ms, "
                f"delivered {num(top['delivered_ratio'] * 100, 1)} %, {idle:,} idle sockets"
            )
            return [
                target,
                measured,
                mark(False),
                _why(results, _top_label(key, "chat", steps), False),
            ]
        return [target, f"not measured ({reason})", mark(None), ""]
    p99 = at["agent_ms"]["p99"]
    met: bool | None = p99 is not None and p99 <= 10 and at["delivered_ratio"] >= 0.99
    met = _proven(met, not quick and idle >= 10_000)
    measured = (
        f"p99 {num(p99, 1)} ms (p50 {num(at['agent_ms']['p50'], 1)}), "
        f"delivered {num(at['delivered_ratio'] * 100, 1)} %, {idle:,} idle sockets"
    )
    return [target, measured, mark(met), _why(results, f"{key}-chat-1000", met)]


def _cpu(results: dict[str, Any], quick: bool) -> Row | None:
    steps = (results.get("sqlite") or {}).get("chat")
    relay = (results.get("relay") or {}).get("chat")
    server, base = step_at(steps, 1000), step_at(relay, 1000)
    target = "SQLite: server CPU per message ≤ 4× the relay's at 1,000 msg/s"
    if not server or not base or "skipped" in server or "skipped" in base:
        return [target, "not measured (no 1,000/s step on both)", mark(None), ""]
    r = ratio(server.get("cpu_us_per_item"), base.get("cpu_us_per_item"))
    met = None if r is None else r <= 4
    return [
        target,
        f"{num(server.get('cpu_us_per_item'), 0)} µs vs {num(base.get('cpu_us_per_item'), 0)} µs "
        f"= {num(r, 1)}×",
        mark(met),
        _why(results, "sqlite-chat-1000", met),
    ]


def _page_views(results: dict[str, Any], quick: bool) -> Row:
    steps = (results.get("sqlite") or {}).get("tracking")
    target = "≥ 3,000 page views/s sustained, `visitor.updated` to the agents (SQLite)"
    if not steps:
        return [target, problem(results.get("sqlite")) or "not run", mark(None), ""]
    met = None if quick else kept_up(steps, 3000)
    at = step_at(steps, 3000)
    measured = f"at most {num(best_sustained(steps), 0)} page views/s reach the agents"
    if at and "skipped" in at:
        measured += f" (3,000/s step: {at['skipped']})"
    return [
        target,
        measured,
        mark(met),
        _why(results, _top_label("sqlite", "tracking", steps), met),
    ]


def _storm(results: dict[str, Any], key: str) -> Row:
    storm = (results.get(key) or {}).get("storm") or {}
    relay = (results.get("relay") or {}).get("storm") or {}
    target = (
        f"reconnect storm ({SERVER[key]}): 5,000 visitors resumed in ≤ 2× the relay's "
        "reconnect time, none lost, repeated or out of order"
    )
    if "resumed" not in storm:
        return [target, problem(storm) or "not run", mark(None), ""]
    seconds, base = storm.get("all_resumed_seconds"), relay.get("all_resumed_seconds")
    r = ratio(seconds, base)
    clean = storm["not_resumed"] == 0 and not (
        storm["lost"] or storm["repeated"] or storm["out_of_order"]
    )
    met: bool | None = clean and r is not None and r <= 2
    met = _proven(met, storm["count"] >= 5000 and relay.get("count", 0) >= storm["count"])
    measured = (
        f"{storm['count']:,} visitors: {storm['resumed']:,} resumed, the last after "
        f"{num(seconds, 1)} s vs the relay's {num(base, 1)} s = {num(r, 1)}×; lost {storm['lost']}, "
        f"repeated {storm['repeated']}, out of order {storm['out_of_order']}"
    )
    if storm.get("planned") and storm["count"] < 5000:
        measured += f" ({storm['planned']})"
    return [target, measured, mark(met), _why(results, f"{key}-storm", met)]


def _memory(results: dict[str, Any], quick: bool) -> Row:
    peak = ((results.get("sqlite") or {}).get("idle") or {}).get("peak") or {}
    base = ((results.get("relay") or {}).get("idle") or {}).get("peak") or {}
    target = "18,000 idle visitor sockets in one process at ≤ 1.1× the relay's memory per socket"
    if not peak or not base:
        return [target, "not measured (no peak of idle sockets)", mark(None), ""]
    r = ratio(peak["bytes_per_socket"], base["bytes_per_socket"])
    met: bool | None = r is not None and r <= 1.1
    met = _proven(met, not quick and peak["sockets"] >= 18_000)
    measured = (
        f"{peak['sockets']:,} sockets (SQLite): {kib(peak['bytes_per_socket'])} vs "
        f"{kib(base['bytes_per_socket'])} ({base['sockets']:,} on the relay) = {num(r, 2)}×"
    )
    why = "" if met is not False else "memory, not CPU: py-spy does not say"
    return [target, measured, mark(met), why]


def _across(results: dict[str, Any]) -> list[Row]:
    scaled = results.get("scaled") or {}
    one, two = scaled.get("one_process_fixed") or {}, scaled.get("two_processes_fixed") or {}
    cpu_target = (
        "across processes: a message that crosses Redis ≤ 1.3× the CPU of one delivered in-process"
    )
    p99_target = "across processes: p99 at 500 msg/s ≤ 2× in-process"
    if "delivered_ratio" not in one or "delivered_ratio" not in two:
        reason = problem(scaled) or one.get("skipped") or two.get("skipped") or "not run"
        return [[cpu_target, reason, mark(None), ""], [p99_target, reason, mark(None), ""]]
    at_rate = two.get("rate") == 500 and one.get("rate") == 500
    r_cpu = ratio(two.get("cpu_us_per_item"), one.get("cpu_us_per_item"))
    cpu_met = None if r_cpu is None else r_cpu <= 1.3
    p99_one, p99_two = one["agent_ms"]["p99"], two["agent_ms"]["p99"]
    r_p99 = ratio(p99_two, p99_one)
    p99_met: bool | None = None if r_p99 is None else r_p99 <= 2
    p99_met = _proven(p99_met, at_rate)
    below = ""
    capacities = [
        (scaled.get(k) or {}).get("sustained_rate") for k in ("one_process", "two_processes")
    ]
    if not at_rate and two.get("rate", 0) < 500 and None not in capacities:
        below = (
            " (not at 500/s: the run uses 0.8× the lower capacity, and that was "
            f"{num(min(capacities), 0)} msg/s)"
        )
    return [
        [
            cpu_target,
            f"at {two.get('rate')}/s: {num(two.get('cpu_us_per_item'), 0)} µs per message with one "
            f"agent in each process vs {num(one.get('cpu_us_per_item'), 0)} µs with both in one "
            f"= {num(r_cpu, 2)}×",
            mark(cpu_met),
            _why(results, "scaled-two_processes_fixed", cpu_met),
        ],
        [
            p99_target,
            f"at {two.get('rate')}/s: agent p99 {num(p99_two, 1)} ms across processes vs "
            f"{num(p99_one, 1)} ms in one = {num(r_p99, 2)}×{below}",
            mark(p99_met),
            _why(results, "scaled-two_processes_fixed", p99_met),
        ],
    ]


def _console(results: dict[str, Any], quick: bool) -> list[Row]:
    console = (results.get("sqlite") or {}).get("console") or {}
    online = console.get("visitors_online") or 0
    targets = (
        "console with 5,000 online visitors: `welcome` ≤ 256 KB",
        "console with 5,000 online visitors: first render under 1 s in Chromium",
        "console with 5,000 online visitors: list scrolling without long tasks over 50 ms",
    )
    if console.get("welcome_bytes") is None:
        reason = problem(console) or "not run"
        return [[target, reason, mark(None), ""] for target in targets]
    enough = online >= 5000 and not quick
    welcome_met = console["welcome_bytes"] <= 256 * 1024
    render = console.get("first_render_ms")
    render_met = render is not None and render < 1000
    long_tasks = console.get("long_tasks_over_50ms")
    scroll_met = long_tasks == 0 and bool(console.get("reached_end"))
    why = "browser work, not server: py-spy does not profile Chromium"
    listed = console.get("welcome_visitors") or 0
    conversations = console.get("welcome_conversations")
    parts = ""
    if console.get("welcome_visitors_bytes") is not None and conversations is not None:
        per_visitor = console["welcome_visitors_bytes"] / max(1, listed)
        parts = (
            f"; visitors {num(console['welcome_visitors_bytes'] / 1024, 1)} KB "
            f"({num(per_visitor, 0)} B each), {conversations:,} open conversations "
            f"{num(console['welcome_conversations_bytes'] / 1024, 1)} KB"
        )
    welcome_why = (
        ""
        if welcome_met
        else "not a profile question: the listed visitors are capped at 200 (CONTRACT §9), "
        "the open conversations are all sent"
    )
    after_login = console.get("first_render_after_login_ms")

    return [
        [
            targets[0],
            f"{num(console['welcome_bytes'] / 1024, 1)} KB with {online:,} online "
            f"({listed} listed, `visitors_total` {console.get('visitors_total', '?')}){parts}",
            mark(_proven(welcome_met, enough)),
            welcome_why,
        ],
        [
            targets[1],
            f"{num(render, 0)} ms from navigation to the first visitor rows when a logged-in "
            f"agent opens the console (median of {console.get('reopenings', 1)})"
            + (f"; {num(after_login, 0)} ms right after the login form" if after_login else ""),
            mark(_proven(render_met, enough)),
            "" if render_met else why,
        ],
        [
            targets[2],
            f"{long_tasks} long tasks over 50 ms (longest {num(console.get('longest_task_ms'), 0)} "
            f"ms) while loading and flicking through the list to its end ({console.get('rows_seen', '?')} rows drawn on the way)",
            mark(_proven(scroll_met, enough)),
            "" if scroll_met else why,
        ],
    ]


def _stats(results: dict[str, Any]) -> Row:
    stats = results.get("stats") or {}
    target = "stats, business-hours figures included, over 1,000,000 waits in under 1 s"
    if stats.get("best_seconds") is None:
        return [target, problem(stats) or "–", mark(None), ""]
    waits = (stats.get("rows") or {}).get("wait") or 0
    business = stats.get("business_hours")
    met: bool | None = stats["best_seconds"] < 1.0 and bool(business)
    met = _proven(met, waits >= 1_000_000)
    measured = f"{num(stats['best_seconds'], 3)} s over {num(waits, 0)} waits" + (
        ", with business hours set" if business else ", no business hours set: their path not timed"
    )
    parts = stats.get("parts") or {}
    why = _why(results, "stats", met)
    if met is False and parts:
        why = (
            f"whole days from the rollups, the partial first and last days and the percentiles' "
            f"buckets from the waits: business time {num(parts.get('business_seconds'), 2)} s, "
            f"wall-clock {num(parts.get('wall_clock_seconds'), 2)} s, side by side on two "
            f"connections; {why}"
        )
    return [target, measured, mark(met), why]


def rows(results: dict[str, Any]) -> list[Row]:
    quick = bool(results.get("quick"))
    table: list[Row] = [_throughput(results, "postgres", 3000, quick)]
    table += [row for row in [_latency(results, "postgres", quick)] if row]
    table.append(_throughput(results, "sqlite", 4000, quick))
    table += [row for row in [_cpu(results, quick)] if row]
    table.append(_page_views(results, quick))
    table += [_storm(results, "sqlite"), _storm(results, "postgres")]
    table.append(_memory(results, quick))
    table += _across(results)
    table += _console(results, quick)
    table.append(_stats(results))
    return _smoke(table) if quick else table


def _smoke(table: list[Row]) -> list[Row]:
    """A quick run's sizes are far below the targets': figures, no verdicts."""
    return [[target, measured, "– quick run", ""] for target, measured, *_ in table]


def assistant_rows(results: dict[str, Any]) -> list[Row]:
    """Issue 14's targets: search latency over 1,000 entries and the held-out sets' figures."""
    section = results.get("assistant") or {}
    if "search_ms" not in section:
        return [["the assistant (issue 14)", problem(section) or "not run", mark(None), ""]]
    full = section.get("entries", 0) >= 1000
    p99 = section["search_ms"]["p99"]
    rows: list[Row] = [
        [
            "p99 FAQ search under 300 ms with 1,000 entries",
            f"p99 {num(p99, 2)} ms (p50 {num(section['search_ms']['p50'], 2)}) over "
            f"{section['entries']:,} entries, {section['questions']:,} questions",
            mark(_proven(p99 < 300, full)),
            "",
        ]
    ]
    evaluations = section.get("evaluations") or [section.get("evaluation") or {}]
    for figures in evaluations:
        if "answered_right" not in figures:
            continue
        answerable = figures["right"] + figures["wrong"] + figures["silent"]
        off_topic = figures["refused"] + figures["answered_off_topic"]
        sent = figures["right"] + figures["wrong"] + figures["answered_off_topic"]
        name = figures["set"]
        rows += [
            [
                f"≥ 85 % of answerable questions answered with the right entry ({name})",
                f"{figures['right']} of {answerable} = {num(figures['answered_right'] * 100, 1)} % "
                f"({figures['silent']} left to a person, {figures['wrong']} wrong)",
                mark(figures["answered_right"] >= 0.85),
                "",
            ],
            [
                f"≥ 80 % of off-topic questions left unanswered ({name})",
                f"{figures['refused']} of {off_topic} = {num(figures['refused_off_topic'] * 100, 1)} %",
                mark(figures["refused_off_topic"] >= 0.80),
                "",
            ],
            [
                f"≤ 8 % wrong answers ({name})",
                f"{figures['wrong'] + figures['answered_off_topic']} of {sent} answers sent = "
                f"{num(figures['wrong_answers'] * 100, 1)} %",
                mark(figures["wrong_answers"] <= 0.08),
                "",
            ],
        ]
    return _smoke(rows) if results.get("quick") else rows
