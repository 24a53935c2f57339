"""Where an upload's bytes live: a file under ``CHAT_DATA_DIR/uploads`` (the default)
or the upload's row (``CHAT_UPLOADS=database``, for several hosts without a shared
disk).

Files are owner-only (``0600`` in a ``0700`` folder), like the rest of the data
directory, and named by the upload's id alone: no name a client chose reaches the
file system.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from chat_server.config.settings import Settings
from chat_server.model.attachment_tables import Upload

FILES = "files"
DATABASE = "database"
THUMBNAIL_SUFFIX = ".thumb"


def folder(settings: Settings) -> Path:
    path = settings.data_dir / "uploads"
    path.mkdir(mode=0o700, exist_ok=True)
    return path


def file_path(settings: Settings, upload_id: str, thumbnail: bool = False) -> Path:
    return folder(settings) / (upload_id + (THUMBNAIL_SUFFIX if thumbnail else ""))


def write_file(settings: Settings, upload_id: str, data: bytes, thumbnail: bool = False) -> None:
    path = file_path(settings, upload_id, thumbnail)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)


def read_bytes(settings: Settings, upload: Upload, thumbnail: bool = False) -> bytes | None:
    """The file's (or its thumbnail's) bytes, None when they are gone."""
    if upload.storage == DATABASE:
        return upload.thumbnail_blob if thumbnail else upload.blob
    try:
        return file_path(settings, upload.id, thumbnail).read_bytes()
    except FileNotFoundError:
        return None


def delete_files(settings: Settings, upload_ids: Iterable[str]) -> None:
    """Remove the files of these uploads (those in the database go with their rows)."""
    for upload_id in upload_ids:
        for thumbnail in (False, True):
            with contextlib.suppress(FileNotFoundError):
                file_path(settings, upload_id, thumbnail).unlink()
