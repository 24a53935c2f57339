"""The bare baseline: a minimal ``websockets`` relay, in its own process.

    python -m bench.relay [--port 0]

It prints one JSON line ``{"port": P, "pid": N}`` once it listens on 127.0.0.1,
then serves until SIGTERM/SIGINT (or until its stdin closes).

It does the same *socket* work per chat message as the chat server, and nothing
else: no JSON parsing, no storage, no validation. Sockets on ``/ws/agent`` are
agents; every other path is a visitor. For each text frame a visitor sends, the
relay

* answers the sender with ``{"type":"ack","frame":<the frame>}`` (the server's ``ack``),
* echoes ``{"type":"message.created","frame":<the frame>}`` to the sender (the server
  sends every message to the visitor's own socket too),
* and pushes that same encoded text to every agent socket (encoded once).

Settings match the chat server's uvicorn: no compression, 64 KiB frames, pings
every 20 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve

AGENTS: set[ServerConnection] = set()


async def handler(ws: ServerConnection) -> None:
    path = ws.request.path if ws.request is not None else "/"
    if path.startswith("/ws/agent"):
        AGENTS.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            AGENTS.discard(ws)
        return
    async for text in ws:
        if not isinstance(text, str):
            continue
        await ws.send('{"type":"ack","frame":' + text + "}")
        created = '{"type":"message.created","frame":' + text + "}"
        await ws.send(created)
        if AGENTS:
            broadcast(AGENTS, created)


async def main(port: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(
            sig, lambda: stop.done() or stop.set_result(None)
        )
    async with serve(
        handler,
        "127.0.0.1",
        port,
        compression=None,
        max_size=64 * 1024,
        ping_interval=20,
        ping_timeout=20,
        backlog=2048,
    ) as server:
        bound = next(iter(server.sockets)).getsockname()[1]
        sys.stdout.write(json.dumps({"port": bound, "pid": os.getpid()}) + "\n")
        sys.stdout.flush()
        await stop


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="bare websockets relay (benchmark baseline)")
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(main(parser.parse_args().port))
