"""Erasing files with their visitor (KVKK/GDPR) or their conversation (retention).

The rows go inside the caller's transaction; the files on disk only once it has
committed (:func:`chat_server.attachments.store.delete_files`), so a rolled-back
erasure never leaves rows that name missing files.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from chat_server.model.attachment_tables import Upload

VISITOR = "visitor"


async def forget_visitor(
    session: AsyncSession, visitor_id: str, conversation_ids: Any
) -> list[str]:
    """Delete the rows of the visitor's own uploads and of every file in its
    conversations (``conversation_ids``: a subquery); returns their ids."""
    return await _forget(
        session,
        or_(
            (Upload.uploader_kind == VISITOR) & (Upload.uploader_id == visitor_id),
            Upload.conversation_id.in_(conversation_ids),
        ),
    )


async def forget_conversations(session: AsyncSession, conversation_ids: Any) -> list[str]:
    """Delete the rows of the files of these conversations; returns their ids."""
    return await _forget(session, Upload.conversation_id.in_(conversation_ids))


async def _forget(session: AsyncSession, condition: Any) -> list[str]:
    ids = list((await session.execute(select(Upload.id).where(condition))).scalars())
    if ids:
        await session.execute(
            delete(Upload).where(Upload.id.in_(ids)),
            execution_options={"synchronize_session": False},
        )
    return ids
