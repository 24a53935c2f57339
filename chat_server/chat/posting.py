"""Storing a message: one plain function over a Core connection per command, run by
:meth:`Database.write <chat_server.storage.database.Database.write>`, which commits
the messages arriving together in one transaction.

Each function looks its ``client_id`` up first (a repeat returns the first result),
locks the rows it changes, takes the next ``seq``, opens or answers the SLA wait
and inserts the message. It returns a :class:`Posted` whose events announce it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from chat_server.attachments import claims
from chat_server.chat import statements
from chat_server.chat.transitions import OPEN, RESOLVED, next_status
from chat_server.model.errors import NotFound
from chat_server.model.events import DomainEvent, MessagePosted
from chat_server.model.tables import AuthorKind, Conversation, Message, Visitor, new_id, utcnow
from chat_server.search.index import index_message
from chat_server.sla.policy import load_policy
from chat_server.sla.waits import close_wait, open_wait
from chat_server.storage import deferred
from chat_server.storage.prepared import Prepared

# A message's statements, with little per-call overhead (storage.prepared).
_LOCK_OPEN_CONVERSATION_AND_VISITOR = Prepared(statements.LOCK_OPEN_CONVERSATION_AND_VISITOR)
_LOCK_CONVERSATION_AND_SENT = Prepared(statements.LOCK_CONVERSATION_AND_SENT)
_LOCK_VISITOR = Prepared(statements.LOCK_VISITOR)
_UPDATE_CONVERSATION = Prepared(statements.UPDATE_CONVERSATION)
_INSERT_MESSAGE = Prepared(statements.INSERT_MESSAGE)
_INSERT_CONVERSATION = Prepared(statements.INSERT_CONVERSATION)


@dataclass
class Posted:
    message: Message
    conversation: Conversation
    duplicate: bool = False
    #: The visitor's name and e-mail for the agents' conversation view.
    visitor: Visitor | None = None
    created: bool = False
    wait_changed: bool = False

    @property
    def events(self) -> list[DomainEvent]:
        """A repeat announces nothing: its first send was announced."""
        if self.duplicate:
            return []
        return [
            MessagePosted(
                self.message, self.conversation, self.visitor, self.created, self.wait_changed
            )
        ]


@dataclass(frozen=True)
class Author:
    kind: AuthorKind
    id: str | None
    name: str | None
    #: "visitor:<id>", "agent:<id>" or "system:<visitor id>": client_id is unique per
    #: sender, so a retry finds the first send even before it knows the conversation.
    sender_key: str


def find_sent(connection: Connection, sender_key: str, client_id: str) -> Posted | None:
    row = connection.execute(
        statements.SENT, {"sender_key": sender_key, "client_id": client_id}
    ).first()
    if row is None:
        return None
    conversation = connection.execute(
        statements.CONVERSATION_BY_ID, {"conversation_id": row.conversation_id}
    ).one()
    return Posted(
        Message.model_construct(**row._mapping),
        Conversation.model_construct(**conversation._mapping),
        duplicate=True,
    )


def _new_conversation(
    site_id: str, visitor_id: str, now: datetime, assignee_id: str | None
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "site_id": site_id,
        "visitor_id": visitor_id,
        "status": OPEN,
        "assignee_id": assignee_id,
        "created_at": now,
        "first_response_at": None,
        "resolved_at": None,
        "last_seq": 0,
        "last_visible_seq": 0,
        "waiting_since": None,
        "wait_kind": None,
        "rating": None,
        "rating_comment": None,
        "handled_by_bot": False,
        "handed_over_at": None,
        "bot_answers": 0,
        "bot_helpful": None,
        "bot_feedback_seq": None,
    }


def _next_message(
    conversation: dict[str, Any],
    author: Author,
    client_id: str | None,
    text: str,
    internal: bool,
    now: datetime,
) -> dict[str, Any]:
    """The conversation's next message; its seq is taken from ``conversation``."""
    conversation["last_seq"] += 1
    if not internal:
        conversation["last_visible_seq"] = conversation["last_seq"]
    return {
        "id": new_id(),
        "conversation_id": conversation["id"],
        "seq": conversation["last_seq"],
        "client_id": client_id,
        "sender_key": author.sender_key,
        "author_kind": author.kind.value,
        "author_id": author.id,
        "author_name": author.name,
        "text": text,
        "internal": internal,
        "created_at": now,
    }


