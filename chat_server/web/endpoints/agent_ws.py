"""The agent socket ``/ws/agent`` (authenticated by ``agent_auth``): translates frames,
calls the domain."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from chat_server.admin.online import agents_online_at, sites_of_scope
from chat_server.admin.scope import refresh_scope, resolve_scope
from chat_server.chat import commands, queries
from chat_server.chat.posting import Posted
from chat_server.chat.transitions import OPEN
from chat_server.model.errors import Conflict, NotFound
from chat_server.model.events import AgentsOnlineChanged, TypingChanged
from chat_server.model.paging import PageRequest, page_request
from chat_server.model.scope import Scope
from chat_server.model.tables import Agent, AgentStatus
from chat_server.observe import metrics
from chat_server.realtime.hub import Connection, Hub
from chat_server.routing import claims, status
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.sla.policy import load_policy
from chat_server.visitors import queries as visitors
from chat_server.web import read_receipts
from chat_server.web.endpoints.agent_auth import authenticate_agent_socket, close_ended_session
from chat_server.wire.envelope import AGENTS_TOPIC
from chat_server.wire.errors import error_for
from chat_server.wire.inbound import (
    AgentSend,
    AgentTyping,
    Assign,
    Invite,
    MessageSeen,
    ProtocolError,
    Resolve,
    StatusSet,
    Transfer,
    VisitorsPage,
    parse_agent_frame,
)
from chat_server.wire.outbound import (
    ack_frame,
    agent_welcome_frame,
    message_frame,
    visitors_page_frame,
)
from chat_server.wire.views import agent_view

POLICY_VIOLATION = 1008
AWAY = AgentStatus.away.value
#: Online visitors in ``welcome``; ``visitors.page`` brings the rest.
WELCOME_VISITORS = 200

log = logging.getLogger(__name__)


class AgentSession:
    def __init__(self, rt: Runtime, hub: Hub, agent: Agent, websocket: WebSocket) -> None:
        self.rt = rt
        self.hub = hub
        self.agent = agent
        self.websocket = websocket
        self.connection = Connection(
            websocket,
            "agent",
            rt.settings.send_queue_size,
            self._load_gap,
            fill_unknown_conversations=False,
        )
        # What the agent may see; resolved in start() and re-read while the socket lives.
        self.scope = Scope(agent.id, agent.role, frozenset())
        self._scope_refresher: asyncio.Task[None] | None = None

    async def _load_gap(self, conversation_id: str, after: int) -> list[tuple[int, str]]:
        messages = await queries.messages_after(self.rt, conversation_id, after, True)
        return [(message.seq, message_frame(message)) for message in messages]

    async def start(self) -> None:
        self.scope = await resolve_scope(self.rt, self.agent)
        self.connection.sites = self.scope.site_ids
        self.connection.hold()
        await self.hub.attach(self.connection, [AGENTS_TOPIC])
        # Presence learns the agent's own choice (online or away) before counting it.
        await self.rt.presence.set_agent_away(self.agent.id, self.agent.status == AWAY)
        await self.rt.presence.agent_connected(self.agent.id)
        open_conversations, _ = await queries.list_conversations(self.rt, OPEN, self.scope)
        for conversation in open_conversations:
            self.connection.mark_sent(conversation["id"], conversation["last_seq"])
        policy = await self.rt.db.read(load_policy)
        online = await visitors.list_visitors(
            self.rt, True, self.scope, PageRequest(WELCOME_VISITORS), with_total=True
        )
        self.connection.send(
            agent_welcome_frame(
                agent_view(self.agent),
                open_conversations,
                online.visitors,
                await self.rt.presence.agents_online(),
                policy.view(),
                visitors_total=online.total,
                visitors_cursor=online.next_cursor,
            )
        )
        self.connection.release()
        # After the welcome: telling every shopper of the sites (thousands of sockets on a
        # busy shop) must not hold up the agent's first screen.
        await self.announce_agents_online()
        await self.announce_status()
        self._scope_refresher = asyncio.get_running_loop().create_task(self._refresh_scope())

    async def _refresh_scope(self) -> None:
        """Follow changes of the agent's sites: the socket's filter is swapped whole."""
        while True:
            await asyncio.sleep(self.rt.settings.scope_refresh_seconds)
            try:
                scope = await refresh_scope(self.rt, self.agent.id)
            except Exception:
                log.warning("could not re-read the sites of agent %s", self.agent.id, exc_info=True)
                continue
            if scope is not None and scope != self.scope:
                self.scope = scope
                self.connection.sites = scope.site_ids

    async def check_scope(self, frame: Any) -> None:
        """``not_found`` for a frame about another site's conversation or visitor."""
        conversation_id = getattr(frame, "conversation_id", None)
        if isinstance(conversation_id, str):
            await queries.require_conversation(self.rt, conversation_id, self.scope)
        visitor_id = getattr(frame, "visitor_id", None)
        if isinstance(visitor_id, str):
            await visitors.require_visitor(self.rt, visitor_id, self.scope)

    async def visitors_page(self, frame: VisitorsPage) -> None:
        found = await visitors.list_visitors(
            self.rt, True, self.scope, page_request(frame.limit, frame.cursor)
        )
        self.connection.send(visitors_page_frame(found.visitors, found.next_cursor))

    async def read_loop(self) -> None:
        while True:
            message = await self.websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            metrics.FRAMES_IN.labels("agent").inc()
            text = message.get("text")
            ref = None
            try:
                if text is None:
                    raise ProtocolError("binary_not_supported", "frames must be JSON text")
                frame = parse_agent_frame(text)
                ref = getattr(frame, "client_id", None)
                await self.check_scope(frame)
                await self.handle(frame)
            except Exception as exc:
                self.connection.send(error_for("agent", exc, ref))

    def _ack(self, client_id: str) -> Any:
        def ack(posted: Posted) -> None:
            self.connection.send(ack_frame(client_id, posted.message))

        return ack

    async def handle(self, frame: Any) -> None:
        if isinstance(frame, AgentSend):
            await deliver(
                self.rt,
                commands.post_agent_message(
                    self.rt,
                    self.agent,
                    frame.conversation_id,
                    frame.client_id,
                    frame.text,
                    frame.internal,
                    frame.attachments,
                ),
                self._ack(frame.client_id),
            )
        elif isinstance(frame, Invite):
            if not await self.rt.presence.visitor_online(frame.visitor_id):
                if not await visitors.visitor_exists(self.rt, frame.visitor_id):
                    raise NotFound("visitor_not_found", "no such visitor")
                raise Conflict("visitor_offline", "this visitor is not on the site any more")
            await deliver(
                self.rt,
                commands.invite(self.rt, self.agent, frame.visitor_id, frame.client_id, frame.text),
                self._ack(frame.client_id),
            )
        elif isinstance(frame, Resolve):
            await deliver(self.rt, commands.resolve(self.rt, frame.conversation_id, self.agent))
        elif isinstance(frame, AgentTyping):
            await self.typing(frame)
        elif isinstance(frame, VisitorsPage):
            await self.visitors_page(frame)
        elif isinstance(frame, StatusSet):
            changed = await status.set_status(self.rt, self.agent.id, frame.status)
            self.agent.status = changed.status
            await self.rt.publish(changed.events)
            await self.announce_agents_online()
        elif isinstance(frame, Assign):
            await deliver(
                self.rt,
                claims.assign(
                    self.rt, self.agent, self.scope, frame.conversation_id, frame.agent_id
                ),
            )
        elif isinstance(frame, Transfer):
            await deliver(
                self.rt,
                claims.transfer(
                    self.rt,
                    self.agent,
                    self.scope,
                    frame.conversation_id,
                    frame.agent_id,
                    frame.team_id,
                    frame.note,
                ),
            )
        elif isinstance(frame, MessageSeen):
            await read_receipts.agent_seen(self.rt, self.agent, frame)

    async def announce_status(self) -> None:
        """``agent.updated`` for this agent: it came online, went away or closed its last console."""
        await self.rt.publish(await status.announce_agents(self.rt, [self.agent.id]))

    async def typing(self, frame: AgentTyping) -> None:
        conversation = await queries.get_conversation(self.rt, frame.conversation_id)
        await self.rt.publish(
            [
                TypingChanged(
                    conversation.id,
                    conversation.visitor_id,
                    "agent",
                    self.agent.id,
                    self.agent.name,
                    frame.active,
                    conversation.site_id,
                )
            ]
        )

    async def closed(self) -> None:
        if self._scope_refresher is not None:
            self._scope_refresher.cancel()
        await self.hub.detach(self.connection)
        await self.rt.presence.agent_disconnected(self.agent.id)
        await self.announce_agents_online()
        await self.announce_status()

    async def announce_agents_online(self) -> None:
        """Tell the shoppers of the agent's sites how many of their agents are online
        (the widget swaps its offline form)."""
        changed = []
        for site_id in await sites_of_scope(self.rt, self.scope.site_ids):
            count = await agents_online_at(self.rt, site_id, fresh=True)
            changed.append(AgentsOnlineChanged(count, site_id))
        await self.rt.publish(changed)


async def agent_endpoint(websocket: WebSocket) -> None:
    """Authenticate (agent_auth: the console cookie or a first auth frame), then serve."""
    rt: Runtime = websocket.app.state.runtime
    hub: Hub = websocket.app.state.hub
    login = await authenticate_agent_socket(websocket, rt)
    if login is None:
        return
    metrics.CONNECTIONS.labels("agent").inc()
    session = AgentSession(rt, hub, login.agent, websocket)
    forget = rt.session_sockets.add(login.session_id, lambda: close_ended_session(websocket))
    try:
        await session.start()
        await session.connection.run(session.read_loop)
    except WebSocketDisconnect:
        pass
    finally:
        forget()
        metrics.CONNECTIONS.labels("agent").dec()
        await session.closed()
