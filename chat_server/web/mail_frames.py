"""The shopper's e-mail frames: ``transcript.request``, and the widget's language from
``hello`` (kept on the conversation the tab's first message opens: its e-mails' language).

The visitor session hands the validated frame here; the domain (``chat_server.mail``)
decides, this module only answers. Like the socket endpoints it never touches SQL.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chat_server.mail.transcripts import request_transcript
from chat_server.mail.wording import LOCALES
from chat_server.wire.inbound import TranscriptRequest
from chat_server.wire.outbound import transcript_queued_frame

if TYPE_CHECKING:
    from chat_server.web.visitor_session import VisitorSession


def widget_locale(locale: str | None) -> str | None:
    """``"tr"`` or ``"en"`` from the hello's ``locale`` (``"en-GB"`` is English), else None."""
    short = (locale or "").strip().lower()[:2]
    return short if short in LOCALES else None


async def transcript(session: VisitorSession, frame: TranscriptRequest) -> None:
    assert session.visitor_id is not None
    queued = await request_transcript(
        session.rt, session.visitor_id, frame.email, frame.conversation_id
    )
    session.connection.send(transcript_queued_frame(queued.conversation_id, queued.email))
