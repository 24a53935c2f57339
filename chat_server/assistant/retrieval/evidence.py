"""What the learned chooser (``chooser``) reads of a question: both readings of it.

The lexical ranker scores every entry by the question's words; the sentence embeddings
score every entry by meaning. :func:`gather` takes both once, and
:func:`candidate_features` describes each candidate (the ranker's best five and the
embeddings' best five) by numbers that say how the two readings see it, never by which
entry it is: its lexical score, rank and lead, whether the ranker would send it itself
(``confidence``) and whether it is anchored (``anchors``), its embedding z-score, rank,
lead and cosines, and what the question is like (the share of its words the FAQ does not
know, its length, how many of its words name a subject outside any shop: ``outside``). So
a model trained on one shop's FAQ reads another's.

The order of :data:`FEATURES` is the model's: a change here needs the model trained again
(``tools/train_assistant_chooser.py``; a test checks the shipped model is that one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chat_server.assistant.retrieval.confidence import confident
from chat_server.assistant.retrieval.outside import names_outside
from chat_server.assistant.retrieval.ranker import Ranker, Scored
from chat_server.assistant.retrieval.semantic import SemanticIndex, Similarities, query

#: Candidates taken from each reading.
FROM_EACH = 5
#: The ranker's best this many are listed with an answer (``GET /api/v1/faq/search``),
#: and the ranker's own rule reads them.
LISTED = 5
#: Ranks beyond this one count as this one.
RANK_CAP = 6
WORDS_CAP = 12

FEATURES = (
    "lexical_score",
    "lexical_rank",
    "lexical_behind_best",
    "lexical_lead",
    "anchored",
    "ranker_sends_it",
    "embedding_z",
    "embedding_rank",
    "embedding_lead",
    "phrase_cosine",
    "phrase_cosine_behind_best",
    "answer_cosine",
    "unknown_share",
    "known_terms",
    "turkish",
    "best_phrase_cosine",
    "best_embedding_z",
    "best_lexical_score",
    "best_lexical_anchored",
    "words",
    "terms_held",
    "names_outside",
)


@dataclass(frozen=True, slots=True)
class Evidence:
    locale: str
    text: str
    #: Every entry the ranker scores, best first.
    ranked: list[Scored]
    #: The entry the ranker alone would send, if any.
    confident_id: str | None
    #: IDF weight and count of the question's terms the FAQ knows; weight of the others.
    known_weight: float
    known_terms: int
    unknown_weight: float
    similarities: Similarities
    #: How many of its words name a subject outside the shop (``outside``).
    outside: int


def gather(ranker: Ranker, semantic: SemanticIndex, text: str) -> Evidence | None:
    """Both readings of ``text`` (the question embedded once; 20-30 ms), or None when the
    embeddings cannot tell the entries apart (too few entries)."""
    similarities = semantic.similarities(query(text))
    if len(similarities.z) < 2:
        return None
    ranked = ranker.rank(text, len(ranker.entries))
    known, unknown = ranker.query_terms(text)
    chosen = confident(ranked[:LISTED])
    return Evidence(
        ranker.locale,
        text,
        ranked,
        chosen.id if chosen else None,
        sum(known.values()),
        len(known),
        unknown,
        similarities,
        names_outside(ranker, text),
    )


def _lexical_lead(scores: Sequence[float], rank: int, score: float) -> float:
    """The first's lead over the second; for the others, how far behind the first."""
    if rank == 1:
        return score - (scores[1] if len(scores) > 1 else 0.0)
    return score - (scores[0] if scores else 0.0)


def candidate_features(evidence: Evidence) -> list[tuple[str, list[float]]]:
    """Each candidate entry with its :data:`FEATURES`."""
    ranked = evidence.ranked
    lexical = {item.id: item for item in ranked}
    lexical_order = [item.id for item in ranked]
    scores = [item.score for item in ranked]
    best_lexical = scores[0] if scores else 0.0
    best_anchored = float(ranked[0].anchored) if ranked else 0.0
    similar = evidence.similarities
    z = similar.z
    z_order = sorted(z, key=lambda entry: z[entry], reverse=True)
    best_z = z[z_order[0]]
    second_z = z[z_order[1]]
    best_cosine = max(similar.phrase.values())
    total = evidence.known_weight + evidence.unknown_weight
    unknown_share = evidence.unknown_weight / total if total > 0 else 1.0
    words = min(len(evidence.text.split()), WORDS_CAP)
    candidates = dict.fromkeys(lexical_order[:FROM_EACH] + z_order[:FROM_EACH])
    rows: list[tuple[str, list[float]]] = []
    for entry in candidates:
        item = lexical.get(entry)
        score = item.score if item else 0.0
        rank = lexical_order.index(entry) + 1 if item else RANK_CAP
        z_rank = z_order.index(entry) + 1
        z_score = z.get(entry, 0.0)
        rows.append(
            (
                entry,
                [
                    score,
                    min(rank, RANK_CAP),
                    best_lexical - score,
                    _lexical_lead(scores, rank, score) if item else score - best_lexical,
                    float(item.anchored) if item else 0.0,
                    float(evidence.confident_id == entry),
                    z_score,
                    min(z_rank, RANK_CAP),
                    z_score - (second_z if z_rank == 1 else best_z),
                    similar.phrase[entry],
                    best_cosine - similar.phrase[entry],
                    similar.answer[entry],
                    unknown_share,
                    min(evidence.known_terms, RANK_CAP),
                    float(evidence.locale == "tr"),
                    best_cosine,
                    best_z,
                    best_lexical,
                    best_anchored,
                    words,
                    len(item.covers) if item else 0,
                    evidence.outside,
                ],
            )
        )
    return rows
