"""Character n-gram similarity: a question's folded words against an entry's phrases.

Turkish piles suffixes onto a root ("kargoyu", "kargolarsiniz", "iadesini") and shoppers
write informally ("gonderiyonuz", "yapiyomusunuz"); both keep most of the letters. Each
word, marked at both ends (``<kargoyu>``), is cut into its 3- to 5-letter pieces, every
piece weighted by its IDF over the FAQ's phrases, and a question is compared with each
phrase by cosine: "kargoyu" shares ``<ka``, ``kar``, ``<kar``, ``argo``... with "kargo"
without any table saying so, and a word the FAQ does not know adds pieces nothing
shares, which lowers the similarity as it should. No stemmer or synonym list is used.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import chain

from chat_server.assistant.retrieval.terms import words

SIZES = (3, 4, 5)

Vector = dict[str, float]


@lru_cache(maxsize=65536)
def _word_grams(word: str) -> tuple[str, ...]:
    marked = f"<{word}>"
    return tuple(
        marked[start : start + size] for size in SIZES for start in range(len(marked) - size + 1)
    )


def grams(text: str, locale: str) -> Counter[str]:
    """The 3- to 5-letter pieces of ``text``'s folded non-stop words, ends marked."""
    return Counter(chain.from_iterable(map(_word_grams, dict.fromkeys(words(text, locale)))))


class GramIndex:
    """Phrases as IDF-weighted, unit-length n-gram vectors; ``similar`` is read-only."""

    def __init__(self, phrases: Sequence[str], locale: str) -> None:
        self.locale = locale
        counted = [grams(phrase, locale) for phrase in phrases]
        seen: Counter[str] = Counter()
        for piece_counts in counted:
            seen.update(piece_counts.keys())
        total = len(phrases)
        self._idf = {
            piece: math.log((1 + total) / (1 + times)) + 1 for piece, times in seen.items()
        }
        self._unseen_idf = math.log(1 + total) + 1
        self._postings: dict[str, list[tuple[int, float]]] = {}
        for position, piece_counts in enumerate(counted):
            vector = self._vector(piece_counts)
            for piece, weight in vector.items():
                self._postings.setdefault(piece, []).append((position, weight))
        self.size = total

    def _vector(self, piece_counts: Counter[str]) -> Vector:
        vector = {
            piece: (1 + math.log(times)) * self._idf.get(piece, self._unseen_idf)
            for piece, times in piece_counts.items()
        }
        norm = math.sqrt(sum(weight * weight for weight in vector.values()))
        return {piece: weight / norm for piece, weight in vector.items()} if norm else {}

    def similar(self, text: str) -> list[float]:
        """The cosine of ``text`` with every phrase, in the phrases' order."""
        scores = [0.0] * self.size
        for piece, weight in self._vector(grams(text, self.locale)).items():
            for position, other in self._postings.get(piece, ()):
                scores[position] += weight * other
        return scores


def best_by_owner(scores: Iterable[float], owners: Sequence[int], count: int) -> list[float]:
    """Each owner's best score among its phrases."""
    best = [0.0] * count
    for score, owner in zip(scores, owners, strict=True):
        if score > best[owner]:
            best[owner] = score
    return best
