"""The assistant's answer for a shopper's text: the API the conversation side calls.

:func:`best_answer` ranks the site's entries of the conversation's language (the other
language's when it has none) and returns the entry to send only when the match is
confident (``retrieval.confidence``), with the best candidates either way. The index
of a site and language is built once and kept in memory; each call first reads the
entries' count and newest ``updated_at`` (one indexed aggregate), so an entry written
by any process rebuilds the index on the next question everywhere.

The decision is ``retrieval.chooser``'s: a learned model weighs the ranker's reading
and the entries' sentence embeddings (``retrieval.semantic``). The embeddings are
computed in a thread after the lexical index is built (the model is loaded there too),
so the first questions after a change are decided by the ranker's own rule until they
are ready (seconds for a few dozen entries; see ``bench/faq_search.py`` for a thousand).
``CHAT_ASSISTANT_EMBEDDINGS=off`` (or a platform the embeddings cannot load on) leaves
the ranker's rule alone.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from chat_server.assistant.faq import ENTRY, LOCALES, FaqEntryView, entry_view
from chat_server.assistant.retrieval import chooser
from chat_server.assistant.retrieval.ranker import FaqDocument, Ranker
from chat_server.assistant.retrieval.semantic import SemanticIndex, model
from chat_server.assistant.unanswered import record_unanswered
from chat_server.runtime.state import Runtime

__all__ = [
    "Candidate",
    "Match",
    "best_answer",
    "embeddings_built",
    "forget_indexes",
    "record_unanswered",
]

log = logging.getLogger(__name__)

MAX_TEXT = 1000
#: Indexes kept per process (a site and a language each), least recently used dropped.
MAX_INDEXES = 256


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    question: str
    score: float

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "question": self.question, "score": self.score}


@dataclass(frozen=True, slots=True)
class Match:
    """``answer``: the entry to send, or None when the assistant should not answer."""

    answer: FaqEntryView | None
    candidates: list[Candidate] = field(default_factory=list)
    #: The language whose entries were searched (the other one when the asked had none).
    locale: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "answer": self.answer.as_json() if self.answer else None,
            "candidates": [candidate.as_json() for candidate in self.candidates],
        }


Version = tuple[int, datetime | None]


@dataclass(slots=True)
class _Index:
    version: Version
    ranker: Ranker
    entries: dict[str, FaqEntryView]
    #: The entries' sentence embeddings, once built (None before, or without a model).
    semantic: SemanticIndex | None = None


_indexes: OrderedDict[tuple[str, str], _Index] = OrderedDict()
#: Embeddings being computed (a reference keeps each task alive until it ends).
_building: set[asyncio.Task[None]] = set()


def forget_indexes() -> None:
    """Drop every cached index (tests; a process never needs to)."""
    _indexes.clear()


async def embeddings_built() -> None:
    """Wait until the embeddings being computed are attached to their indexes."""
    while _building:
        await asyncio.gather(*_building, return_exceptions=True)


def _embedded(documents: list[FaqDocument]) -> SemanticIndex | None:
    """The entries' embeddings (in a thread), None when there is no model; the answer
    model is loaded here too, off the event loop."""
    if model() is None:
        return None
    chooser.model()
    return SemanticIndex(documents)


async def _attach_semantic(index: _Index, documents: list[FaqDocument]) -> None:
    try:
        index.semantic = await asyncio.to_thread(_embedded, documents)
    except Exception:
        log.exception("assistant: embedding the FAQ entries failed; lexical search only")


def _embed_later(index: _Index, documents: list[FaqDocument]) -> None:
    task = asyncio.create_task(_attach_semantic(index, documents))
    _building.add(task)
    task.add_done_callback(_building.discard)


def _versions(connection: Connection, site_id: str) -> dict[str, Version]:
    rows = connection.execute(
        select(ENTRY.c.locale, func.count(), func.max(ENTRY.c.updated_at))
        .where(ENTRY.c.site_id == site_id)
        .group_by(ENTRY.c.locale)
    )
    return {row[0]: (int(row[1]), row[2]) for row in rows}


def _entries(connection: Connection, site_id: str, locale: str) -> list[FaqEntryView]:
    query = select(ENTRY).where(ENTRY.c.site_id == site_id, ENTRY.c.locale == locale)
    return [entry_view(row) for row in connection.execute(query.order_by(ENTRY.c.id))]


def _searched_locale(versions: dict[str, Version], locale: str) -> str | None:
    if versions.get(locale, (0, None))[0] > 0:
        return locale
    others = [other for other in LOCALES if other != locale and versions.get(other, (0,))[0]]
    return others[0] if others else None


async def _index(rt: Runtime, site_id: str, locale: str, version: Version) -> _Index:
    key = (site_id, locale)
    cached = _indexes.get(key)
    if cached is not None and cached.version == version:
        _indexes.move_to_end(key)
        return cached
    entries = await rt.db.read(lambda connection: _entries(connection, site_id, locale))
    documents = [
        FaqDocument(entry.id, entry.question, entry.alternates, entry.answer) for entry in entries
    ]
    # A thousand entries take most of a second to index: off the event loop.
    ranker = await asyncio.to_thread(Ranker, documents, locale)
    built = _Index(version, ranker, {entry.id: entry for entry in entries})
    if rt.settings.assistant_embeddings and documents:
        _embed_later(built, documents)
    _indexes[key] = built
    _indexes.move_to_end(key)
    while len(_indexes) > MAX_INDEXES:
        _indexes.popitem(last=False)
    return built


async def best_answer(rt: Runtime, site_id: str, locale: str, text: str) -> Match:
    """The entry the assistant would send for ``text`` (None: it should not answer),
    and the best candidates with their scores in [0, 1]."""
    asked = locale if locale in LOCALES else LOCALES[0]
    versions = await rt.db.read(lambda connection: _versions(connection, site_id))
    searched = _searched_locale(versions, asked)
    if searched is None or not text.strip():
        return Match(None, [], searched)
    index = await _index(rt, site_id, searched, versions[searched])
    text = text[:MAX_TEXT]
    if index.semantic is None:
        decision = chooser.decide(index.ranker, None, text)
    else:
        # The question is embedded (~20 ms on one core) and the model asked: in a thread.
        decision = await asyncio.to_thread(chooser.decide, index.ranker, index.semantic, text)
    return Match(
        index.entries[decision.chosen] if decision.chosen else None,
        [Candidate(item.id, item.question, item.score) for item in decision.listed],
        searched,
    )
