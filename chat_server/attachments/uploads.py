"""Taking an upload in: size, type from the bytes, the visitor's hourly budget, then
the bytes (pictures re-encoded) and the row.

The web layer hands over the multipart file as a spooled temporary file (on disk
beyond 1 MiB), so nothing here holds more than one upload's bytes in memory, and a
PDF kept in files is copied across in chunks.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from dataclasses import dataclass
from typing import BinaryIO

from chat_server.attachments import images, store
from chat_server.attachments.sniff import HEAD_BYTES, IMAGE_TYPES, content_type_of, safe_name
from chat_server.config.settings import Settings
from chat_server.model.attachment_tables import Upload
from chat_server.model.errors import DomainError
from chat_server.model.tables import utcnow
from chat_server.runtime.state import Runtime

VISITOR = "visitor"
AGENT = "agent"
COPY_CHUNK = 256 * 1024


class TooLarge(DomainError):
    status = 413

    def __init__(self, limit: int) -> None:
        super().__init__("too_large", f"a file may be at most {limit // (1024 * 1024)} MiB")


class UploadsRateLimited(DomainError):
    status = 429

    def __init__(self, per_hour: int) -> None:
        super().__init__("rate_limited", f"at most {per_hour} files an hour; try again later")


@dataclass(frozen=True)
class Uploader:
    kind: str  # VISITOR or AGENT
    id: str
    #: A visitor's site; an agent's upload takes its conversation's site when attached.
    site_id: str | None


@dataclass(frozen=True)
class Prepared:
    content_type: str
    size: int
    sha256: str
    data: bytes | None  # None: a PDF already copied to its file
    thumbnail: bytes | None
    thumbnail_type: str | None


def size_of(source: BinaryIO) -> int:
    source.seek(0, os.SEEK_END)
    size = source.tell()
    source.seek(0)
    return size


async def accept(
    rt: Runtime, uploader: Uploader, source: BinaryIO, declared_name: str | None
) -> Upload:
    """Store ``source`` for ``uploader``; raises ``too_large``, ``unsupported_type``,
    ``invalid_image`` or ``rate_limited`` (visitors only) before anything is kept."""
    settings = rt.settings
    if size_of(source) > settings.upload_max_bytes:
        raise TooLarge(settings.upload_max_bytes)
    content_type = content_type_of(source.read(HEAD_BYTES))
    source.seek(0)
    if uploader.kind == VISITOR and not await rt.upload_limiter.allow(f"upload:{uploader.id}"):
        raise UploadsRateLimited(settings.uploads_per_hour)
    upload = Upload(
        site_id=uploader.site_id,
        uploader_kind=uploader.kind,
        uploader_id=uploader.id,
        name="",
        content_type=content_type,
        size=0,
        sha256="",
        storage=settings.uploads,
        created_at=utcnow(),
    )
    prepared = await asyncio.to_thread(_prepare, settings, upload.id, source, content_type)
    upload.name = safe_name(declared_name, prepared.content_type)
    upload.content_type = prepared.content_type
    upload.size, upload.sha256 = prepared.size, prepared.sha256
    upload.thumbnail_type = prepared.thumbnail_type
    if settings.uploads == store.DATABASE:
        upload.blob, upload.thumbnail_blob = prepared.data, prepared.thumbnail
    try:
        async with rt.db.writing() as session:
            session.add(upload)
    except BaseException:
        store.delete_files(settings, [upload.id])
        raise
    return upload


def _prepare(settings: Settings, upload_id: str, source: BinaryIO, content_type: str) -> Prepared:
    """The bytes to keep (in their file already when ``CHAT_UPLOADS=files``)."""
    if content_type in IMAGE_TYPES:
        encoded = images.reencode(source, content_type)
        prepared = Prepared(
            encoded.content_type,
            len(encoded.data),
            hashlib.sha256(encoded.data).hexdigest(),
            encoded.data,
            encoded.thumbnail,
            encoded.thumbnail_type,
        )
    elif settings.uploads == store.DATABASE:
        data = source.read()
        prepared = Prepared(
            content_type, len(data), hashlib.sha256(data).hexdigest(), data, None, None
        )
    else:
        return _copy_to_file(settings, upload_id, source, content_type)
    if settings.uploads == store.FILES:
        assert prepared.data is not None
        store.write_file(settings, upload_id, prepared.data)
        if prepared.thumbnail is not None:
            store.write_file(settings, upload_id, prepared.thumbnail, thumbnail=True)
    return prepared


def _copy_to_file(
    settings: Settings, upload_id: str, source: BinaryIO, content_type: str
) -> Prepared:
    digest = hashlib.sha256()
    size = 0
    path = store.file_path(settings, upload_id)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        while chunk := source.read(COPY_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return Prepared(content_type, size, digest.hexdigest(), None, None, None)
