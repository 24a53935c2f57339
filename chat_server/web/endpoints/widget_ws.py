"""The visitor socket ``/ws/visitor?site=KEY``: translates frames, calls the domain."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from starlette.types import Message
from starlette.websockets import WebSocket, WebSocketDisconnect

from chat_server.admin import sites
from chat_server.admin.online import agents_online_at
from chat_server.chat import commands, queries
from chat_server.chat.posting import Posted
from chat_server.model.events import TypingChanged
from chat_server.model.tables import Site
from chat_server.observe import metrics
from chat_server.realtime.hub import Connection, Hub
from chat_server.realtime.ratelimit import TokenBucket
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.security.origins import origin_allowed
from chat_server.tracking.client_ip import resolve_client_ip
from chat_server.visitors import invitations
from chat_server.visitors.arrival import arrival_events, arrive
from chat_server.visitors.contacts import identify_contact
from chat_server.visitors.departure import close_tab
from chat_server.visitors.pages import Entered, enter_page, set_visibility
from chat_server.visitors.updates import Update
from chat_server.wire.envelope import VISITORS_TOPIC, visitor_topic
from chat_server.wire.errors import error_for
from chat_server.wire.inbound import (
    Hello,
    Identify,
    PageViewFrame,
    ProtocolError,
    RatingSubmit,
    Visibility,
    VisitorSend,
    VisitorTyping,
    client_id_of,
    parse_visitor_frame,
)
from chat_server.wire.outbound import (
    ack_frame,
    identified_frame,
    message_frame,
    rating_recorded_frame,
    visitor_welcome_frame,
)

log = logging.getLogger(__name__)

POLICY_VIOLATION = 1008
ABUSE_REFUSALS = 100  # refused frames within ABUSE_WINDOW before the socket is closed
ABUSE_WINDOW = 10.0


class VisitorSession:
    def __init__(self, rt: Runtime, hub: Hub, site: Site, websocket: WebSocket) -> None:
        self.rt = rt
        self.hub = hub
        self.site = site
        self.websocket = websocket
        self.connection = Connection(
            websocket,
            "visitor",
            rt.settings.send_queue_size,
            self._load_gap,
            fill_unknown_conversations=True,
        )
        # News for shoppers of another site (its agents_online) is dropped.
        self.connection.sites = frozenset([site.id])
        self.visitor_id: str | None = None
        self.page_view_id: str | None = None
        self.conversation_id: str | None = None
        self.is_bot = False
        self.inviter: invitations.AutoInviter | None = None
        self._refusals: list[float] = []
        # Frames of any kind, per connection; messages are limited per visitor (all tabs).
        self.frame_budget = TokenBucket(rate=30.0, burst=60.0)
        peer = websocket.client.host if websocket.client else None
        self.ip = resolve_client_ip(
            peer, websocket.headers.get("x-forwarded-for"), rt.settings.trusted_proxies
        )
        self.user_agent = websocket.headers.get("user-agent")
        self.accept_language = websocket.headers.get("accept-language")

    async def _load_gap(self, conversation_id: str, after: int) -> list[tuple[int, str]]:
        messages = await queries.messages_after(self.rt, conversation_id, after, False)
        return [(message.seq, message_frame(message)) for message in messages]

    async def read_loop(self) -> None:
        if not await self._read_until_hello():
            return
        # One frame per call, so nothing of the last frame (the message, its text, the
        # parsed hello) stays referenced while an idle socket waits (~1.5 KB per socket).
        while await self._read_frame():
            pass

    async def _read_until_hello(self) -> bool:
        """Read frames until a hello succeeds; a socket that sends none within
        ``hello_timeout_seconds`` is closed with 1008. Only the wait for a frame is
        timed: a hello that arrived in time is never cut off while it is handled."""
        deadline = time.monotonic() + self.rt.settings.hello_timeout_seconds
        while self.visitor_id is None:
            remaining = deadline - time.monotonic()
            try:
                if remaining <= 0:
                    raise TimeoutError
                async with asyncio.timeout(remaining):
                    message = await self.websocket.receive()
            except TimeoutError:
                log.info("closing visitor socket: no hello within the deadline")
                await self.websocket.close(POLICY_VIOLATION)
                return False
            if not await self._read_frame(message):
                return False
        return True

    async def _read_frame(self, message: Message | None = None) -> bool:
        if message is None:
            message = await self.websocket.receive()
        if message["type"] == "websocket.disconnect":
            return False
        metrics.FRAMES_IN.labels("visitor").inc()
        text = message.get("text")
        if text is None:
            self.refuse(ProtocolError("binary_not_supported", "frames must be JSON text"))
            return True
        if not self.frame_budget.take():
            self.refuse(
                ProtocolError("rate_limited", "too many frames; slow down", client_id_of(text))
            )
            return True
        ref = None
        try:
            frame = parse_visitor_frame(text)
            ref = getattr(frame, "client_id", None)
            await self.handle(frame)
        except Exception as exc:
            self.refuse(exc, ref)
        return True

    def refuse(self, exc: Exception, ref: str | None = None) -> None:
        self.connection.send(error_for("visitor", exc, ref))
        now = time.monotonic()
        self._refusals = [t for t in self._refusals if now - t < ABUSE_WINDOW]
        self._refusals.append(now)
        if len(self._refusals) > ABUSE_REFUSALS:
            self.connection.abort("flood of refused frames")

    async def handle(self, frame: Any) -> None:
        if isinstance(frame, Hello):
            await self.hello(frame)
            return
        if self.visitor_id is None:
            raise ProtocolError(
                "hello_required", "send hello first", getattr(frame, "client_id", None)
            )
        if isinstance(frame, VisitorSend):
            await self.send_message(frame)
        elif isinstance(frame, PageViewFrame):

            def entered(outcome: Entered) -> None:
                self.page_view_id = outcome.page_view_id
                if self.inviter is not None:
                    self.inviter.page_entered(frame.url)

            await enter_page(
                self.rt,
                self.site,
                self.visitor_id,
                self.page_view_id,
                frame.url,
                frame.title,
                frame.referrer,
                on_stored=entered,
            )
        elif isinstance(frame, Visibility):
            if self.inviter is not None:
                self.inviter.visibility(frame.visible)
            if self.page_view_id:
                await set_visibility(self.rt, self.visitor_id, self.page_view_id, frame.visible)
        elif isinstance(frame, VisitorTyping):
            await self.typing(frame.active)
        elif isinstance(frame, RatingSubmit):
            rated = await deliver(
                self.rt, commands.rate(self.rt, self.visitor_id, frame.score, frame.comment)
            )
            self.connection.send(rating_recorded_frame(rated.conversation.id, frame.score))
        elif isinstance(frame, Identify):

            def identified(_: Update) -> None:
                self.connection.send(identified_frame(frame.name, frame.email))

            await identify_contact(
                self.rt, self.visitor_id, frame.name, frame.email, on_stored=identified
            )

    async def hello(self, frame: Hello) -> None:
        if self.visitor_id is not None:
            raise ProtocolError("already_identified", "hello was sent already on this connection")
        arrival = await arrive(
            self.rt,
            self.site,
            frame.visitor_token,
            frame.page.url,
            frame.page.title,
            frame.page.referrer,
            self.ip,
            self.user_agent,
        )
        visitor = arrival.visitor
        # arrive() counted this socket in presence (and called off a pending departure):
        # from here on, closed() uncounts it.
        self.visitor_id, self.page_view_id = visitor.id, arrival.page_view_id
        self.is_bot = visitor.is_bot
        self.connection.hold()
        try:  # whatever fails, live events must not pile up behind the hold
            await self.hub.attach(self.connection, [visitor_topic(visitor.id), VISITORS_TOPIC])
            conversation = arrival.conversation
            self.connection.send(
                visitor_welcome_frame(
                    visitor.id,
                    visitor.token,
                    conversation,
                    await agents_online_at(self.rt, self.site.id),
                    sites.public_site_view(self.site),
                )
            )
            if conversation is not None:
                await self._send_backlog(conversation.id, conversation.last_visible_seq, frame)
        finally:
            self.connection.release()
        # Agents hear of the arrival only now, after the welcome and the backlog, with
        # presence asked now: the welcome is this command's acknowledgement, but it
        # needs awaits (attach, agents online, backlog) that deliver()'s synchronous
        # on_stored cannot make, so the hello publishes at deliver()'s point itself.
        await self.rt.publish(await arrival_events(self.rt, arrival))
        rules = invitations.rules_of(self.site)
        if rules and not self.is_bot:
            self.inviter = invitations.AutoInviter(rules, self._offer_invitation)
            self.inviter.page_entered(frame.page.url)

    async def _send_backlog(
        self, conversation_id: str, last_visible_seq: int, frame: Hello
    ) -> None:
        # A last_seq beyond the conversation's (a stale one from an older conversation,
        # or a made-up one) must not hide the messages still to come, nor reach the
        # query as a number the column cannot hold: count from what is really there.
        claimed = min(frame.last_seq, last_visible_seq)
        backlog = await queries.messages_after(
            self.rt, conversation_id, claimed, include_internal=False
        )
        for message in backlog:
            self.connection.send(message_frame(message))
        self.connection.mark_sent(conversation_id, backlog[-1].seq if backlog else claimed)

    async def _offer_invitation(self, rule: invitations.InviteRule) -> bool:
        assert self.visitor_id is not None
        text = invitations.pick_text(rule.text, self.accept_language, self.site.locale)
        posted = await invitations.offer_invitation(self.rt, self.site, self.visitor_id, rule, text)
        if posted is None:
            return False
        await self.rt.publish(posted.events)
        return True

    async def send_message(self, frame: VisitorSend) -> None:
        assert self.visitor_id is not None
        if not await self.rt.message_limiter.allow(self.visitor_id):
            metrics.RATE_LIMITED.labels("visitor").inc()
            raise ProtocolError(
                "rate_limited", "too many messages; retry in a moment", frame.client_id
            )

        def ack(posted: Posted) -> None:
            self.connection.send(ack_frame(frame.client_id, posted.message))

        await deliver(
            self.rt,
            commands.post_visitor_message(self.rt, self.visitor_id, frame.client_id, frame.text),
            ack,
        )

    async def typing(self, active: bool) -> None:
        assert self.visitor_id is not None
        conversation = await queries.open_conversation_for(self.rt, self.visitor_id)
        if conversation is None:
            return
        await self.rt.publish(
            [
                TypingChanged(
                    conversation.id,
                    self.visitor_id,
                    "visitor",
                    self.visitor_id,
                    None,
                    active,
                    conversation.site_id,
                )
            ]
        )

    async def closed(self) -> None:
        if self.inviter is not None:
            await self.inviter.aclose()
        await self.hub.detach(self.connection)
        if self.visitor_id is None:
            return
        await close_tab(self.rt, self.visitor_id, self.page_view_id, self.is_bot)


async def visitor_endpoint(websocket: WebSocket) -> None:
    rt: Runtime = websocket.app.state.runtime
    hub: Hub = websocket.app.state.hub
    site = await sites.site_by_key(rt, websocket.query_params.get("site"))
    if site is None or not origin_allowed(site.origins, websocket.headers.get("origin")):
        # Refused at the handshake: the client sees HTTP 403.
        await websocket.close(POLICY_VIOLATION)
        return
    await websocket.accept()
    metrics.CONNECTIONS.labels("visitor").inc()
    session = VisitorSession(rt, hub, site, websocket)
    try:
        await session.connection.run(session.read_loop)
    except WebSocketDisconnect:
        pass
    finally:
        metrics.CONNECTIONS.labels("visitor").dec()
        await session.closed()
