"""Tags on conversations: how a team sorts its work (``PUT .../tags``, ``?tag=``).

A tag is trimmed, its inner spaces folded to one, and lower-cased the way a Turkish
or English reader expects (``İADE`` and ``iade`` are one tag, ``KARGO`` is
``kargo``); at most :data:`MAX_TAGS` of at most :data:`MAX_TAG_CHARS` characters
each, duplicates dropped. The whole set is replaced at once.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select

from chat_server.model.errors import DomainError, NotFound
from chat_server.model.events import ConversationChanged, DomainEvent
from chat_server.model.scope import Scope
from chat_server.model.tables import Conversation, ConversationTag, Visitor
from chat_server.runtime.state import Runtime

TAG = ConversationTag.__table__
MAX_TAGS = 20
MAX_TAG_CHARS = 50
TAGS_OF = (
    select(TAG.c.tag)
    .where(TAG.c.conversation_id == bindparam("conversation_id"))
    .order_by(TAG.c.tag)
)


class InvalidTags(DomainError):
    status = 422


def normal_tag(value: str) -> str:
    """One spelling per tag: ``İ`` and ``I`` fold to ``i`` (not to ``i̇`` or ``ı``)."""
    folded = " ".join(value.split()).replace("İ", "i").replace("I", "i")
    return folded.lower()


def check_tags(value: Any) -> list[str]:
    """The body's ``tags`` as stored (sorted, unique), or ``422 invalid_tags``."""
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise InvalidTags("invalid_tags", "tags must be a list of strings")
    tags = sorted({normal_tag(tag) for tag in value})
    if any(not tag for tag in tags):
        raise InvalidTags("invalid_tags", "a tag cannot be empty")
    if any(len(tag) > MAX_TAG_CHARS or not tag.isprintable() for tag in tags):
        raise InvalidTags("invalid_tags", f"a tag is at most {MAX_TAG_CHARS} printable characters")
    if len(tags) > MAX_TAGS:
        raise InvalidTags("invalid_tags", f"a conversation has at most {MAX_TAGS} tags")
    return tags


def tags_of(connection: Connection, conversation_id: str) -> list[str]:
    return [tag for (tag,) in connection.execute(TAGS_OF, {"conversation_id": conversation_id})]


def tags_for(connection: Connection, conversation_ids: Collection[str]) -> dict[str, list[str]]:
    """Each conversation's tags, sorted (conversations without any are left out)."""
    found: dict[str, list[str]] = {}
    if not conversation_ids:
        return found
    rows = connection.execute(
        select(TAG.c.conversation_id, TAG.c.tag)
        .where(TAG.c.conversation_id.in_(sorted(conversation_ids)))
        .order_by(TAG.c.conversation_id, TAG.c.tag)
    )
    for conversation_id, tag in rows:
        found.setdefault(conversation_id, []).append(tag)
    return found


@dataclass
class Tagged:
    tags: list[str]
    events: list[DomainEvent]


async def set_tags(rt: Runtime, conversation_id: str, tags: list[str], scope: Scope) -> Tagged:
    """Replace the conversation's tags; agents hear of it in ``conversation.updated``."""
    async with rt.db.writing() as session:
        conversation = await session.get(
            Conversation, conversation_id, with_for_update={"key_share": True}
        )
        if conversation is None or not scope.allows(conversation.site_id):
            raise NotFound("not_found", "no such conversation")
        connection = await session.connection()
        await connection.execute(delete(TAG).where(TAG.c.conversation_id == conversation_id))
        if tags:
            await connection.execute(
                insert(TAG), [{"conversation_id": conversation_id, "tag": tag} for tag in tags]
            )
        visitor = await session.get(Visitor, conversation.visitor_id)
    return Tagged(tags, [ConversationChanged(conversation, visitor, False, tags)])
