"""The uploaded files of attachments (issue 15).

An upload belongs to whoever sent it (``uploader_kind`` + ``uploader_id``) until a
message carries it; from then on to that message's conversation. The columns that
name the conversation and the message carry no foreign key on purpose: erasure and
retention delete uploads by conversation before or after the messages, in whatever
order their transaction runs, and a dangling id only ever hides a file.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary
from sqlmodel import Field, SQLModel

from chat_server.model.tables import new_id, time_column


class Upload(SQLModel, table=True):
    __table_args__ = (Index("ix_upload_uploader", "uploader_kind", "uploader_id", "created_at"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    site_id: str | None = Field(default=None, index=True)
    conversation_id: str | None = Field(default=None, index=True)
    message_id: str | None = None
    uploader_kind: str  # "visitor" or "agent"
    uploader_id: str
    name: str
    content_type: str
    size: int
    sha256: str
    storage: str  # "files" or "database"
    #: The bytes when ``storage`` is "database"; null when they live in a file.
    blob: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    #: The thumbnail's type (null: no thumbnail) and, in the database, its bytes.
    thumbnail_type: str | None = None
    thumbnail_blob: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    created_at: datetime = time_column()
