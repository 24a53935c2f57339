"""A visitor's earlier conversations, for ``welcome.history``.

The shopper keeps the transcript of what it discussed lately (and a resolution it has
not rated yet still offers its rating) after a reload or on another page: the
conversations resolved within :data:`HISTORY_DAYS`, newest first, at most
:data:`HISTORY_CONVERSATIONS`, each with its visible messages (never internal notes),
at most the last :data:`HISTORY_MESSAGES` of each, so a welcome stays small.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, select

from chat_server.chat.transitions import RESOLVED
from chat_server.model.tables import Conversation, Message
from chat_server.runtime.state import Runtime
from chat_server.storage.prepared import Prepared

HISTORY_DAYS = 30
HISTORY_CONVERSATIONS = 5
HISTORY_MESSAGES = 200

CONVERSATION = Conversation.__table__
MESSAGE = Message.__table__

Earlier = list[tuple[Conversation, list[Message]]]


# Read at every hello (a reconnect storm is thousands of them): built once, run with
# little per-call overhead (storage.prepared).
_RESOLVED_LATELY = Prepared(
    select(CONVERSATION)
    .where(
        CONVERSATION.c.visitor_id == bindparam("visitor_id"),
        CONVERSATION.c.status == RESOLVED,
        CONVERSATION.c.resolved_at >= bindparam("since", type_=CONVERSATION.c.resolved_at.type),
    )
    .order_by(CONVERSATION.c.resolved_at.desc(), CONVERSATION.c.id.desc())
    .limit(HISTORY_CONVERSATIONS)
)


def _earlier(connection: Connection, visitor_id: str, now: datetime) -> Earlier:
    rows = _RESOLVED_LATELY.all_named(
        connection, {"visitor_id": visitor_id, "since": now - timedelta(days=HISTORY_DAYS)}
    )
    if not rows:
        return []
    conversations = [Conversation.model_construct(**row) for row in rows]
    messages: dict[str, list[Message]] = {c.id: [] for c in conversations}
    found = connection.execute(
        select(MESSAGE)
        .where(MESSAGE.c.conversation_id.in_(list(messages)), MESSAGE.c.internal.is_(False))
        .order_by(MESSAGE.c.conversation_id, MESSAGE.c.seq)
    )
    for row in found:
        messages[row.conversation_id].append(Message.model_construct(**row._mapping))
    return [(c, messages[c.id][-HISTORY_MESSAGES:]) for c in conversations]


async def earlier_conversations(rt: Runtime, visitor_id: str, now: datetime) -> Earlier:
    """The visitor's conversations resolved lately, newest first, with visible messages."""
    return await rt.db.read(lambda connection: _earlier(connection, visitor_id, now))
