"""The agent socket ``/ws/agent?token=TOKEN``: translates frames, calls the domain."""

from __future__ import annotations

from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from chat_server.admin import accounts
from chat_server.chat import commands, queries
from chat_server.chat.posting import Posted
from chat_server.chat.transitions import OPEN
from chat_server.model.errors import Conflict, NotFound
from chat_server.model.events import AgentsOnlineChanged, TypingChanged
from chat_server.model.tables import Agent
from chat_server.observe import metrics
from chat_server.realtime.hub import Connection, Hub
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.sla.policy import load_policy
from chat_server.visitors import queries as visitors
from chat_server.wire.envelope import AGENTS_TOPIC
from chat_server.wire.errors import error_for
from chat_server.wire.inbound import (
    AgentSend,
    AgentTyping,
    Invite,
    ProtocolError,
    Resolve,
    parse_agent_frame,
)
from chat_server.wire.outbound import ack_frame, agent_welcome_frame, message_frame
from chat_server.wire.views import agent_view

POLICY_VIOLATION = 1008


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

    async def _load_gap(self, conversation_id: str, after: int) -> list[tuple[int, str]]:
        messages = await queries.messages_after(self.rt, conversation_id, after, True)
        return [(message.seq, message_frame(message)) for message in messages]

    async def start(self) -> None:
        self.connection.hold()
        await self.hub.attach(self.connection, [AGENTS_TOPIC])
        await self.rt.presence.agent_connected(self.agent.id)
        await self.announce_agents_online()
        open_conversations = await queries.list_conversations(self.rt, OPEN)
        for conversation in open_conversations:
            self.connection.mark_sent(conversation["id"], conversation["last_seq"])
        policy = await self.rt.db.read(load_policy)
        self.connection.send(
            agent_welcome_frame(
                agent_view(self.agent),
                open_conversations,
                await visitors.list_visitors(self.rt, online_only=True),
                await self.rt.presence.agents_online(),
                policy.view(),
            )
        )
        self.connection.release()

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
                )
            ]
        )

    async def closed(self) -> None:
        await self.hub.detach(self.connection)
        await self.rt.presence.agent_disconnected(self.agent.id)
        await self.announce_agents_online()

    async def announce_agents_online(self) -> None:
        """Tell every shopper how many agents are online (the widget swaps its offline form)."""
        count = await self.rt.presence.agents_online()
        await self.rt.publish([AgentsOnlineChanged(count)])


async def agent_endpoint(websocket: WebSocket) -> None:
    rt: Runtime = websocket.app.state.runtime
    hub: Hub = websocket.app.state.hub
    agent = await accounts.agent_by_id(
        rt, rt.signer.read_token(websocket.query_params.get("token"))
    )
    if agent is None:
        await websocket.close(POLICY_VIOLATION)  # refused at the handshake: HTTP 403
        return
    await websocket.accept()
    metrics.CONNECTIONS.labels("agent").inc()
    session = AgentSession(rt, hub, agent, websocket)
    try:
        await session.start()
        await session.connection.run(session.read_loop)
    except WebSocketDisconnect:
        pass
    finally:
        metrics.CONNECTIONS.labels("agent").dec()
        await session.closed()
