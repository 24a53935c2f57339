"""The attachments' ``/api/v1/uploads`` operations (CONTRACT section 12), beside
``registry.OPERATIONS``. Visitors call them too, with ``X-Site-Key`` and
``X-Visitor-Token`` instead of a bearer token."""

from __future__ import annotations

from chat_server.web.openapi.attachment_models import Attachment, UploadForm
from chat_server.web.openapi.registry import V1, Media, Operation

VISITORS_TOO = " (agents; a visitor's widget with X-Site-Key and X-Visitor-Token)"
FILE_BYTES = Media(
    "application/octet-stream",
    "the file in its own type (image/jpeg, image/png, image/webp or application/pdf); "
    "attachment disposition for PDF, never rendered as a page",
)


UPLOAD_OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        f"{V1}/uploads",
        "Upload a picture or a PDF to attach to a message" + VISITORS_TOO,
        "attachments",
        "agents",
        Attachment,
        status=201,
        body=UploadForm,
        body_media="multipart/form-data",
    ),
    Operation(
        "GET",
        f"{V1}/uploads/{{id}}",
        "Download an attached file" + VISITORS_TOO,
        "attachments",
        "agents",
        FILE_BYTES,
    ),
    Operation(
        "GET",
        f"{V1}/uploads/{{id}}/thumbnail",
        "A picture's thumbnail (at most 320 pixels a side)" + VISITORS_TOO,
        "attachments",
        "agents",
        FILE_BYTES,
    ),
)
