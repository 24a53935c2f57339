"""A reply by e-mail becomes the visitor's message in its conversation.

The same Core path as a message from the widget (:func:`chat.posting.store_visitor_message`),
so agents get ``message.created``, a wait opens and the reactors run; a resolved
conversation is reopened first through the transition table. Idempotent on the
mail's ``Message-ID``: a relay delivering the same mail twice posts it once.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from chat_server.chat.posting import Author, Posted, find_sent, store_visitor_message
from chat_server.chat.transitions import RESOLVED, next_status
from chat_server.model.errors import NotFound
from chat_server.model.tables import AuthorKind, Conversation
from chat_server.runtime.delivery import deliver
from chat_server.runtime.state import Runtime

CONVERSATION = Conversation.__table__  # type: ignore[attr-defined]


def client_id_for(message_id: str) -> str:
    """A ``client_id`` of the mail's Message-ID: one per mail, whatever its length."""
    return "email:" + hashlib.sha256(message_id.strip().encode()).hexdigest()[:48]


def store_email_reply(
    connection: Connection, conversation_id: str, client_id: str, text: str
) -> Posted:
    row = connection.execute(
        select(CONVERSATION.c.id, CONVERSATION.c.visitor_id, CONVERSATION.c.status)
        .where(CONVERSATION.c.id == conversation_id)
        .with_for_update(key_share=True)
    ).first()
    if row is None:
        raise NotFound("conversation_not_found", "the conversation of this reply is gone")
    author = Author(AuthorKind.visitor, row.visitor_id, None, f"visitor:{row.visitor_id}")
    found = find_sent(connection, author.sender_key, client_id)
    if found is not None:
        return found
    if row.status == RESOLVED:
        connection.execute(
            update(CONVERSATION)
            .where(CONVERSATION.c.id == conversation_id)
            .values(status=next_status(RESOLVED, "reopen"), resolved_at=None)
        )
    return store_visitor_message(connection, author, client_id, text)


async def post_email_reply(rt: Runtime, conversation_id: str, message_id: str, text: str) -> Posted:
    """Store the reply, then announce it like any visitor message."""
    client_id = client_id_for(message_id)

    async def command() -> Posted:
        try:
            return await rt.db.write(
                lambda connection: store_email_reply(connection, conversation_id, client_id, text)
            )
        except IntegrityError:
            # The same mail delivered to two processes at once: the other one won.
            def first(connection: Connection) -> Posted | None:
                visitor_id = connection.execute(
                    select(CONVERSATION.c.visitor_id).where(CONVERSATION.c.id == conversation_id)
                ).scalar_one()
                return find_sent(connection, f"visitor:{visitor_id}", client_id)

            found = await rt.db.read(first)
            if found is None:
                raise
            return found

    return await deliver(rt, command())
