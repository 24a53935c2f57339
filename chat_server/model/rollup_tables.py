"""The stats rollups (issue 17): the closed waits' figures summed per site, UTC day and cell.

A *cell* is what the figures group by: the wait's kind, who answered it (``""`` for
nobody), whether it was answered, and its length's rollup bucket
(:data:`chat_server.sla.rollup.cells.ROLLUP_BUCKETS`; -2 for waits not answered, whose
length only counts towards ``breached``). Business lengths have a table of their
own, keyed by the revision of the business hours they were measured under, and not
by agent (the business figures are per kind only).

Written only by :mod:`chat_server.sla.rollup`; the stats read whole days from here and
the rest of a period from the waits themselves.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer
from sqlmodel import Field, SQLModel


def _total() -> int:
    return Field(default=0, sa_column=Column(BigInteger, nullable=False))


def _count() -> int:
    return Field(default=0, sa_column=Column(Integer, nullable=False))


class WaitRollup(SQLModel, table=True):
    __tablename__ = "wait_rollup"
    site_id: str = Field(primary_key=True)
    #: Days since 1970-01-01 (UTC) of the waits' ``opened_at``.
    day: int = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    agent: str = Field(primary_key=True)
    answered: bool = Field(primary_key=True)
    bucket: int = Field(primary_key=True)
    count: int = _count()
    total_us: int = _total()
    max_us: int = _total()
    breached: int = _count()


class WaitBusinessRollup(SQLModel, table=True):
    __tablename__ = "wait_business_rollup"
    site_id: str = Field(primary_key=True)
    #: :func:`chat_server.sla.rollup.revisions.revision_of` the hours measured under.
    rev: str = Field(primary_key=True)
    day: int = Field(primary_key=True)
    kind: str = Field(primary_key=True)
    answered: bool = Field(primary_key=True)
    bucket: int = Field(primary_key=True)
    count: int = _count()
    total_us: int = _total()
    max_us: int = _total()
    breached: int = _count()