def _insert_conversation(connection: Connection, conversation: dict[str, Any]) -> dict[str, Any]:
    _INSERT_CONVERSATION.run(connection, conversation)
    return dict(conversation)


def _save(
    connection: Connection,
    conversation: dict[str, Any],
    before: dict[str, Any],
    message: dict[str, Any],
    files: list[dict[str, Any]] | None = None,
) -> None:
    """Write the conversation's changed columns, then its new message (and tie the
    ``files`` it carries to it)."""
    changed = {key: value for key, value in conversation.items() if before[key] != value}
    _UPDATE_CONVERSATION.run(connection, {"b_id": conversation["id"], **changed})
    if files:
        message["attachments"] = files
        _INSERT_MESSAGE.run(connection, message)
        claims.attach(connection, files, message, conversation["site_id"])
    else:
        # Nothing later in the batch reads the row back (the next message of the
        # conversation takes its seq from the row updated above), so it joins the
        # batch's other messages in one INSERT before the commit: one round trip less
        # per message on PostgreSQL. A repeated client_id the batch did not see then
        # fails that INSERT, and the writes run again one by one (storage.database).
        deferred.add(connection, statements.INSERT_MESSAGE, message)
    # Searchable once committed: one more row in the same transaction.
    index_message(connection, message)


def _claim(
    connection: Connection, author: Author, attachments: Sequence[str]
) -> list[dict[str, Any]] | None:
    """The files a message will carry, checked before anything is written."""
    if not attachments:
        return None
    return claims.claim(connection, attachments, author.kind.value, author.id or "")


def _posted(
    conversation: dict[str, Any],
    message: dict[str, Any],
    visitor: Visitor | None,
    created: bool = False,
    wait_changed: bool = False,
) -> Posted:
    return Posted(
        Message.model_construct(**message),
        Conversation.model_construct(**conversation),
        visitor=visitor,
        created=created,
        wait_changed=wait_changed,
    )


