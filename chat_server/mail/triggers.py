"""What causes an e-mail: a reactor over committed messages, and the missed-conversation sweep.

The reactor runs inside the transaction of every committed change (the outbox's
``reactions`` registry): a visitor's message while no agent of the site is online
queues the shop's notice, an agent's public reply to a visitor with an address
queues the unseen-reply check. Both only queue; what is e-mailed is decided when the
item comes due (:mod:`chat_server.mail.outgoing`). The sweep finds first waits that
ended unanswered (a missed conversation) and queues the shop's notice once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import Connection, select

from chat_server.config.mail_settings import MailSettings
from chat_server.mail.outgoing import SHOP_KIND, VISITOR_KIND, queue_shop_notice
from chat_server.model.events import DomainEvent, MessagePosted
from chat_server.model.mail_tables import MailThread
from chat_server.model.tables import Visitor, Wait, WaitKind, WaitStatus, utcnow
from chat_server.outbox.availability import no_agent_online
from chat_server.outbox.items import enqueue
from chat_server.outbox.reactions import Reactor
from chat_server.runtime.state import Runtime

VISITOR = Visitor.__table__  # type: ignore[attr-defined]
WAIT = Wait.__table__  # type: ignore[attr-defined]
THREAD = MailThread.__table__  # type: ignore[attr-defined]
#: A missed conversation older than this when first noticed (say, after a long outage
#: of every process) is not announced any more.
MISSED_LOOKBACK = timedelta(hours=1)


def mail_reactor(settings: MailSettings) -> Reactor:
    def react(connection: Connection, events: Sequence[DomainEvent]) -> None:
        for event in events:
            if isinstance(event, MessagePosted) and not event.message.internal:
                if event.message.author_kind == "visitor":
                    _visitor_wrote(connection, event, settings)
                elif event.message.author_kind == "agent":
                    _agent_replied(connection, event, settings)

    return react


def _visitor_wrote(connection: Connection, event: MessagePosted, settings: MailSettings) -> None:
    conversation = event.conversation
    if not no_agent_online(connection, conversation.site_id):
        return
    now = utcnow()
    delay = settings.shop_notice_delay_seconds
    # Messages within one delay ride on one item; the handler collects them all.
    window = int(now.timestamp() // delay)
    queue_shop_notice(
        connection,
        conversation.id,
        conversation.site_id,
        "offline",
        now + timedelta(seconds=delay),
        f"{SHOP_KIND}:{conversation.id}:offline:{window}",
    )


def _agent_replied(connection: Connection, event: MessagePosted, settings: MailSettings) -> None:
    conversation = event.conversation
    email = (
        event.visitor.email
        if event.visitor is not None
        else connection.execute(
            select(VISITOR.c.email).where(VISITOR.c.id == conversation.visitor_id)
        ).scalar_one_or_none()
    )
    if not email:
        return
    posted_at = event.message.created_at
    enqueue(
        connection,
        kind=VISITOR_KIND,
        payload={
            "conversation_id": conversation.id,
            "visitor_id": conversation.visitor_id,
            "seq": event.message.seq,
            "posted_at": posted_at.isoformat(),
        },
        site_id=conversation.site_id,
        due_at=posted_at + timedelta(seconds=settings.unseen_reply_seconds),
        dedupe_key=f"{VISITOR_KIND}:{conversation.id}:{event.message.seq}",
    )


def _queue_missed(connection: Connection) -> int:
    now = utcnow()
    already = select(THREAD.c.conversation_id).where(
        (THREAD.c.shop_offline_mailed == True) | (THREAD.c.shop_missed_mailed == True)  # noqa: E712
    )
    rows = connection.execute(
        select(WAIT.c.conversation_id, WAIT.c.site_id).where(
            WAIT.c.kind == WaitKind.first_response.value,
            WAIT.c.status == WaitStatus.unanswered.value,
            WAIT.c.closed_at > now - MISSED_LOOKBACK,
            WAIT.c.conversation_id.not_in(already),
        )
    ).all()
    queued = 0
    for row in rows:
        queued += queue_shop_notice(
            connection,
            row.conversation_id,
            row.site_id,
            "missed",
            now,
            f"{SHOP_KIND}:{row.conversation_id}:missed",
        )
    return queued


async def queue_missed_conversations(rt: Runtime) -> int:
    """Queue the shop's notice of each conversation missed lately (once: a dedupe key)."""
    return await rt.db.write(_queue_missed)
