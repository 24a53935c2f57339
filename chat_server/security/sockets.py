"""Which stored sessions this process's open agent sockets were opened with.

A socket authenticates once, at its start; a logout, a password change or a
deactivation afterwards must still end it. The sockets register here, a periodic job
asks the database which of these sessions stopped counting (one query for the whole
process, whichever process revoked them) and closes the sockets that hold them.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Iterable

#: Closes one socket (with 4401); must not raise.
Closer = Callable[[], Awaitable[None]]


class SessionSockets:
    def __init__(self) -> None:
        self._open: dict[str, dict[int, Closer]] = {}
        self._ids = itertools.count()

    def add(self, session_id: str, closer: Closer) -> Callable[[], None]:
        """Registers a socket; call the returned function when it closes."""
        number = next(self._ids)
        self._open.setdefault(session_id, {})[number] = closer

        def remove() -> None:
            sockets = self._open.get(session_id)
            if sockets is not None:
                sockets.pop(number, None)
                if not sockets:
                    del self._open[session_id]

        return remove

    def session_ids(self) -> list[str]:
        return list(self._open)

    async def close(self, session_ids: Iterable[str]) -> int:
        """Closes every socket of these sessions; how many were closed."""
        closers = [closer for sid in session_ids for closer in self._open.pop(sid, {}).values()]
        for closer in closers:
            await closer()
        return len(closers)
