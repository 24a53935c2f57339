"""A transcript the visitor asks for (``transcript.request``): at most a few a day.

The address given becomes the visitor's (as ``identify`` would store it); the
transcript is rendered and queued in one transaction with the record that counts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, insert, select

from chat_server.mail.compose import transcript
from chat_server.mail.outgoing import SEND_KIND
from chat_server.model.errors import Conflict, DomainError, NotFound
from chat_server.model.mail_tables import MailTranscript
from chat_server.model.tables import Conversation, Visitor, new_id, utcnow
from chat_server.outbox.items import enqueue
from chat_server.runtime.state import Runtime
from chat_server.visitors.contacts import identify_contact

TRANSCRIPT = MailTranscript.__table__  # type: ignore[attr-defined]
CONVERSATION = Conversation.__table__  # type: ignore[attr-defined]
VISITOR = Visitor.__table__  # type: ignore[attr-defined]
DAY = timedelta(days=1)


class TooManyTranscripts(DomainError):
    status = 429


@dataclass(frozen=True)
class TranscriptQueued:
    conversation_id: str
    email: str


def _asked_today(connection: Connection, visitor_id: str, now: datetime) -> int:
    return int(
        connection.execute(
            select(func.count()).where(
                TRANSCRIPT.c.visitor_id == visitor_id, TRANSCRIPT.c.requested_at > now - DAY
            )
        ).scalar_one()
    )


def _refuse_if_over(rt: Runtime, asked: int) -> None:
    if asked >= rt.settings.mail.transcripts_per_day:
        raise TooManyTranscripts(
            "rate_limited",
            f"at most {rt.settings.mail.transcripts_per_day} transcripts a day; try tomorrow",
        )


async def request_transcript(
    rt: Runtime, visitor_id: str, email: str | None, conversation_id: str | None = None
) -> TranscriptQueued:
    """Queue the transcript of the visitor's latest (or given) conversation."""
    if not rt.settings.mail.enabled:
        raise Conflict("mail_disabled", "this server sends no e-mail")
    now = utcnow()
    _refuse_if_over(
        rt, await rt.db.read(lambda connection: _asked_today(connection, visitor_id, now))
    )
    if email is not None and email.strip():
        await identify_contact(rt, visitor_id, None, email)

    def queue(connection: Connection) -> TranscriptQueued:
        _refuse_if_over(rt, _asked_today(connection, visitor_id, now))
        query = select(CONVERSATION.c.id, CONVERSATION.c.site_id).where(
            CONVERSATION.c.visitor_id == visitor_id
        )
        if conversation_id is not None:
            query = query.where(CONVERSATION.c.id == conversation_id)
        row = connection.execute(query.order_by(CONVERSATION.c.created_at.desc()).limit(1)).first()
        if row is None:
            raise NotFound("conversation_not_found", "there is no conversation to send")
        address = connection.execute(
            select(VISITOR.c.email).where(VISITOR.c.id == visitor_id)
        ).scalar_one_or_none()
        if not address:  # refused before anything is written (Database.write's rule)
            raise DomainError("email_required", "give an e-mail address to send the transcript to")
        letter = transcript(connection, row.id, rt.settings.mail, now)
        if letter is None:
            raise NotFound("conversation_not_found", "there is no conversation to send")
        connection.execute(
            insert(TRANSCRIPT).values(
                id=new_id(), visitor_id=visitor_id, conversation_id=row.id, requested_at=now
            )
        )
        enqueue(connection, kind=SEND_KIND, payload=letter.to_payload(), site_id=row.site_id)
        return TranscriptQueued(row.id, letter.to[0])

    return await rt.db.write(queue)
