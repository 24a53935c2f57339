"""When the assistant answers: the best candidate above a threshold and clear of the next.

Two ways to be sure enough: a good score (:data:`THRESHOLD`) somewhat clear of the
runner-up (:data:`MARGIN`), or a fair score (:data:`CLEAR_THRESHOLD`) far ahead of every
other entry (:data:`CLEAR_LEAD`): a question with one unknown or misspelt word ("vade
farksiz kac ay") still points at one entry only, while two close candidates mean the
question could be either, unless the runner-up matches only a strict part of the
question/alternate words the best one matches (it explains less of the question). And
never when the best entry holds only everyday words of a question that names a thing the
entry does not know ("how do i reset my router password": ``anchors``). The numbers were chosen on the tuning sets only (``tests/data/assistant/README.md``); the
held-out sets measure them (``tests/unit/test_faq_matching.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from chat_server.assistant.retrieval.ranker import Scored

THRESHOLD = 0.55
MARGIN = 0.1
CLEAR_THRESHOLD = 0.5
CLEAR_LEAD = 0.3


def confident(candidates: Sequence[Scored]) -> Scored | None:
    """The candidate to answer with, or None when the match is not sure enough."""
    if not candidates:
        return None
    best = candidates[0]
    if not best.anchored:
        return None
    # A runner-up holding only some of the words the best holds explains less of the
    # question: the lead is taken over the first candidate that is not so.
    rivals = [other for other in candidates[1:] if not other.covers < best.covers]
    lead = best.score - (candidates[1].score if len(candidates) > 1 else 0.0)
    clear = best.score - (rivals[0].score if rivals else 0.0)
    if best.score >= THRESHOLD and clear >= MARGIN:
        return best
    if best.score >= CLEAR_THRESHOLD and lead >= CLEAR_LEAD:
        return best
    return None
