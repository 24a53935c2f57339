"""Which entry to send, learned: a gradient-boosted model weighs both readings.

The ranker's own rule (``confidence``) and the embeddings each miss what the other sees:
the ranker hands over a paraphrase whose words the FAQ does not use, the embeddings put
another subject near an off-topic question. A model (scikit-learn's
``HistGradientBoostingClassifier``) trained on the training question sets of
``tests/data/assistant`` gives each candidate the probability that it is the right
entry from the numbers of ``evidence`` (never from which entry it is); the best is sent
when that probability is at least :data:`THRESHOLD`, and otherwise a person answers.

The model is trained by ``tools/train_assistant_chooser.py`` and shipped beside this
module (:data:`MODEL_FILE`, a pickle this package writes and reads, never one from
outside). It is loaded once per process, off the event loop, together with the
embeddings (:func:`model`); scikit-learn is imported only then. Without it, or without
the embeddings (``CHAT_ASSISTANT_EMBEDDINGS=off``, the first seconds after an entry
changed), :func:`decide` is the ranker's own rule.
"""

from __future__ import annotations

import logging
import pickle
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from chat_server.assistant.retrieval.confidence import confident
from chat_server.assistant.retrieval.evidence import FEATURES, LISTED, candidate_features, gather
from chat_server.assistant.retrieval.ranker import Ranker, Scored
from chat_server.assistant.retrieval.semantic import SemanticIndex

log = logging.getLogger(__name__)

MODEL_FILE = Path(__file__).with_name("chooser_model.pkl")
#: The least probability of being right an entry needs to be sent; chosen on the
#: training sets' leave-one-set-out figures (``tests/data/assistant/README.md``).
THRESHOLD = 0.6

_loading = threading.Lock()
_model: Any = None
_failed = False


def model() -> Any:
    """The shipped model, loaded on first call (imports scikit-learn: seconds, so not on
    the event loop); None when it cannot load."""
    global _model, _failed
    with _loading:
        if _model is not None or _failed:
            return _model
        try:
            # Our own file, written by tools/train_assistant_chooser.py: trusted.
            saved = pickle.loads(MODEL_FILE.read_bytes())
            if tuple(saved["features"]) != FEATURES:
                raise ValueError("it was trained on other features")
            _model = saved["model"]
        except Exception as exc:
            _failed = True
            log.warning("assistant: no answer model (%s); the ranker's rule decides", exc)
        return _model


def probabilities(rows: list[list[float]], fitted: Any = None) -> list[float]:
    """Each row's probability of being the right entry (``fitted``: another model)."""
    if not rows:
        return []
    predicted = (fitted or model()).predict_proba(np.asarray(rows, dtype=np.float64))
    return [float(value) for value in predicted[:, 1]]


@dataclass(frozen=True, slots=True)
class Decision:
    #: The entry to send, or None: a person answers.
    chosen: str | None
    #: The ranker's best candidates (what the API lists), best first.
    listed: list[Scored] = field(default_factory=list)
    #: The chosen entry's probability, when the model decided.
    probability: float | None = None


def decide(ranker: Ranker, semantic: SemanticIndex | None, text: str) -> Decision:
    """What the assistant sends for ``text``. Blocking (the embedding of the question and
    the model): call it in a thread when ``semantic`` is given."""
    evidence = None
    if semantic is not None and model() is not None:
        evidence = gather(ranker, semantic, text)
    if evidence is None:
        ranked = ranker.rank(text, LISTED)
        chosen = confident(ranked)
        return Decision(chosen.id if chosen else None, ranked)
    rows = candidate_features(evidence)
    listed = evidence.ranked[:LISTED]
    if not rows:
        return Decision(None, listed)
    scores = probabilities([features for _, features in rows])
    best = max(range(len(rows)), key=scores.__getitem__)
    if scores[best] < THRESHOLD:
        return Decision(None, listed, scores[best])
    return Decision(rows[best][0], listed, scores[best])
