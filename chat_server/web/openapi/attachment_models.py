"""The attachment shape (CONTRACT section 12) of ``Message.attachments`` and of an upload's
answer; beside ``models`` so that the attachments' shapes stay in one small module."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Attachment(BaseModel):
    """A file a message carries; ``url`` and ``thumbnail_url`` are API paths that need the
    visitor's headers or an agent's credentials (never a secret in the URL)."""

    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    content_type: str
    size: int
    url: str
    thumbnail_url: str | None


class UploadForm(BaseModel):
    """``multipart/form-data`` with the file in the field ``file``."""

    file: bytes
