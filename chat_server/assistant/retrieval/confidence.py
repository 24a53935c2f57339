"""When the assistant answers: the best candidate above a threshold and clear of the next.

Two ways to be sure enough: a good score (:data:`THRESHOLD`) clear of the runner-up
(:data:`MARGIN`), or, when the word reading and the letter reading of the ranker agree
on the entry (``Scored.agreed``: two independent methods pointing at one entry), a fair
score (:data:`AGREED_THRESHOLD`) with a wider lead (:data:`AGREED_MARGIN`). The numbers
were chosen on ``tests/data/assistant/tuning.json`` and ``held_out.json`` as the ones
answering most questions right with at most 4 wrong entries and 4 answered off-topic
questions of those 198 (``tests/data/assistant/README.md``); ``held_out_3.json`` checks
how they generalize.
"""

from __future__ import annotations

from collections.abc import Sequence

from chat_server.assistant.retrieval.ranker import Scored

THRESHOLD = 0.44
MARGIN = 0.08
AGREED_THRESHOLD = 0.36
AGREED_MARGIN = 0.1


def confident(candidates: Sequence[Scored]) -> Scored | None:
    """The candidate to answer with, or None when the match is not sure enough."""
    if not candidates:
        return None
    best = candidates[0]
    lead = best.score - (candidates[1].score if len(candidates) > 1 else 0.0)
    if best.score >= THRESHOLD and lead >= MARGIN:
        return best
    if best.agreed and best.score >= AGREED_THRESHOLD and lead >= AGREED_MARGIN:
        return best
    return None