def _conversation_of(row: Mapping[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in statements.CONVERSATION_COLUMNS}


def store_visitor_message(
    connection: Connection,
    author: Author,
    client_id: str,
    text: str,
    assistant: bool = False,
    attachments: Sequence[str] = (),
    locale: str | None = None,
) -> Posted:
    """A visitor's message in its open conversation, which starts if there is none
    (in ``locale``, the widget's language, which its e-mails use).

    ``assistant``: the site's assistant answers now (its mode applies). While it
    handles the conversation the message opens no wait (CONTRACT section 14).
    """
    keys = {"visitor_id": author.id, "sender_key": author.sender_key, "client_id": client_id}
    row = _LOCK_OPEN_CONVERSATION_AND_VISITOR.first_named(connection, keys)
    now = utcnow()
    if row is not None:
        if row["sent_id"] is not None:
            return find_sent(connection, author.sender_key, client_id) or _gone()
        files = _claim(connection, author, attachments)
        before = _conversation_of(row)
        visitor = Visitor.model_construct(
            id=row["visitor_id"],
            site_id=row["site_id"],
            name=row["visitor_name"],
            email=row["visitor_email"],
        )
    else:
        found = find_sent(connection, author.sender_key, client_id)
        if found:
            return found
        files = _claim(connection, author, attachments)
        visitor_row = _LOCK_VISITOR.first_named(connection, {"visitor_id": author.id})
        if visitor_row is None:
            raise NotFound("visitor_not_found", "this visitor no longer exists")
        visitor = Visitor.model_construct(**visitor_row)
        before = _insert_conversation(
            connection,
            _new_conversation(visitor.site_id, visitor.id, now, None) | {"locale": locale},
        )
    author = replace(author, name=visitor.name)
    conversation = dict(before)
    message = _next_message(conversation, author, client_id, text, False, now)
    opened = False
    if not assistant_handles(conversation, assistant, now):
        policy = load_policy(connection, conversation["site_id"])
        opened = open_wait(connection, conversation, now, policy)
    _save(connection, conversation, before, message, files)
    return _posted(conversation, message, visitor, created=row is None, wait_changed=opened)


def assistant_handles(conversation: dict[str, Any], assistant: bool, now: datetime) -> bool:
    """Whether the assistant handles the conversation at this visitor message.

    It takes one nobody has touched yet (no agent, no wait, never handed over) and
    keeps it until it hands over; when its mode stops applying (an agent came online
    in ``offline`` mode) the conversation passes to the people at this message.
    """
    if conversation.get("handled_by_bot"):
        if assistant:
            return True
        conversation["handled_by_bot"] = False
        conversation["handed_over_at"] = now
        conversation["bot_feedback_seq"] = None
        return False
    untouched = (
        conversation.get("handed_over_at") is None
        and conversation["assignee_id"] is None
        and conversation["waiting_since"] is None
        and conversation["first_response_at"] is None
    )
    if assistant and untouched:
        conversation["handled_by_bot"] = True
        return True
    return False


def _gone() -> Posted:
    raise NotFound("message_not_found", "the message sent under this client_id is gone")


def store_agent_message(
    connection: Connection,
    author: Author,
    conversation_id: str,
    client_id: str,
    text: str,
    internal: bool,
    attachments: Sequence[str] = (),
) -> Posted:
    """An agent's reply or internal note; a reply answers the open wait and reopens a
    resolved conversation."""
    keys = {
        "conversation_id": conversation_id,
        "sender_key": author.sender_key,
        "client_id": client_id,
    }
    row = _LOCK_CONVERSATION_AND_SENT.first_named(connection, keys)
    if row is not None and row["sent_id"] is not None:
        return find_sent(connection, author.sender_key, client_id) or _gone()
    if row is None:
        found = find_sent(connection, author.sender_key, client_id)
        if found:
            return found
        raise NotFound("conversation_not_found", "no such conversation")
    files = _claim(connection, author, attachments)
    now = utcnow()
    before = _conversation_of(row)
    conversation = dict(before)
    if conversation["status"] == RESOLVED and not internal:
        conversation["status"] = next_status(RESOLVED, "reopen")
        conversation["resolved_at"] = None
    message = _next_message(conversation, author, client_id, text, internal, now)
    answered = False
    if not internal:
        answered = close_wait(connection, conversation, now, answered_by=author.id)
        if conversation["first_response_at"] is None:
            conversation["first_response_at"] = now
        if conversation["assignee_id"] is None:
            conversation["assignee_id"] = author.id
    _save(connection, conversation, before, message, files)
    # The agents' conversation view names the visitor: load it only when one is sent.
    visitor = None
    if answered:
        visitor_row = connection.execute(
            statements.VISITOR_BY_ID, {"visitor_id": conversation["visitor_id"]}
        ).first()
        visitor = Visitor.model_construct(**visitor_row._mapping) if visitor_row else None
    return _posted(conversation, message, visitor, wait_changed=answered)


@dataclass(frozen=True)
class Refused:
    """A conversation was not started; ``code`` says why."""

    code: str


def start_conversation(
    connection: Connection,
    author: Author,
    visitor_id: str,
    client_id: str,
    text: str,
    visit: int | None,
) -> Posted | Refused:
    """A new conversation whose first message is ``author``'s (an agent's invitation,
    or the system's automatic one, then only during the given ``visit``)."""
    found = find_sent(connection, author.sender_key, client_id)
    if found:
        return found
    visitor_row = connection.execute(statements.LOCK_VISITOR, {"visitor_id": visitor_id}).first()
    if visitor_row is None:
        return Refused("visitor_not_found")
    visitor = Visitor.model_construct(**visitor_row._mapping)
    if visit is not None and (visitor.is_bot or visitor.visits != visit):
        return Refused("not_this_visit")
    if (
        connection.execute(statements.OPEN_CONVERSATION, {"visitor_id": visitor_id}).first()
        is not None
    ):
        return Refused("conversation_exists")
    now = utcnow()
    assignee = author.id if author.kind == AuthorKind.agent else None
    before = _insert_conversation(
        connection, _new_conversation(visitor.site_id, visitor.id, now, assignee)
    )
    conversation = dict(before)
    message = _next_message(conversation, author, client_id, text, False, now)
    _save(connection, conversation, before, message)
    return _posted(conversation, message, visitor, created=True)
