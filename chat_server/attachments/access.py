"""Who may download an upload: anyone else is told it does not exist (``404``).

- its uploader, before and after it is sent;
- the visitor of the conversation whose message carries it, unless that message is
  an internal note;
- agents whose sites (their :class:`Scope`) include the conversation's site.
"""

from __future__ import annotations

from sqlalchemy import select

from chat_server.model.attachment_tables import Upload
from chat_server.model.errors import NotFound
from chat_server.model.scope import Scope
from chat_server.model.tables import Conversation, Message
from chat_server.runtime.state import Runtime

VISITOR = "visitor"
AGENT = "agent"


def _not_found() -> NotFound:
    return NotFound("not_found", "no such file")


async def for_visitor(rt: Runtime, upload_id: str, visitor_id: str) -> Upload:
    async with rt.db.reading() as session:
        upload = await session.get(Upload, upload_id)
        if upload is None:
            raise _not_found()
        if upload.uploader_kind == VISITOR and upload.uploader_id == visitor_id:
            return upload
        if upload.message_id is None:
            raise _not_found()
        shown = await session.execute(
            select(Message.id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(
                Message.id == upload.message_id,
                Message.internal == False,  # noqa: E712
                Conversation.visitor_id == visitor_id,
            )
        )
        if shown.first() is None:
            raise _not_found()
        return upload


async def for_agent(rt: Runtime, upload_id: str, agent_id: str, scope: Scope) -> Upload:
    async with rt.db.reading() as session:
        upload = await session.get(Upload, upload_id)
    if upload is None:
        raise _not_found()
    if upload.uploader_kind == AGENT and upload.uploader_id == agent_id:
        return upload
    if upload.conversation_id is None or upload.site_id is None or not scope.allows(upload.site_id):
        raise _not_found()
    return upload
