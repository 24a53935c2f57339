"""What e-mail remembers (issue 13): one mail thread per conversation, and transcripts asked for.

The ids of conversations and visitors carry no foreign key on purpose (as with
uploads): erasure and retention delete these rows by conversation or visitor in
whatever order their transaction runs, and a dangling row only ever holds counters.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from chat_server.model.tables import new_id, time_column


class MailThread(SQLModel, table=True):
    """A conversation as a mail thread: its reply address and what was e-mailed so far."""

    __tablename__ = "mail_thread"
    conversation_id: str = Field(primary_key=True)
    site_id: str = Field(index=True)
    visitor_id: str = Field(index=True)
    #: ``reply+<token>@CHAT_INBOUND_DOMAIN`` reaches this conversation.
    reply_token: str = Field(unique=True, index=True)
    #: Messages up to this seq were e-mailed to the shop; when, and whether as an
    #: offline notice (then the conversation is never e-mailed again as missed).
    shop_mailed_seq: int = 0
    shop_mailed_at: datetime | None = time_column(nullable=True)
    shop_offline_mailed: bool = False
    shop_missed_mailed: bool = False
    #: Agent replies up to this seq were e-mailed to the visitor.
    visitor_mailed_seq: int = 0
    #: E-mails sent in this thread; numbers each one's Message-ID.
    mails_sent: int = 0
    created_at: datetime = time_column()


class MailTranscript(SQLModel, table=True):
    """A transcript a visitor asked for (at most a few per day)."""

    __tablename__ = "mail_transcript"
    __table_args__ = (Index("ix_mail_transcript_visitor_at", "visitor_id", "requested_at"),)
    id: str = Field(default_factory=new_id, primary_key=True)
    visitor_id: str
    conversation_id: str
    requested_at: datetime = time_column()
