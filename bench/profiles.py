"""What a py-spy profile says about where a step's CPU went.

``py-spy record -f raw`` writes one line per distinct stack: frames from the outermost
to the innermost, ``;``-separated, each ``function (path:line)``, then a space and the
number of samples. Idle samples (a thread waiting in ``epoll``) are left out by py-spy,
so the shares below are of the busy time. Time in C (SQLite, asyncpg's protocol, the
socket calls) counts for the Python frame that called it.

Two views answer "why is this step slow":

- ``layers``: the innermost frame's library (SQLAlchemy, asyncio, our code, ...), i.e.
  whose code the CPU was running;
- ``ours``: for each sample, the innermost frame of our own code (``chat_server``), i.e.
  which of our functions the time was spent under, library calls included.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Library of a frame, by a piece of its file path; first match wins.
LAYERS: tuple[tuple[str, str], ...] = (
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/asyncpg/", "asyncpg"),
    ("/aiosqlite/", "SQLite driver"),
    ("/sqlite3/", "SQLite driver"),
    ("/redis/", "redis client"),
    ("/websockets/", "websockets/uvicorn"),
    ("/uvicorn/", "websockets/uvicorn"),
    ("/h11/", "websockets/uvicorn"),
    ("/starlette/", "starlette"),
    ("/pydantic", "pydantic"),
    ("/json/", "json"),
    ("/asyncio/", "asyncio"),
    ("/selectors.py", "asyncio"),
    ("/logging/", "logging"),
    ("/chat_server/", "our code"),
    ("/bench/", "bench harness"),
)


def _file_of(frame: str) -> str:
    """``function (path:line)`` -> ``/path``. py-spy writes paths relative to the
    ``sys.path`` entry they were found under (``chat_server/chat/writes.py``,
    ``sqlalchemy/engine/base.py``); the leading ``/`` lets one pattern match both forms."""
    start = frame.rfind(" (")
    path = frame[start + 2 : frame.rfind(":")] if start >= 0 else frame
    return path if path.startswith("/") else "/" + path


def _layer(frame: str) -> str:
    path = _file_of(frame)
    for piece, name in LAYERS:
        if piece in path:
            return name
    return "other"


def _our_function(frame: str) -> str:
    """``chat_server/chat/writes.py`` + ``run_batch`` -> ``chat.writes.run_batch``."""
    path = _file_of(frame)
    module = path.split("/chat_server/", 1)[1].removesuffix(".py").replace("/", ".")
    function = frame[: frame.rfind(" (")]
    return f"{module}.{function}"


def read_stacks(lines: Iterable[str]) -> collections.Counter[tuple[str, ...]]:
    stacks: collections.Counter[tuple[str, ...]] = collections.Counter()
    for line in lines:
        line = line.rstrip("\n")
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        stacks[tuple(stack.split(";"))] += int(count)
    return stacks


def summarize(paths: Iterable[Path], top: int = 4) -> dict[str, Any]:
    """Shares of the busy samples in ``paths`` (one file per profiled process)."""
    stacks: collections.Counter[tuple[str, ...]] = collections.Counter()
    for path in paths:
        if path.exists():
            with path.open(encoding="utf-8", errors="replace") as lines:
                stacks.update(read_stacks(lines))
    total = sum(stacks.values())
    if not total:
        return {"samples": 0}
    layers: collections.Counter[str] = collections.Counter()
    ours: collections.Counter[str] = collections.Counter()
    for stack, count in stacks.items():
        layers[_layer(stack[-1])] += count
        # the server's entry point (web.cli) sits under every sample: not an answer
        own = [
            frame
            for frame in stack
            if "/chat_server/" in _file_of(frame) and "/chat_server/web/cli" not in _file_of(frame)
        ]
        ours[_our_function(own[-1]) if own else "(event loop, outside our code)"] += count
    return {
        "samples": total,
        "layers": [[name, round(n / total, 3)] for name, n in layers.most_common(top)],
        "ours": [[name, round(n / total, 3)] for name, n in ours.most_common(top)],
    }


def answer(summary: dict[str, Any] | None) -> str:
    """One line for the targets table: whose code ran, and under which of our functions."""
    if not summary or not summary.get("samples"):
        return ""
    layers = ", ".join(f"{name} {share * 100:.0f} %" for name, share in summary["layers"][:3])
    ours = ", ".join(
        f"`{name}` {share * 100:.0f} %"
        for name, share in summary["ours"][:2]
        if not name.startswith("(")
    )
    return f"py-spy ({summary['samples']:,} samples): {layers}" + (
        f"; under {ours}" if ours else ""
    )
