"""Attaching uploads to a message, inside the message's own transaction.

:func:`claim` runs before the message path writes anything (a domain error must
come first, see ``Database.write``): every id must name an upload of this sender
that no message carries yet, else ``invalid_attachment`` and nothing is stored.
The rows are locked, so two messages racing for one upload on PostgreSQL cannot
both take it. :func:`attach` then ties them to the message just inserted. A message
without attachments never calls either: the hot path pays nothing for the feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from chat_server.model.attachment_tables import Upload
from chat_server.model.errors import DomainError

#: The most files one message may carry.
MAX_PER_MESSAGE = 10

UPLOAD = Upload.__table__
_CLAIMABLE = (
    select(
        UPLOAD.c.id,
        UPLOAD.c.uploader_kind,
        UPLOAD.c.uploader_id,
        UPLOAD.c.message_id,
        UPLOAD.c.name,
        UPLOAD.c.content_type,
        UPLOAD.c.size,
        UPLOAD.c.thumbnail_type,
    )
    .where(UPLOAD.c.id.in_(bindparam("ids", expanding=True)))
    .with_for_update(key_share=True)
)
_ATTACH = (
    update(UPLOAD)
    .where(UPLOAD.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        conversation_id=bindparam("conversation_id"),
        message_id=bindparam("message_id"),
        site_id=bindparam("site_id"),
    )
)


class InvalidAttachment(DomainError):
    status = 422

    def __init__(self, message: str) -> None:
        super().__init__("invalid_attachment", message)


def claim(
    connection: Connection, upload_ids: Sequence[str], uploader_kind: str, uploader_id: str
) -> list[dict[str, Any]]:
    """The metadata a message keeps of each upload, in the order given; raises
    :class:`InvalidAttachment` unless every upload is the sender's and still free."""
    if len(upload_ids) > MAX_PER_MESSAGE:
        raise InvalidAttachment(f"a message may carry at most {MAX_PER_MESSAGE} files")
    if len(set(upload_ids)) != len(upload_ids):
        raise InvalidAttachment("the same file is attached twice")
    rows = {row.id: row for row in connection.execute(_CLAIMABLE, {"ids": list(upload_ids)})}
    files = []
    for upload_id in upload_ids:
        row = rows.get(upload_id)
        if (
            row is None
            or row.uploader_kind != uploader_kind
            or row.uploader_id != uploader_id
            or row.message_id is not None
        ):
            raise InvalidAttachment(f"no file {upload_id[:64]!r} of yours to attach")
        files.append(
            {
                "id": row.id,
                "name": row.name,
                "content_type": row.content_type,
                "size": row.size,
                "thumbnail": row.thumbnail_type is not None,
            }
        )
    return files


def attach(
    connection: Connection,
    files: Sequence[dict[str, Any]],
    message: dict[str, Any],
    site_id: str,
) -> None:
    """Tie the claimed uploads to ``message`` (and its conversation and site)."""
    connection.execute(
        _ATTACH,
        {
            "ids": [file["id"] for file in files],
            "conversation_id": message["conversation_id"],
            "message_id": message["id"],
            "site_id": site_id,
        },
    )
