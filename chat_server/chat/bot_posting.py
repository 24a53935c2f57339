"""The assistant's writes to a conversation: its messages, the hand-over to people and
the visitor's "Did this help?".

Plain functions over a Core connection, like :mod:`chat_server.chat.posting`, run by
``Database.write``. The assistant's messages take the next ``seq`` like any other,
are idempotent (``sender_key`` ``bot:<conversation>`` with a ``client_id`` derived
from the visitor message they answer) and never touch a wait: first response
measures people (CONTRACT section 11). Handing over opens the wait at that moment,
so routing takes the conversation like a new one (section 14).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection

from chat_server.chat import statements
from chat_server.chat.posting import (
    Author,
    Posted,
    _conversation_of,
    _next_message,
    _posted,
    _save,
    find_sent,
)
from chat_server.chat.transitions import OPEN
from chat_server.model.tables import AuthorKind, Visitor, utcnow
from chat_server.sla.policy import load_policy
from chat_server.sla.waits import open_wait


@dataclass(frozen=True)
class BotReply:
    """One thing the assistant says: ``answered`` when the text is an FAQ answer;
    ``asks_feedback`` for its "Did this help?", whose Yes / No the widget offers."""

    client_id: str
    text: str
    answered: bool = False
    asks_feedback: bool = False


def bot_author(conversation_id: str, name: str) -> Author:
    return Author(AuthorKind.bot, None, name, f"bot:{conversation_id}")


def store_bot_messages(
    connection: Connection, conversation_id: str, bot_name: str, replies: list[BotReply]
) -> list[Posted]:
    """The assistant's messages, while it still handles the open conversation (none once
    a person took over: the assistant does not speak over an agent). A repeat of the
    same replies returns them as first stored."""
    author = bot_author(conversation_id, bot_name)
    first = replies[0].client_id
    row = connection.execute(
        statements.LOCK_CONVERSATION_AND_SENT,
        {"conversation_id": conversation_id, "sender_key": author.sender_key, "client_id": first},
    ).first()
    if row is None:
        return []
    if row.sent_id is not None:
        found = (find_sent(connection, author.sender_key, reply.client_id) for reply in replies)
        return [posted for posted in found if posted is not None]
    if row.status != OPEN or not row.handled_by_bot:
        return []
    before = _conversation_of(row._mapping)
    conversation = dict(before)
    now = utcnow()
    stored = []
    for reply in replies:
        message = _next_message(conversation, author, reply.client_id, reply.text, False, now)
        if reply.answered:
            conversation["bot_answers"] = (conversation["bot_answers"] or 0) + 1
        if reply.asks_feedback:
            conversation["bot_feedback_seq"] = message["seq"]
        _save(connection, conversation, before, message)
        before = dict(conversation)
        stored.append(_posted(dict(conversation), message, None))
    return stored


def hand_over(
    connection: Connection,
    conversation_id: str,
    client_id: str,
    text: str,
    unhelpful: bool,
    by_bot: str | None = None,
) -> Posted | None:
    """Pass the conversation to the people: a message, and a wait that opens now.

    The message is the system's, or the assistant's (named ``by_bot``) when it says
    itself that a person will answer. ``unhelpful``: the visitor said the answer did
    not help. None when the assistant no longer handles it (handed over, resolved).
    """
    row = connection.execute(
        statements.LOCK_CONVERSATION_AND_SENT,
        {"conversation_id": conversation_id, "sender_key": "", "client_id": ""},
    ).first()
    if row is None or row.status != OPEN or not row.handled_by_bot:
        return None
    author = (
        bot_author(conversation_id, by_bot)
        if by_bot
        else Author(AuthorKind.system, None, None, f"system:{row.visitor_id}")
    )
    found = find_sent(connection, author.sender_key, client_id)
    if found is not None:
        return found
    now = utcnow()
    before = _conversation_of(row._mapping)
    conversation = dict(before)
    conversation["handled_by_bot"] = False
    conversation["handed_over_at"] = now
    if unhelpful:
        conversation["bot_helpful"] = False
    conversation["bot_feedback_seq"] = None
    message = _next_message(conversation, author, client_id, text, False, now)
    opened = open_wait(connection, conversation, now, load_policy(connection, row.site_id))
    _save(connection, conversation, before, message)
    visitor_row = connection.execute(
        statements.VISITOR_BY_ID, {"visitor_id": conversation["visitor_id"]}
    ).first()
    visitor = Visitor.model_construct(**visitor_row._mapping) if visitor_row else None
    return _posted(conversation, message, visitor, wait_changed=opened)


def mark_helpful(connection: Connection, conversation_id: str, visitor_id: str) -> bool:
    """The visitor said the assistant's answer helped; False when nothing awaited it."""
    row = connection.execute(
        statements.LOCK_CONVERSATION_AND_SENT,
        {"conversation_id": conversation_id, "sender_key": "", "client_id": ""},
    ).first()
    if row is None or row.visitor_id != visitor_id or row.bot_feedback_seq is None:
        return False
    connection.execute(
        statements.UPDATE_CONVERSATION,
        {"b_id": conversation_id, "bot_helpful": True, "bot_feedback_seq": None},
    )
    return True
