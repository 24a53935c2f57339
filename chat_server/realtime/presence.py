"""Who is online: open sockets per visitor and per agent.

The in-process implementation counts this process's sockets; the Redis one keeps
expiring keys so that a crashed process's visitors go offline on their own.
"""

from __future__ import annotations


class Presence:
    async def visitor_connected(self, visitor_id: str) -> bool:
        """Count one more socket; True if the visitor was offline before."""
        raise NotImplementedError

    async def visitor_disconnected(self, visitor_id: str) -> bool:
        """Count one socket less; True if none is left."""
        raise NotImplementedError

    async def visitor_online(self, visitor_id: str) -> bool:
        raise NotImplementedError

    async def online_visitors(self) -> set[str]:
        raise NotImplementedError

    async def agent_connected(self, agent_id: str) -> None:
        raise NotImplementedError

    async def agent_disconnected(self, agent_id: str) -> None:
        raise NotImplementedError

    async def agents_online(self) -> int:
        """Agents with a socket open who did not choose ``away``: what shoppers see."""
        raise NotImplementedError

    async def set_agent_away(self, agent_id: str, away: bool) -> None:
        """Record the agent's choice (stored in its row too), so ``agents_online`` skips it."""
        raise NotImplementedError

    async def online_agents(self) -> set[str]:
        """The ids of the agents with a socket open (on any process)."""
        raise NotImplementedError

    async def refresh(self) -> None:
        """Keep this process's entries alive (Redis TTLs); nothing to do in memory."""

    async def close(self) -> None:
        """Forget this process's entries at once (a clean shutdown); nothing to do in memory."""


class MemoryPresence(Presence):
    def __init__(self) -> None:
        self._visitors: dict[str, int] = {}
        self._agents: dict[str, int] = {}
        self._away: set[str] = set()

    async def visitor_connected(self, visitor_id: str) -> bool:
        count = self._visitors.get(visitor_id, 0)
        self._visitors[visitor_id] = count + 1
        return count == 0

    async def visitor_disconnected(self, visitor_id: str) -> bool:
        count = self._visitors.get(visitor_id, 0) - 1
        if count <= 0:
            self._visitors.pop(visitor_id, None)
            return True
        self._visitors[visitor_id] = count
        return False

    async def visitor_online(self, visitor_id: str) -> bool:
        return visitor_id in self._visitors

    async def online_visitors(self) -> set[str]:
        return set(self._visitors)

    async def agent_connected(self, agent_id: str) -> None:
        self._agents[agent_id] = self._agents.get(agent_id, 0) + 1

    async def agent_disconnected(self, agent_id: str) -> None:
        count = self._agents.get(agent_id, 0) - 1
        if count <= 0:
            self._agents.pop(agent_id, None)
        else:
            self._agents[agent_id] = count

    async def agents_online(self) -> int:
        return len(self._agents.keys() - self._away)

    async def set_agent_away(self, agent_id: str, away: bool) -> None:
        if away:
            self._away.add(agent_id)
        else:
            self._away.discard(agent_id)

    async def online_agents(self) -> set[str]:
        return set(self._agents)
