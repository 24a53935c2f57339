"""Formatting and reading helpers shared by the benchmark report and its targets table."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: When each phase of ``bench.run`` must end, as a fraction of the time budget (unused time
#: passes on; a phase trims its optional parts to fit). The stats run first: seeding a
#: million rows takes a fixed time the others adapt to. The full run keeps the scale-out
#: phase, last, 10 %: with 8 % its fixed-rate probes (the Redis rows) were cut once a
#: phase before it overran; the quick run keeps 8 % (with more it runs those probes too
#: and passes its 2 minutes). The full run's assistant phase has 8 %: since every question
#: is embedded (the answer model), embedding the 1,000 entries takes some 35 s, then the
#: timed questions and three held-out sets another 20-25 s.
QUICK_PHASE_ENDS = {
    "stats": 0.17,
    "assistant": 0.19,
    "relay": 0.33,
    "sqlite": 0.73,
    "postgres": 0.92,
    "scaled": 1.0,
}
PHASE_ENDS = {
    **QUICK_PHASE_ENDS,
    "assistant": 0.25,
    "relay": 0.37,
    "sqlite": 0.75,
    "postgres": 0.90,
}
PHASE_NAMES = {
    "stats": "stats",
    "assistant": "the assistant",
    "relay": "relay",
    "sqlite": "SQLite",
    "postgres": "PostgreSQL + Redis",
    "scaled": "scaled out",
}


def phase_ends(quick: bool) -> dict[str, float]:
    return QUICK_PHASE_ENDS if quick else PHASE_ENDS


def phase_shares(quick: bool) -> str:
    """Each phase's share of the budget: "stats 17 %, the assistant 2 %, ..."."""
    shares, start = [], 0.0
    for phase, end in phase_ends(quick).items():
        shares.append(f"{PHASE_NAMES[phase]} {round((end - start) * 100)} %")
        start = end
    return ", ".join(shares)


def num(value: Any, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float | int):
        if (isinstance(value, float) and not value.is_integer()) or (digits and abs(value) < 10):
            text = f"{value:,.{digits}f}"
        else:
            text = f"{value:,.0f}"
        return text + unit
    return str(value)


def kib(value: Any) -> str:
    return "–" if value is None else f"{value / 1024:,.1f} KiB"


def ratio(a: Any, b: Any) -> float | None:
    if a is None or b in (None, 0):
        return None
    return a / b


def mark(met: bool | None) -> str:
    return {True: "✅ met", False: "❌ not met", None: "– not measured"}[met]


def step_at(steps: list[dict[str, Any]] | None, rate: int) -> dict[str, Any] | None:
    for step in steps or []:
        if step.get("rate") == rate:
            return step
    return None


def run_steps(steps: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    return [s for s in steps or [] if "skipped" not in s]


def kept_up(steps: list[dict[str, Any]] | None, rate: int) -> bool:
    """Whether the server sustained ``rate``: some step delivered at least ``rate`` within
    the step itself, or the step offered ``rate`` delivered 99 % of it in all and 97 % within
    the step (what was still in flight as the step ended is not a backlog). A step that
    only caught up in the drain after it does not count."""
    best = best_sustained(steps)
    if best is not None and best >= rate:
        return True
    at = step_at(steps, rate)
    if not at or "skipped" in at:
        return False
    return bool(at["delivered_ratio"] >= 0.99 and (at.get("sustained_rate") or 0) >= 0.97 * rate)


def best_sustained(steps: list[dict[str, Any]] | None) -> float | None:
    values = [
        s.get("sustained_rate") for s in run_steps(steps) if s.get("sustained_rate") is not None
    ]
    return max(values) if values else None


def table(headers: list[str], rows: Iterable[list[Any]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(str(cell) for cell in row) + " |")
    return "\n".join(lines)


def problem(section: dict[str, Any] | None) -> str | None:
    if not section:
        return "not run"
    for key in ("not_run", "error", "skipped"):
        if section.get(key):
            return f"{key.replace('_', ' ')}: {section[key]}"
    return None
