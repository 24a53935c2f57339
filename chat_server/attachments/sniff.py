"""What an uploaded file is, judged from its bytes, and the name it may be shown under.

The name and the type a browser declares are ignored: an HTML page called
``photo.jpg`` is refused, and what is kept gets an extension that matches its
content, so no download can be opened as something else.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

import filetype

from chat_server.model.errors import DomainError

#: Accepted types and the extension each file name is given.
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/gif": "gif",
    "application/pdf": "pdf",
}
IMAGE_TYPES = frozenset(EXTENSIONS) - {"application/pdf"}
#: Bytes ``filetype`` needs to see to recognise any of the accepted types.
HEAD_BYTES = 261
MAX_NAME_CHARS = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;]+')


class UnsupportedType(DomainError):
    status = 415

    def __init__(self) -> None:
        super().__init__(
            "unsupported_type", "only JPEG, PNG, WebP or GIF pictures and PDF files can be sent"
        )


def content_type_of(head: bytes) -> str:
    """The accepted type the first bytes show; raises :class:`UnsupportedType`."""
    kind = filetype.guess(head)
    if kind is None or kind.mime not in EXTENSIONS:
        raise UnsupportedType
    return str(kind.mime)


def safe_name(declared: str | None, content_type: str) -> str:
    """The last path part of ``declared``, without control or shell characters, ending
    in the extension of ``content_type``."""
    raw = declared or ""
    base = PureWindowsPath(PurePosixPath(raw).name).name
    base = unicodedata.normalize("NFC", base)
    stem = _UNSAFE.sub("_", base.rsplit(".", 1)[0] if "." in base else base).strip(" ._")
    extension = EXTENSIONS[content_type]
    stem = stem[: MAX_NAME_CHARS - len(extension) - 1] or "file"
    return f"{stem}.{extension}"
