"""The message path's SQL, built once: constructing SQL expressions costs more than
running these on SQLite. Row locks are ``FOR NO KEY UPDATE`` (``key_share``) so that
they serialise writers without blocking PostgreSQL's foreign-key checks."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update

from chat_server.chat.transitions import OPEN
from chat_server.model.tables import Conversation, Message, Visitor

MESSAGE = Message.__table__
CONVERSATION = Conversation.__table__
VISITOR = Visitor.__table__

SENT = select(MESSAGE).where(
    MESSAGE.c.sender_key == bindparam("sender_key"), MESSAGE.c.client_id == bindparam("client_id")
)
CONVERSATION_BY_ID = select(CONVERSATION).where(CONVERSATION.c.id == bindparam("conversation_id"))
VISITOR_BY_ID = select(
    VISITOR.c.id,
    VISITOR.c.site_id,
    VISITOR.c.name,
    VISITOR.c.email,
    VISITOR.c.is_bot,
    VISITOR.c.visits,
).where(VISITOR.c.id == bindparam("visitor_id"))
# Locking the visitor orders a visitor's concurrent sends (tabs on several processes),
# so that they never start two conversations.
LOCK_VISITOR = VISITOR_BY_ID.with_for_update(key_share=True)
OPEN_CONVERSATION = (
    select(CONVERSATION)
    .where(CONVERSATION.c.visitor_id == bindparam("visitor_id"), CONVERSATION.c.status == OPEN)
    .order_by(CONVERSATION.c.created_at.desc())
    .limit(1)
)
# The steady state of a post is one SELECT: the row to change, locked, with the id of
# a message already sent under this client_id (a retry) alongside.
SENT_ID = (
    select(MESSAGE.c.id)
    .where(
        MESSAGE.c.sender_key == bindparam("sender_key"),
        MESSAGE.c.client_id == bindparam("client_id"),
    )
    .scalar_subquery()
    .label("sent_id")
)
CONVERSATION_COLUMNS = tuple(column.key for column in CONVERSATION.c)
LOCK_OPEN_CONVERSATION_AND_VISITOR = (
    select(
        CONVERSATION,
        VISITOR.c.name.label("visitor_name"),
        VISITOR.c.email.label("visitor_email"),
        SENT_ID,
    )
    .join_from(CONVERSATION, VISITOR, VISITOR.c.id == CONVERSATION.c.visitor_id)
    .where(CONVERSATION.c.visitor_id == bindparam("visitor_id"), CONVERSATION.c.status == OPEN)
    .order_by(CONVERSATION.c.created_at.desc())
    .limit(1)
    .with_for_update(key_share=True, of=[CONVERSATION, VISITOR])
)
LOCK_CONVERSATION_AND_SENT = (
    select(CONVERSATION, SENT_ID)
    .where(CONVERSATION.c.id == bindparam("conversation_id"))
    .with_for_update(key_share=True, of=CONVERSATION)
)
INSERT_MESSAGE = insert(MESSAGE)
INSERT_CONVERSATION = insert(CONVERSATION)
UPDATE_CONVERSATION = update(CONVERSATION).where(CONVERSATION.c.id == bindparam("b_id"))
MESSAGES_AFTER = (
    select(MESSAGE)
    .where(
        MESSAGE.c.conversation_id == bindparam("conversation_id"),
        MESSAGE.c.seq > bindparam("after"),
    )
    .order_by(MESSAGE.c.seq)
)
VISIBLE_MESSAGES_AFTER = MESSAGES_AFTER.where(MESSAGE.c.internal == False)  # noqa: E712
