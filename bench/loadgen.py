"""The load generator: asyncio WebSocket clients speaking the real protocol, in its own process.

    python -m bench.loadgen --name traffic

It is driven by :mod:`bench.run` over stdin/stdout, one JSON object a line: a
command ``{"id": n, "cmd": "chat", "args": {...}}`` in, a reply
``{"id": n, "ok": true, "result": {...}}`` out. Logs go to stderr.

Two of these run during a benchmark: one holds the idle visitors (they said
``hello`` with a page view and then only answer pings), the other drives the
measured traffic (shoppers, agents, page views, the reconnect storm). Every
measurement samples the CPU time of the processes it is told about
(``/proc/PID/stat``), its own included, over exactly its window.

The same commands drive the chat server and the bare relay (``mode``: ``server``
or ``relay``); only frame decoding differs. Latencies are taken with
``time.perf_counter`` in this one process: the send time is read just before the
frame is written, the receive time as the frame is read off the socket, so both
include this process's own scheduling delay, for the relay and the server alike.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import json
import os
import random
import resource
import sys
import threading
import time
import traceback
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
TEXT = "Merhaba, bu ürün 42 numara olarak var mı? Kargo ne zaman çıkar?"
PAGES = [
    ("https://shop.example/", "Home", "https://www.google.com/search?q=kirmizi+ayakkabi"),
    ("https://shop.example/c/shoes", "Shoes", "https://shop.example/"),
    (
        "https://shop.example/p/red-sneaker-42",
        "Red sneaker",
        "https://www.bing.com/search?q=sneaker",
    ),
    ("https://shop.example/search?q=winter+boots", "Search", "https://shop.example/c/shoes"),
    ("https://shop.example/cart", "Cart", None),
]
CLK_TCK = os.sysconf("SC_CLK_TCK")
perf = time.perf_counter


def log(*parts: Any) -> None:
    print(f"[loadgen {os.getpid()}]", *parts, file=sys.stderr, flush=True)


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process (all its threads), in seconds."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def rss_bytes(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def percentiles(values: list[float], scale: float = 1000.0) -> dict[str, float | None]:
    """Nearest-rank percentiles, in milliseconds by default."""
    if not values:
        return {"n": 0, "p50": None, "p90": None, "p99": None, "max": None}
    ordered = sorted(values)
    n = len(ordered)

    def rank(p: float) -> float:
        return round(ordered[min(n - 1, max(0, int(p * n + 0.999999) - 1))] * scale, 3)

    return {
        "n": n,
        "p50": rank(0.50),
        "p90": rank(0.90),
        "p99": rank(0.99),
        "max": round(ordered[-1] * scale, 3),
    }


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / CLK_TCK


def children(parent: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                if int(handle.read().rpartition(")")[2].split()[1]) == parent:
                    found.append(int(entry))
        except (OSError, ValueError, IndexError):
            continue
    return found


class CpuWindow:
    """CPU seconds of named processes between start() and stop().

    ``pids`` names lists of process ids; a name ending in ``+children`` counts the
    children of the listed processes instead (PostgreSQL's backends). ``foreign`` is
    what the rest of the machine used meanwhile: other work sharing these two cores.
    """

    def __init__(self, pids: dict[str, list[int]]) -> None:
        self.pids = {**pids, "loadgen": [os.getpid()]}
        self.started: dict[str, dict[int, float]] = {}
        self.t0 = 0.0
        self.busy0 = 0.0

    def _sample(self) -> dict[str, dict[int, float]]:
        """CPU seconds per process, by name."""
        sample: dict[str, dict[int, float]] = {}
        for name, pids in self.pids.items():
            if name.endswith("+children"):
                name = name.removesuffix("+children")
                pids = [child for parent in pids for child in children(parent)]
            sample[name] = {pid: cpu_seconds(pid) or 0.0 for pid in pids}
        return sample

    def start(self) -> None:
        self.t0 = perf()
        self.busy0 = machine_busy_seconds()
        self.started = self._sample()

    def stop(self) -> dict[str, Any]:
        wall = perf() - self.t0
        ended = self._sample()
        busy = machine_busy_seconds() - self.busy0
        # a process that exited within the window is lost (its time cannot be read); one
        # that started within it counts from zero
        used = {
            name: round(
                sum(
                    max(0.0, t - self.started.get(name, {}).get(pid, 0.0))
                    for pid, t in pids.items()
                ),
                3,
            )
            for name, pids in ended.items()
        }
        used["foreign"] = round(max(0.0, busy - sum(used.values())), 3)
        return {
            "wall_seconds": round(wall, 3),
            "cpu_seconds": used,
            "cpu_share": {name: round(value / wall, 3) for name, value in used.items()},
            "machine_busy_share": round(busy / wall, 3),
        }


class Visitor:
    __slots__ = (
        "closed",
        "conversation_id",
        "expected",
        "idx",
        "last_seq",
        "received",
        "resumed_at",
        "task",
        "token",
        "visitor_id",
        "welcome",
        "ws",
    )

    def __init__(self, idx: int) -> None:
        self.idx = idx
        self.ws: ClientConnection | None = None
        self.token: str | None = None
        self.visitor_id: str | None = None
        self.conversation_id: str | None = None
        self.last_seq = 0
        self.received: list[int] | None = None  # seqs of message.created, when recording
        self.expected: set[int] = set()  # backlog seqs still to come (storm)
        self.resumed_at: float | None = None
        self.welcome: asyncio.Future[dict[str, Any]] | None = None
        self.task: asyncio.Task[None] | None = None
        self.closed = True


class Agent:
    __slots__ = ("task", "welcome", "ws")

    def __init__(self) -> None:
        self.ws: ClientConnection | None = None
        self.welcome: asyncio.Future[int] | None = None
        self.task: asyncio.Task[None] | None = None


def _connect(url: str, timeout: float = 60.0) -> Any:
    return connect(
        url,
        compression=None,
        max_size=None,
        max_queue=None,
        ping_interval=None,  # the server pings; the client answers
        open_timeout=timeout,
        close_timeout=1,
        user_agent_header=UA,
        proxy=None,
    )


class Generator:
    def __init__(self) -> None:
        self.mode = "server"
        self.groups: dict[str, list[Visitor]] = collections.defaultdict(list)
        self.agents: list[Agent] = []
        self.next_idx = 0  # visitor numbers are unique in this process
        self.reset()

    def members(self, group: str | list[str]) -> list[Visitor]:
        names = [group] if isinstance(group, str) else group
        per_group = [[v for v in self.groups[name] if not v.closed] for name in names]
        # interleave the groups so that any prefix spreads over all of them
        mixed: list[Visitor] = []
        for i in range(max((len(g) for g in per_group), default=0)):
            mixed.extend(g[i] for g in per_group if i < len(g))
        return mixed

    def reset(self) -> None:
        self.await_ack: dict[str, float] = {}
        self.await_agent: dict[str, list[float]] = {}
        self.await_page: dict[str, list[float]] = {}
        self.ack_waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self.ack_lat: list[float] = []
        self.agent_lat: list[float] = []
        self.page_lat: list[float] = []
        self.delivered = 0
        self.delivered_in_window = 0
        self.window_end = float("inf")
        self.errors: collections.Counter[str] = collections.Counter()
        self.frames_in: collections.Counter[str] = collections.Counter()

    # -- frames from the server ------------------------------------------

    def _agent_got_message(self, client_id: str | None, t: float) -> None:
        if client_id is None:
            return
        entry = self.await_agent.get(client_id)
        if entry is None:
            return
        self.agent_lat.append(t - entry[0])
        entry[1] -= 1
        if entry[1] <= 0:
            del self.await_agent[client_id]
            self.delivered += 1
            if t <= self.window_end:
                self.delivered_in_window += 1

    def _agent_got_page(self, url: str, t: float) -> None:
        entry = self.await_page.get(url)
        if entry is None:
            return
        self.page_lat.append(t - entry[0])
        entry[1] -= 1
        if entry[1] <= 0:
            del self.await_page[url]
            self.delivered += 1
            if t <= self.window_end:
                self.delivered_in_window += 1

    def _acked(self, client_id: str, t: float, message: dict[str, Any] | None) -> None:
        sent_at = self.await_ack.pop(client_id, None)
        if sent_at is not None:
            self.ack_lat.append(t - sent_at)
        waiter = self.ack_waiters.pop(client_id, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(message or {})

    def _refused(self, code: str, ref: str | None) -> None:
        self.errors[code] += 1
        if ref:
            self.await_ack.pop(ref, None)
            self.await_agent.pop(ref, None)
            waiter = self.ack_waiters.pop(ref, None)
            if waiter is not None and not waiter.done():
                waiter.set_exception(RuntimeError(code))

    def on_agent_frame(self, agent: Agent, raw: str | bytes, t: float) -> None:
        if isinstance(raw, bytes):
            raw = raw.decode()
        if self.mode == "relay":
            frame = orjson.loads(raw)
            inner = frame.get("frame") or {}
            kind = inner.get("type")
            self.frames_in["agent"] += 1
            if kind == "message.send":
                self._agent_got_message(inner.get("client_id"), t)
            elif kind == "page.view":
                self._agent_got_page(inner.get("url", ""), t)
            return
        self.frames_in["agent"] += 1
        if raw.startswith('{"type":"message.created"'):
            frame = orjson.loads(raw)
            self._agent_got_message(frame["message"].get("client_id"), t)
        elif raw.startswith('{"type":"visitor.updated"'):
            marker = '"current_page":{"url":"'
            at = raw.find(marker)
            if at >= 0:
                at += len(marker)
                self._agent_got_page(raw[at : raw.find('"', at)], t)
        elif raw.startswith('{"type":"ack"'):
            frame = orjson.loads(raw)
            self._acked(frame["client_id"], t, frame.get("message"))
        elif raw.startswith('{"type":"error"'):
            frame = orjson.loads(raw)
            self._refused("agent:" + frame.get("code", "?"), frame.get("ref"))
        elif raw.startswith('{"type":"welcome"'):
            if agent.welcome is not None and not agent.welcome.done():
                agent.welcome.set_result(len(raw))

    def on_visitor_frame(self, v: Visitor, raw: str | bytes, t: float) -> None:
        if isinstance(raw, bytes):
            raw = raw.decode()
        self.frames_in["visitor"] += 1
        frame = orjson.loads(raw)
        kind = frame.get("type")
        if self.mode == "relay":
            inner = frame.get("frame") or {}
            if kind == "ack":
                if inner.get("type") == "hello":
                    if v.welcome is not None and not v.welcome.done():
                        v.welcome.set_result(frame)
                    if v.expected is not None and v.resumed_at is None and v.received is not None:
                        v.resumed_at = t
                elif "client_id" in inner:
                    self._acked(inner["client_id"], t, None)
            return
        if kind == "ack":
            message = frame["message"]
            v.conversation_id = message["conversation_id"]
            self._acked(frame["client_id"], t, message)
        elif kind == "message.created":
            seq = frame["message"]["seq"]
            v.conversation_id = frame["message"]["conversation_id"]
            if seq > v.last_seq:
                v.last_seq = seq
            if v.received is not None:
                v.received.append(seq)
                v.expected.discard(seq)
                if not v.expected and v.resumed_at is None and v.welcome and v.welcome.done():
                    v.resumed_at = t
        elif kind == "welcome":
            v.token = frame["visitor_token"]
            v.visitor_id = frame["visitor_id"]
            conversation = frame.get("conversation")
            if conversation:
                v.conversation_id = conversation["id"]
            if v.welcome is not None and not v.welcome.done():
                v.welcome.set_result(frame)
            if v.received is not None and not v.expected and v.resumed_at is None:
                v.resumed_at = t
        elif kind == "error":
            self._refused(frame.get("code", "?"), frame.get("ref"))

    async def _visitor_reader(self, v: Visitor, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                self.on_visitor_frame(v, raw, perf())
        except ConnectionClosed:
            pass
        except Exception as exc:
            log("visitor reader:", repr(exc))
        finally:
            if v.ws is ws:
                v.closed = True
            if v.welcome is not None and not v.welcome.done():
                v.welcome.set_exception(ConnectionError("closed before welcome"))

    async def _agent_reader(self, agent: Agent) -> None:
        assert agent.ws is not None
        try:
            async for raw in agent.ws:
                self.on_agent_frame(agent, raw, perf())
        except ConnectionClosed as exc:
            log("agent socket closed:", exc)
        except Exception as exc:
            log("agent reader:", repr(exc), traceback.format_exc())
        finally:
            if agent.welcome is not None and not agent.welcome.done():
                agent.welcome.set_exception(ConnectionError("agent closed before welcome"))

    # -- opening sockets -------------------------------------------------

    def hello_frame(self, v: Visitor, token: str | None, last_seq: int) -> str:
        url, title, referrer = PAGES[v.idx % len(PAGES)]
        return orjson.dumps(
            {
                "type": "hello",
                "visitor_token": token,
                "page": {"url": url, "title": title, "referrer": referrer},
                "last_seq": last_seq,
            }
        ).decode()

    async def open_visitor(
        self, v: Visitor, url: str, token: str | None = None, last_seq: int = 0, timeout: float = 60
    ) -> None:
        ws = await _connect(url, timeout)
        v.ws = ws
        v.closed = False
        v.welcome = asyncio.get_running_loop().create_future()
        v.task = asyncio.create_task(self._visitor_reader(v, ws))
        await ws.send(self.hello_frame(v, token, last_seq))
        await asyncio.wait_for(v.welcome, timeout)

    async def _open_many(
        self,
        visitors: list[Visitor],
        url: str,
        concurrency: int,
        timeout: float,
        attempts: int = 3,
        max_seconds: float | None = None,
    ) -> dict[str, Any]:
        """Open visitors; one that gets no ``welcome`` (an ``error`` frame, a timeout)
        is dropped and retried after a pause, as the widget does. With ``max_seconds``,
        no new socket is started after that long (the rest stay unopened)."""
        gate = asyncio.Semaphore(concurrency)
        failures: collections.Counter[str] = collections.Counter()
        started = perf()
        stop_at = started + max_seconds if max_seconds else float("inf")
        not_started = 0

        async def one(v: Visitor) -> None:
            nonlocal not_started
            for attempt in range(attempts):
                async with gate:
                    if perf() > stop_at:
                        not_started += 1
                        return
                    try:
                        await self.open_visitor(v, url, timeout=timeout)
                        return
                    except Exception as exc:
                        failures[type(exc).__name__ + ": " + str(exc)[:80]] += 1
                        if v.ws is not None:
                            v.ws.transport.abort()
                        v.closed = True
                await asyncio.sleep(1.0 + attempt + random.random())

        error_frames = self.errors.copy()
        await asyncio.gather(*(one(v) for v in visitors))
        refused = self.errors - error_frames
        return {
            "opened": sum(1 for v in visitors if not v.closed),
            "failed": sum(1 for v in visitors if v.closed) - not_started,
            "not_started": not_started,
            "attempts_failed": sum(failures.values()),
            "failures": dict(failures.most_common(3)),
            "error_frames": dict(refused),
            "seconds": round(perf() - started, 2),
        }

    # -- commands ----------------------------------------------------------

    async def cmd_configure(self, mode: str) -> dict[str, Any]:
        self.mode = mode
        return {"pid": os.getpid()}

    async def cmd_visitors(
        self,
        group: str,
        base: str,
        site_key: str,
        total: int,
        concurrency: int = 25,
        timeout: float = 60,
        max_seconds: float | None = None,
        pids: dict[str, list[int]] | None = None,
    ) -> dict[str, Any]:
        """Open visitor sockets (hello with a page view, wait for welcome) until ``total`` are
        open, or until ``max_seconds`` have passed."""
        window = CpuWindow(pids or {})
        window.start()
        current = self.groups[group]
        missing = max(0, total - sum(1 for v in current if not v.closed))
        fresh = [Visitor(self.next_idx + i) for i in range(missing)]
        self.next_idx += missing
        current.extend(fresh)
        result = await self._open_many(
            fresh, f"{base}/ws/visitor?site={site_key}", concurrency, timeout, 3, max_seconds
        )
        self.groups[group] = [v for v in current if not v.closed]
        result["cpu"] = window.stop()
        result["total_open"] = sum(1 for v in current if not v.closed)
        return result

    async def cmd_agents(self, base: str, tokens: list[str], timeout: float = 60) -> dict[str, Any]:
        started = perf()
        sizes = []
        for token in tokens:
            agent = Agent()
            if self.mode == "server":
                # The agent socket takes no secret in its URL: the first frame authenticates.
                agent.ws = await _connect(f"{base}/ws/agent", timeout)
                await agent.ws.send(json.dumps({"type": "auth", "token": token}))
            else:
                agent.ws = await _connect(f"{base}/ws/agent?token={token}", timeout)
            if self.mode == "server":
                agent.welcome = asyncio.get_running_loop().create_future()
            agent.task = asyncio.create_task(self._agent_reader(agent))
            if self.mode == "server":
                sizes.append(await asyncio.wait_for(agent.welcome, timeout))
            self.agents.append(agent)
        return {
            "agents": len(self.agents),
            "welcome_bytes": sizes,
            "seconds": round(perf() - started, 2),
        }

    async def cmd_close(
        self,
        group: str | None = None,
        agents: bool = False,
        everything: bool = False,
        keep: int = 0,
    ) -> dict[str, Any]:
        """Drop sockets at once (no close handshake, like a network drop); with ``keep``,
        the first ``keep`` visitors of the group stay."""
        closed = 0
        names = list(self.groups) if everything else [group] if group else []
        for name in names:
            visitors = self.groups.pop(name, [])
            if keep:
                self.groups[name], visitors = visitors[:keep], visitors[keep:]
            for v in visitors:
                if v.ws is not None and not v.closed:
                    v.ws.transport.abort()
                    closed += 1
                if v.task is not None:
                    v.task.cancel()
        if agents:
            for agent in self.agents:
                if agent.ws is not None:
                    agent.ws.transport.abort()
                if agent.task is not None:
                    agent.task.cancel()
            self.agents.clear()
        await asyncio.sleep(0.2)
        return {"closed": closed}

    async def cmd_warmup(
        self,
        group: str | list[str],
        rate: float,
        count: int | None = None,
        start: int = 0,
        timeout: float = 120,
    ) -> dict[str, Any]:
        """One message from each visitor of the group (its conversation starts), paced."""
        visitors = self.members(group)[start : count or None]
        self.reset()
        started = perf()
        gate = asyncio.Semaphore(50)
        failures: collections.Counter[str] = collections.Counter()

        async def one(i: int, v: Visitor) -> None:
            await asyncio.sleep(i / rate)
            async with gate:
                cid = f"w{v.idx}.{random.getrandbits(32)}"
                waiter = asyncio.get_running_loop().create_future()
                self.ack_waiters[cid] = waiter
                assert v.ws is not None
                try:
                    await v.ws.send(self._message(cid))
                    await asyncio.wait_for(waiter, timeout)
                except Exception as exc:
                    failures[type(exc).__name__ + ": " + str(exc)[:60]] += 1

        await asyncio.gather(*(one(i, v) for i, v in enumerate(visitors)))
        return {
            "messages": len(visitors) - sum(failures.values()),
            "failures": dict(failures.most_common(3)),
            "seconds": round(perf() - started, 2),
        }

    @staticmethod
    def _message(client_id: str) -> str:
        return '{"type":"message.send","client_id":"' + client_id + '","text":"' + TEXT + '"}'

    async def _open_loop(
        self,
        kind: str,
        group: str | list[str],
        rate: float,
        duration: float,
        shoppers: int,
        drain: float,
        cap_seconds: float,
        pids: dict[str, list[int]],
        tag: str,
        max_outstanding: int | None = None,
    ) -> dict[str, Any]:
        visitors = self.members(group)[:shoppers]
        if not visitors:
            raise RuntimeError("no open visitors to send from")
        n = len(visitors)
        agents = max(1, sum(1 for a in self.agents if a.ws is not None))
        self.reset()
        cap = max_outstanding or max(100, min(1000, int(rate * cap_seconds)))
        total = int(rate * duration)
        sent = skipped = send_failed = 0
        lags: list[float] = []
        window = CpuWindow(pids)
        waiting = self.await_page if kind == "page" else self.await_agent
        window.start()
        start = perf()
        self.window_end = start + duration
        while sent < total:
            now = perf()
            due = min(total, int((now - start) * rate) + 1)
            while sent < due:
                intended = start + sent / rate
                v = visitors[sent % n]
                sent += 1
                if v.closed or len(waiting) > cap:
                    skipped += 1
                    continue
                assert v.ws is not None
                if kind == "page":
                    key = f"https://shop.example/p/{tag}/{sent}?from=bench"
                    text = (
                        '{"type":"page.view","url":"'
                        + key
                        + '","title":"Product '
                        + str(sent)
                        + '","referrer":"https://shop.example/c/shoes"}'
                    )
                else:
                    key = f"{tag}.{sent}"
                    text = self._message(key)
                t = perf()
                lags.append(t - intended)
                if kind == "page":
                    self.await_page[key] = [t, agents]
                else:
                    self.await_ack[key] = t
                    self.await_agent[key] = [t, agents]
                try:
                    await v.ws.send(text)
                except ConnectionClosed:
                    send_failed += 1
                    self.await_ack.pop(key, None)
                    waiting.pop(key, None)
            await asyncio.sleep(0.001)
        send_end = perf()
        deadline = send_end + drain
        while (waiting or self.await_ack) and perf() < deadline:  # noqa: ASYNC110 - bounded poll
            await asyncio.sleep(0.005)
        cpu = window.stop()
        offered = total
        delivered = self.delivered
        result: dict[str, Any] = {
            "kind": kind,
            "rate": rate,
            "duration": duration,
            "senders": n,
            "agents": agents,
            "offered": offered,
            "sent": sent - skipped - send_failed,
            "skipped_backlog": skipped,
            "send_failed": send_failed,
            "delivered": delivered,
            "delivered_ratio": round(delivered / offered, 4) if offered else None,
            "delivered_in_window": self.delivered_in_window,
            "sustained_rate": round(self.delivered_in_window / duration, 1),
            "max_outstanding": cap,
            "undelivered": len(waiting),
            "send_seconds": round(send_end - start, 3),
            "drain_seconds": round(perf() - send_end, 3),
            "send_lag_ms": percentiles(lags),
            "errors": dict(self.errors),
            "cpu": cpu,
        }
        if kind == "page":
            result["latency_ms"] = percentiles(self.page_lat)
        else:
            result["acked"] = len(self.ack_lat)
            result["ack_ms"] = percentiles(self.ack_lat)
            result["agent_ms"] = percentiles(self.agent_lat)
        self.window_end = float("inf")
        return result

    async def cmd_chat(
        self,
        group: str | list[str],
        rate: float,
        duration: float,
        shoppers: int,
        drain: float = 10.0,
        cap_seconds: float = 0.5,
        pids: dict[str, list[int]] | None = None,
        tag: str = "c",
        max_outstanding: int | None = None,
    ) -> dict[str, Any]:
        """Open-loop chat at a fixed offered rate, round-robin over ``shoppers`` visitors.

        A message is skipped (not sent, counted as offered and undelivered) while more
        than ``cap_seconds`` of traffic (at most 1,000 messages, or ``max_outstanding``)
        is waiting: an overloaded server then shows as delivered/offered < 1 instead of
        an ever-growing backlog that would spill into the next step. With a high rate and
        a small ``max_outstanding`` this is a capacity probe (that many messages in
        flight, like as many busy shoppers waiting for their ack).
        """
        return await self._open_loop(
            "chat",
            group,
            rate,
            duration,
            shoppers,
            drain,
            cap_seconds,
            pids or {},
            tag,
            max_outstanding,
        )

    async def cmd_tracking(
        self,
        group: str | list[str],
        rate: float,
        duration: float,
        shoppers: int,
        drain: float = 10.0,
        cap_seconds: float = 0.5,
        pids: dict[str, list[int]] | None = None,
        tag: str = "t",
    ) -> dict[str, Any]:
        """Open-loop ``page.view`` frames; latency to every agent's ``visitor.updated``."""
        return await self._open_loop(
            "page", group, rate, duration, shoppers, drain, cap_seconds, pids or {}, tag
        )

    async def cmd_storm(
        self,
        base: str,
        site_key: str,
        count: int,
        group: str = "storm",
        backlog_every: int = 5,
        live_every: int = 10,
        setup_rate: float = 1000.0,
        concurrency: int = 25,
        timeout: float = 120.0,
        settle: float = 2.0,
        pids: dict[str, list[int]] | None = None,
    ) -> dict[str, Any]:
        """Reconnect storm.

        ``count`` visitors (the first of ``group``, connected here if the group does not
        exist yet) each write one message, so that each has an open conversation. All
        their sockets then drop at once (no close handshake). While they are away an
        agent answers every ``backlog_every``-th conversation; then all reconnect at
        once with their token and the ``last_seq`` they saw, while the agent answers
        every ``live_every``-th conversation again. Each visitor must get every message
        after its ``last_seq`` exactly once, in order.
        """
        url = f"{base}/ws/visitor?site={site_key}"
        report: dict[str, Any] = {"count": count}
        if group not in self.groups:
            self.groups[group] = [Visitor(self.next_idx + i) for i in range(count)]
            self.next_idx += count
            report["connect"] = await self._open_many(self.groups[group], url, concurrency, timeout)
        visitors = [v for v in self.groups[group] if not v.closed][:count]
        report["count"] = count = len(visitors)
        if self.mode == "server":
            if not self.agents:
                raise RuntimeError("the storm needs an agent socket")
            report["setup_messages"] = await self.cmd_warmup(
                group, setup_rate, count=count, timeout=timeout
            )
            # every visitor sees its own message (seq 1) before the drop
            deadline = perf() + 30
            while perf() < deadline and any(v.last_seq < 1 for v in visitors if not v.closed):  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        saw = {v.idx: v.last_seq for v in visitors}
        for v in visitors:
            if v.ws is not None and not v.closed:
                v.ws.transport.abort()
        await asyncio.sleep(0.1)

        agent_posts: collections.Counter[str] = collections.Counter()

        async def answer(targets: list[Visitor], label: str) -> None:
            gate = asyncio.Semaphore(50)

            async def one(v: Visitor) -> None:
                async with gate:
                    cid = f"{label}.{v.idx}"
                    waiter = asyncio.get_running_loop().create_future()
                    self.ack_waiters[cid] = waiter
                    agent = self.agents[0]
                    assert agent.ws is not None
                    frame = {
                        "type": "message.send",
                        "conversation_id": v.conversation_id,
                        "client_id": cid,
                        "text": f"Answer {label} to {v.idx}",
                    }
                    try:
                        await agent.ws.send(orjson.dumps(frame).decode())
                        message = await asyncio.wait_for(waiter, timeout)
                        # the visitor may have it already if its frame beat our ack
                        if v.received is None or message["seq"] not in v.received:
                            v.expected.add(message["seq"])
                        expected_all[v.idx].add(message["seq"])
                        agent_posts[label] += 1
                    except Exception as exc:
                        agent_posts[f"{label} failed: {type(exc).__name__} {exc}"[:80]] += 1

            await asyncio.gather(*(one(v) for v in targets if v.conversation_id))

        expected_all: dict[int, set[int]] = collections.defaultdict(set)
        if self.mode == "server":
            started = perf()
            await answer(visitors[::backlog_every], "backlog")
            report["backlog_seconds"] = round(perf() - started, 2)
        window = CpuWindow(pids or {})
        attempts: collections.Counter[int] = collections.Counter()
        failures: collections.Counter[str] = collections.Counter()

        async def reconnect(v: Visitor) -> None:
            v.received = []
            v.resumed_at = None
            for attempt in range(6):
                attempts[v.idx] = attempt + 1
                try:
                    await self.open_visitor(v, url, v.token, saw[v.idx], timeout=timeout)
                    return
                except Exception as exc:
                    failures[type(exc).__name__ + ": " + str(exc)[:60]] += 1
                    if v.ws is not None:
                        v.ws.transport.abort()
                    await asyncio.sleep(0.5 + random.random() * (2**attempt) * 0.5)
            v.closed = True

        window.start()
        t0 = perf()
        live = (
            asyncio.create_task(answer(visitors[1::live_every], "live"))
            if self.mode == "server"
            else None
        )
        await asyncio.gather(*(reconnect(v) for v in visitors))
        connected_s = perf() - t0
        deadline = perf() + timeout
        while perf() < deadline and any(v.resumed_at is None and not v.closed for v in visitors):  # noqa: ASYNC110
            await asyncio.sleep(0.02)
        resumed = [v.resumed_at for v in visitors if v.resumed_at is not None]
        if live is not None:
            await live
        cpu = window.stop()
        await asyncio.sleep(settle)
        lost = repeated = out_of_order = unexpected = 0
        if self.mode == "server":
            for v in visitors:
                received = v.received or []
                want = {s for s in expected_all[v.idx] if s > saw[v.idx]}
                got = set(received)
                lost += len(want - got)
                repeated += len(received) - len(got)
                unexpected += len(got - want)
                out_of_order += int(received != sorted(received))
        report.update(
            {
                "resumed": len(resumed),
                "not_resumed": count - len(resumed),
                "all_connected_seconds": round(connected_s, 2),
                "all_resumed_seconds": round(max(resumed) - t0, 2) if resumed else None,
                "resume_ms": percentiles([r - t0 for r in resumed]),
                "retries": sum(a - 1 for a in attempts.values()),
                "failures": dict(failures.most_common(3)),
                "agent_posts": dict(agent_posts),
                "expected_messages": sum(len(s) for s in expected_all.values()),
                "lost": lost,
                "repeated": repeated,
                "unexpected": unexpected,
                "out_of_order": out_of_order,
                "cpu": cpu,
            }
        )
        return report

    async def cmd_status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "groups": {k: sum(1 for v in vs if not v.closed) for k, vs in self.groups.items()},
            "agents": len(self.agents),
            "rss": rss_bytes(os.getpid()),
        }


async def serve_commands() -> None:
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read_stdin() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read_stdin, daemon=True).start()
    generator = Generator()
    out = sys.stdout
    out.write(json.dumps({"ready": True, "pid": os.getpid()}) + "\n")
    out.flush()
    while True:
        line = await lines.get()
        if line is None:
            return
        if not line.strip():
            continue
        request = json.loads(line)
        if request.get("cmd") == "quit":
            out.write(json.dumps({"id": request.get("id"), "ok": True, "result": {}}) + "\n")
            out.flush()
            os._exit(0)  # thousands of sockets: the kernel closes them faster than teardown
        try:
            handler = getattr(generator, "cmd_" + request["cmd"])
            result = await handler(**request.get("args", {}))
            reply = {"id": request.get("id"), "ok": True, "result": result}
        except Exception as exc:
            log(traceback.format_exc())
            reply = {"id": request.get("id"), "ok": False, "error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description="benchmark load generator (driven over stdin)")
    parser.add_argument("--name", default="loadgen")
    parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_commands())


if __name__ == "__main__":
    main()
