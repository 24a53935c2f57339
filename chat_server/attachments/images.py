"""Pictures re-encoded without their metadata, and their thumbnails.

A camera's JPEG carries EXIF (the camera, the time, often GPS coordinates), XMP and
ICC blocks; under KVKK a shopper's home address must not travel with the photo of
a parcel. The picture is decoded, turned upright by its EXIF orientation, and drawn
into a new file of the same type from the pixels alone. An animated GIF keeps its
first frame only, stored as a PNG (transparency kept): the animation is rarely
the point of an after-sales photo, and re-encoding every frame would keep a GIF's
comment and application blocks in play.

These run on a worker thread (:func:`asyncio.to_thread`): decoding is CPU work.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from chat_server.model.errors import DomainError

#: Larger pictures (in pixels) are refused before they are decoded (decompression bombs).
MAX_PIXELS = 50_000_000
THUMBNAIL_PIXELS = 320
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP", "image/gif": "PNG"}
_STORED_TYPE = {"image/gif": "image/png"}


class InvalidImage(DomainError):
    status = 422

    def __init__(self, message: str = "the picture cannot be read") -> None:
        super().__init__("invalid_image", message)


@dataclass(frozen=True)
class Encoded:
    data: bytes
    content_type: str
    thumbnail: bytes
    thumbnail_type: str


def reencode(source: BinaryIO, content_type: str) -> Encoded:
    """``source``'s picture as a new file without metadata, and a thumbnail."""
    try:
        with Image.open(source) as opened:
            if opened.width * opened.height > MAX_PIXELS:
                raise InvalidImage("the picture has too many pixels")
            opened.seek(0)
            upright = ImageOps.exif_transpose(opened)
            pixels = _pixels_only(upright, content_type)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidImage from exc
    stored_type = _STORED_TYPE.get(content_type, content_type)
    data = _encode(pixels, _FORMATS[content_type])
    thumbnail = pixels.copy()
    thumbnail.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    has_alpha = thumbnail.mode in ("RGBA", "LA")
    thumbnail_format = "PNG" if has_alpha else "JPEG"
    if not has_alpha and thumbnail.mode != "RGB":
        thumbnail = thumbnail.convert("RGB")
    return Encoded(
        data,
        stored_type,
        _encode(thumbnail, thumbnail_format),
        "image/png" if has_alpha else "image/jpeg",
    )


def _pixels_only(image: Image.Image, content_type: str) -> Image.Image:
    """A copy with no ``info`` left (EXIF, XMP, ICC, comments), in a mode the target
    format can write."""
    if content_type == "image/jpeg":
        target = "L" if image.mode in ("L", "1") else "RGB"
    elif image.mode in ("RGBA", "LA", "RGB", "L") and content_type != "image/gif":
        target = image.mode
    else:
        target = "RGBA" if _has_transparency(image) else "RGB"
    pixels = image.convert(target) if image.mode != target else image.copy()
    pixels.info = {}
    return pixels


def _has_transparency(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def _encode(image: Image.Image, image_format: str) -> bytes:
    out = io.BytesIO()
    options: dict[str, object] = {}
    if image_format == "JPEG":
        options = {"quality": 88, "optimize": True}
    elif image_format == "WEBP":
        options = {"quality": 88}
    image.save(out, image_format, **options)
    return out.getvalue()
