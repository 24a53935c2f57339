"""One shopper's tab, whatever carries its frames: a WebSocket or the SSE fallback.

The transports (``endpoints.widget_ws``, ``endpoints.sse_stream``) only move text:
they hand each client frame to :meth:`VisitorSession.handle_text` and give the
session a :class:`~chat_server.realtime.hub.FrameSink` to answer on. Everything a
frame means (limits, validation, the domain call, the answer, presence) is here,
once. Like the socket endpoints this module never touches SQL.

A new client frame type is one entry in :data:`FRAME_HANDLERS` at the bottom.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from chat_server.admin import sites
from chat_server.admin.online import agents_online_at
from chat_server.chat import commands, queries
from chat_server.chat.history import earlier_conversations
from chat_server.chat.posting import Posted
from chat_server.model.events import TypingChanged
from chat_server.model.tables import Site, utcnow
from chat_server.observe import metrics
from chat_server.realtime.hub import Connection, FrameSink, Hub
from chat_server.realtime.ratelimit import TokenBucket
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime
from chat_server.tracking.client_ip import resolve_client_ip
from chat_server.visitors import invitations
from chat_server.visitors.arrival import arrival_events, arrive
from chat_server.visitors.contacts import identify_contact
from chat_server.visitors.departure import close_tab
from chat_server.visitors.pages import Entered, enter_page, set_visibility
from chat_server.visitors.updates import Update
from chat_server.web import assistant_frames, mail_frames, read_receipts
from chat_server.wire.envelope import VISITORS_TOPIC, visitor_topic
from chat_server.wire.errors import error_for
from chat_server.wire.inbound import (
    AssistantFeedback,
    AssistantHandover,
    Hello,
    Identify,
    MessageSeen,
    PageViewFrame,
    ProtocolError,
    RatingSubmit,
    TranscriptRequest,
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
from chat_server.wire.views import history_view

log = logging.getLogger(__name__)

ABUSE_REFUSALS = 100  # refused frames within ABUSE_WINDOW before the transport is closed
ABUSE_WINDOW = 10.0


class Peer:
    """What the transport's request says about the shopper (resolved once)."""

    __slots__ = ("accept_language", "ip", "user_agent")

    def __init__(
        self,
        peer_host: str | None,
        headers: Any,
        trusted_proxies: Any,
    ) -> None:
        self.ip = resolve_client_ip(peer_host, headers.get("x-forwarded-for"), trusted_proxies)
        self.user_agent: str | None = headers.get("user-agent")
        self.accept_language: str | None = headers.get("accept-language")


class VisitorSession:
    # One per shopper's socket, 18,000 of them in a process: slots, not a dict each.
    __slots__ = (
        "_refusals",
        "accept_language",
        "connection",
        "conversation_id",
        "frame_budget",
        "hub",
        "inviter",
        "ip",
        "is_bot",
        "locale",
        "page_view_id",
        "rt",
        "site",
        "user_agent",
        "visitor_id",
    )

    def __init__(self, rt: Runtime, hub: Hub, site: Site, sink: FrameSink, peer: Peer) -> None:
        self.rt = rt
        self.hub = hub
        self.site = site
        self.connection = Connection(
            sink,
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
        # The widget's language (hello), kept on the conversation its first message opens.
        self.locale: str | None = None
        self.is_bot = False
        self.inviter: invitations.AutoInviter | None = None
        self._refusals: list[float] = []
        # Frames of any kind, per connection; messages are limited per visitor (all tabs).
        self.frame_budget = TokenBucket(rate=30.0, burst=60.0)
        self.ip = peer.ip
        self.user_agent = peer.user_agent
        self.accept_language = peer.accept_language

    async def _load_gap(self, conversation_id: str, after: int) -> list[tuple[int, str]]:
        messages = await queries.messages_after(self.rt, conversation_id, after, False)
        return [(message.seq, message_frame(message)) for message in messages]

    async def handle_text(self, text: str | None) -> None:
        """One client frame as the transport received it (None: not text)."""
        metrics.FRAMES_IN.labels("visitor").inc()
        if text is None:
            self.refuse(ProtocolError("binary_not_supported", "frames must be JSON text"))
            return
        if not self.frame_budget.take():
            self.refuse(
                ProtocolError("rate_limited", "too many frames; slow down", client_id_of(text))
            )
            return
        ref = None
        try:
            frame = parse_visitor_frame(text)
            ref = getattr(frame, "client_id", None)
            await self.handle(frame)
        except Exception as exc:
            self.refuse(exc, ref)

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
        handler = FRAME_HANDLERS.get(type(frame))
        if handler is not None:
            await handler(self, frame)

    async def page_view(self, frame: PageViewFrame) -> None:
        assert self.visitor_id is not None

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

    async def visibility(self, frame: Visibility) -> None:
        assert self.visitor_id is not None
        if self.inviter is not None:
            self.inviter.visibility(frame.visible)
        if self.page_view_id:
            await set_visibility(self.rt, self.visitor_id, self.page_view_id, frame.visible)

    async def rate(self, frame: RatingSubmit) -> None:
        assert self.visitor_id is not None
        rated = await deliver(
            self.rt,
            commands.rate(
                self.rt, self.visitor_id, frame.score, frame.comment, frame.conversation_id
            ),
        )
        self.connection.send(rating_recorded_frame(rated.conversation.id, frame.score))

    async def identify(self, frame: Identify) -> None:
        assert self.visitor_id is not None

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
        self.locale = mail_frames.widget_locale(frame.locale)
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
                    history_view(
                        []
                        if arrival.created
                        else await earlier_conversations(self.rt, visitor.id, utcnow())
                    ),
                    email=self.rt.settings.mail.enabled,
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

        posted = await deliver(
            self.rt,
            commands.post_visitor_message(
                self.rt,
                self.visitor_id,
                frame.client_id,
                frame.text,
                assistant=await assistant_frames.answers_now(self),
                attachments=frame.attachments,
                locale=self.locale,
            ),
            ack,
        )
        await assistant_frames.after_message(self, posted)

    async def typing(self, frame: VisitorTyping) -> None:
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
                    frame.active,
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


FrameHandler = Callable[[VisitorSession, Any], Awaitable[None]]

#: The method that answers each client frame after ``hello``: a new frame type is one
#: entry here (its model in ``wire.inbound``, its method above or in its own module).
FRAME_HANDLERS: dict[type[Any], FrameHandler] = {
    VisitorSend: VisitorSession.send_message,
    PageViewFrame: VisitorSession.page_view,
    Visibility: VisitorSession.visibility,
    VisitorTyping: VisitorSession.typing,
    RatingSubmit: VisitorSession.rate,
    Identify: VisitorSession.identify,
    MessageSeen: read_receipts.visitor_seen,
    AssistantFeedback: assistant_frames.visitor_feedback,
    AssistantHandover: assistant_frames.visitor_handover,
    TranscriptRequest: mail_frames.transcript,
}
