"""The routing loop: a pass after each relevant change, and a sweep every few seconds.

:meth:`Router.watch` wraps the runtime's publisher, so the router hears every
committed event of this process: a conversation that starts waiting, a
resolution, a transfer, an agent's status. Each wakes the loop, which assigns
what it can (:func:`~chat_server.routing.assignment.assign_next`, one transaction
per assignment), then tells shoppers their place in the queue. The sweep, every
``CHAT_ROUTING_SWEEP_SECONDS``, catches what other processes changed and what no
event announces (``max_chats`` raised), and puts back in the queue the waiting
conversations of agents offline for ``CHAT_REQUEUE_GRACE_SECONDS`` (at once for a
deactivated one). ``away`` keeps its assignments.

Every decision is taken in the database, so any number of processes run this
loop side by side. What each process remembers (the queue places it announced,
when it first saw an agent offline) only saves frames and is rebuilt on restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from sqlalchemy import Connection

from chat_server.chat.transitions import RESOLVED
from chat_server.model.events import (
    AgentUpdated,
    ConversationChanged,
    DomainEvent,
    MessagePosted,
    QueueUpdated,
    VisitorMoved,
)
from chat_server.model.tables import utcnow
from chat_server.routing.assignment import (
    Assigned,
    any_queued,
    assign_next,
    requeue,
    waiting_assignees,
)
from chat_server.routing.queue import queue_snapshot
from chat_server.routing.status import agent_updates
from chat_server.runtime.state import Publisher, Runtime

log = logging.getLogger(__name__)

#: A pass assigns at most this many conversations before it lets others run.
MAX_ASSIGNMENTS_PER_PASS = 200
#: The longest rest between two passes, and the queue length that calls for one
#: (see Router._run).
MAX_REST_SECONDS = 0.5
REST_FROM_QUEUED = 100


class Router:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._publish: Publisher | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        #: Conversation id -> the place last announced to its shopper.
        self._announced: dict[str, QueueUpdated] = {}
        #: Visitor id -> the same, to answer a shopper's new socket without a query.
        self._waiting: dict[str, QueueUpdated] = {}
        self._sends: set[asyncio.Task[None]] = set()
        #: Agents whose load changed without an ``agent.updated`` yet.
        self._touched: set[str] = set()
        #: Agent id -> when this process first saw it offline with waiting conversations.
        self._offline_since: dict[str, float] = {}

    def watch(self, publisher: Publisher) -> Publisher:
        """The publisher to give the runtime: publishes, then wakes the loop when needed."""
        self._publish = publisher

        async def publish_and_route(events: Sequence[DomainEvent]) -> None:
            await publisher(events)
            self.observe(events)

        return publish_and_route

    def observe(self, events: Sequence[DomainEvent]) -> None:
        for event in events:
            if isinstance(event, MessagePosted):
                conversation = event.conversation
                if conversation.assignee_id is None and (event.started or event.wait_changed):
                    self._wake.set()
            elif isinstance(event, ConversationChanged):
                conversation = event.conversation
                if conversation.status == RESOLVED and conversation.assignee_id is not None:
                    # The assignee has room again: its colleagues see its load drop.
                    self._touched.add(conversation.assignee_id)
                self._wake.set()
            elif isinstance(event, AgentUpdated):
                self._wake.set()
            elif isinstance(event, VisitorMoved):
                self._announce_again(event.journey.visitor.id)

    def _announce_again(self, visitor_id: str) -> None:
        """A waiting shopper opened a page (a socket): tell it its place again, from memory."""
        place = self._waiting.get(visitor_id)
        if place is not None and self._publish is not None:
            task = asyncio.get_running_loop().create_task(self._send_place(place))
            self._sends.add(task)
            task.add_done_callback(self._sends.discard)

    async def _send_place(self, place: QueueUpdated) -> None:
        if self._publish is not None:
            await self._publish([place])

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="routing")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        sweep_every = self.rt.settings.routing_sweep_seconds
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()
        took = 0.0
        while True:
            # A pass reads the whole queue: with thousands waiting (a rush of new chats)
            # back-to-back passes would take the event loop from the sockets. Resting as
            # long as the last pass took keeps routing to at most half of it, and the
            # changes meanwhile are routed together. A short queue routes at once.
            if took and len(self._announced) >= REST_FROM_QUEUED:
                await asyncio.sleep(min(took, MAX_REST_SECONDS))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), max(0.0, next_sweep - loop.time()))
            self._wake.clear()
            started = loop.time()
            sweep = started >= next_sweep
            if sweep:
                next_sweep = started + sweep_every
            try:
                await self.route(sweep)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("routing pass failed", exc_info=True)
            took = loop.time() - started

    async def route(self, sweep: bool = True) -> None:
        """One pass: requeue (on a sweep), assign what fits, announce the queue."""
        online = await self.rt.presence.online_agents()
        changed: list[tuple[ConversationChanged, str | None]] = []
        if sweep:
            changed.extend(await self._requeue(online))
        if online and await self.rt.db.read(any_queued):
            for _ in range(MAX_ASSIGNMENTS_PER_PASS):
                assigned = await self._assign_one(online)
                if assigned is None:
                    break
                event = ConversationChanged(assigned.conversation, assigned.visitor, True)
                changed.append((event, assigned.agent_id))
        touched, self._touched = self._touched, set()
        touched.update(agent_id for _, agent_id in changed if agent_id is not None)
        now = utcnow()

        def read(connection: Connection) -> tuple[list[AgentUpdated], list[QueueUpdated]]:
            return (
                agent_updates(connection, touched, online),
                queue_snapshot(connection, online, now),
            )

        updates, queue = await self.rt.db.read(read)
        events: list[DomainEvent] = [event for event, _ in changed]
        events.extend(updates)
        events.extend(self._queue_changes(queue))
        if events and self._publish is not None:
            await self._publish(events)

    async def _assign_one(self, online: set[str]) -> Assigned | None:
        now = utcnow()
        async with self.rt.db.writing() as session:
            connection = await session.connection()
            return await connection.run_sync(assign_next, online, now)

    async def _requeue(self, online: set[str]) -> list[tuple[ConversationChanged, str | None]]:
        """Waiting conversations of agents gone longer than the grace, back in the queue."""
        holders = await self.rt.db.read(waiting_assignees)
        clock = asyncio.get_running_loop().time()
        grace = self.rt.settings.requeue_grace_seconds
        for agent_id in list(self._offline_since):
            if agent_id in online or agent_id not in holders:
                del self._offline_since[agent_id]
        due = []
        for agent_id, active in holders.items():
            if active and agent_id in online:
                continue
            since = self._offline_since.setdefault(agent_id, clock)
            if not active or clock - since >= grace:
                due.append(agent_id)
        changed: list[tuple[ConversationChanged, str | None]] = []
        for agent_id in due:
            async with self.rt.db.writing() as session:
                connection = await session.connection()
                returned = await connection.run_sync(requeue, agent_id)
            log.info("%d waiting conversations of agent %s requeued", len(returned), agent_id)
            changed.extend(
                (ConversationChanged(conversation, visitor, True), agent_id)
                for conversation, visitor in returned
            )
        return changed

    def _queue_changes(self, queue: list[QueueUpdated]) -> list[QueueUpdated]:
        """The places that changed since last announced."""
        changes = [entry for entry in queue if self._announced.get(entry.conversation_id) != entry]
        self._announced = {entry.conversation_id: entry for entry in queue}
        self._waiting = {entry.visitor_id: entry for entry in queue}
        return changes
