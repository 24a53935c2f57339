"""What the assistant knows (issue 14): a site's FAQ entries, and the questions it could
not answer, kept for managers to turn into entries.

One row per distinct unanswered question (folded) per site and language, counted, so
the managers' list is "most asked first" without a scan of every ask.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from chat_server.model.tables import new_id, time_column


class FaqEntry(SQLModel, table=True):
    __tablename__ = "faq_entry"
    __table_args__ = (
        UniqueConstraint("site_id", "locale", "question", name="uq_faq_entry_question"),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    site_id: str = Field(foreign_key="site.id")
    locale: str
    question: str
    answer: str
    alternates: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = time_column()
    #: The retrieval index of a site and language is rebuilt when its newest change moves.
    updated_at: datetime = time_column()


class AssistantQuestion(SQLModel, table=True):
    """A question the assistant left for a person; ``key`` is its folded words."""

    __tablename__ = "assistant_question"
    __table_args__ = (
        UniqueConstraint("site_id", "locale", "key", name="uq_assistant_question_key"),
        Index("ix_assistant_question_site_count", "site_id", "count"),
    )
    id: str = Field(default_factory=new_id, primary_key=True)
    site_id: str = Field(foreign_key="site.id")
    locale: str
    key: str
    text: str
    count: int = 1
    #: The conversation it was last asked in (no foreign key: erasure deletes freely).
    conversation_id: str | None = None
    first_at: datetime = time_column()
    last_at: datetime = time_column()
