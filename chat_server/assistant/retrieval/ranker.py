"""One site's FAQ entries of one language, indexed, and a question scored against them.

Each entry is indexed twice with BM25 (``bm25s``): its question and every alternate as
separate short documents (an entry scores with its best phrase, so many alternates do
not dilute it), and its answer as one document at :data:`ANSWER_WEIGHT`. A question's
words are first mapped onto the index's vocabulary: the same stem, a stem one is the
start of the other (``bede``/``beden``, ``degis``/``degistirmek``), the nearest
indexed word by ``rapidfuzz`` ratio (``nerde``/``nerede``, ``ucretsz``/``ucretsiz``),
in Turkish a word that starts the same way (``verilcek``/``verilir``), looked for
among the questions' and alternates' words before the answers', then a word of the
same meaning (``synonyms``: ``yollamak``/``gondermek``, ``vade``/``taksit``), and last,
in Turkish, a word starting with the verb's root (``giremiyorum``/``giris``).

Turkish terms are taken down to the FAQ's own base when Snowball leaves a noun ending
on a word typed without Turkish letters ("parasi" is "para", "gunde" "gun") or a verb
ending the FAQ writes ("gonderiyor", "gonderebilir": "gonder"), and words of one
meaning (``synonyms.SAME_TERM``: "para", "bedel", "ucret") are one term, in the
entries as in the question. Idioms of several words are read in the FAQ's words first
(``synonyms.PARAPHRASES``: "yola cikar" is "kargoya verilir"), and what a question asks
(``intents``: when, how much, which, where, how) is a weak term of its own. A Turkish
verb the FAQ writes in two or more forms is one term (``lemmas``: "oder", "odeyebilir",
"odenir" are "ode"; "gelmedi" is the negated "gel!"), found from a question's form too.

The score of an entry combines, in [0, 1], how much of the question it covers (each
question word weighted by its IDF; a word the FAQ does not know at all counts against
every entry, which is what keeps "kargo firmasinda is ilani" from the shipping entries)
and its BM25 score relative to the best a question of these words could get.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass

import bm25s
from rapidfuzz import fuzz, process

from chat_server.assistant.retrieval.anchors import GENERIC, content_word, rests_on
from chat_server.assistant.retrieval.intents import INTENT_WEIGHT, intents
from chat_server.assistant.retrieval.lemmas import merged_roots, unglued, verb_lemmas
from chat_server.assistant.retrieval.stopwords import BY_LOCALE
from chat_server.assistant.retrieval.synonyms import SAME_TERM, VERB_ROOTS, synonyms
from chat_server.assistant.retrieval.terms import (
    MIN_BASE,
    MIN_STEM,
    attested_base,
    same_root,
    shared_start,
    stem,
    verb_roots,
    with_causative,
    words,
)
from chat_server.search.folding import fold

ANSWER_WEIGHT = 0.3
#: How much an answer-only match covers of a question word, against 1 for a phrase match.
ANSWER_COVERAGE = 0.5
#: The parts of the score: question covered, best phrase covered, BM25 (the rest).
COVERAGE_WEIGHT = 0.5
PHRASE_WEIGHT = 0.3
#: A word the FAQ does not know weighs this much of the rarest possible term's IDF.
UNKNOWN_WEIGHT = 0.8
UNKNOWN_VERB = 0.7
#: The least ``rapidfuzz`` ratio (0-100) at which a misspelt word is taken for an indexed one.
FUZZY_RATIO = 86
#: Turkish inflects by appending: a misspelt or unusually suffixed verb ("verilcek",
#: "kullanicam") still starts like the indexed form ("verilir", "kullanirim"). The least
#: shared start, in letters and as a share of the shorter word.
SHARED_START = 5
SHARED_SHARE = 0.6
K1, B = 1.2, 0.75


@dataclass(frozen=True, slots=True)
class FaqDocument:
    """What the ranker needs of an entry."""

    id: str
    question: str
    alternates: tuple[str, ...]
    answer: str


@dataclass(frozen=True, slots=True)
class Scored:
    id: str
    question: str
    score: float
    #: The question's terms (not its intents) this entry's question or alternates hold.
    covers: frozenset[str] = frozenset()
    #: False when the question names a thing the FAQ does not know and this entry
    #: holds only everyday words of it (``anchors``): it should not answer.
    anchored: bool = True


def _index(documents: list[list[str]]) -> bm25s.BM25 | None:
    """A BM25 index of the documents, None when they hold no term at all."""
    if not any(documents):
        return None
    retriever = bm25s.BM25(k1=K1, b=B)
    retriever.index(documents, show_progress=False)
    return retriever


def _scores(index: bm25s.BM25 | None, terms: list[str], size: int) -> list[float]:
    if index is None:
        return [0.0] * size
    return [float(value) for value in index.get_scores(terms)]


class Ranker:
    """Built once per (site, language, version of the entries); rank() is read-only."""

    def __init__(self, entries: Sequence[FaqDocument], locale: str) -> None:
        self.locale = locale
        self.entries = list(entries)
        phrase_terms: list[list[str]] = []
        self._phrase_terms: list[set[str]] = []
        self._phrase_owner: list[int] = []
        answer_words_seen: set[str] = set()
        phrase_words: set[str] = set()
        self._entry_terms: list[set[str]] = []
        self._answer_terms: list[set[str]] = []
        said_phrases: list[list[str]] = []
        phrase_intents: list[list[str]] = []
        said_answers: list[list[str]] = []
        for position, entry in enumerate(self.entries):
            for phrase in (entry.question, *entry.alternates):
                said_phrases.append(words(phrase, locale))
                phrase_intents.append(intents(fold(phrase), locale))
                phrase_words.update(said_phrases[-1])
                self._phrase_owner.append(position)
            said_answers.append(words(entry.answer, locale))
            answer_words_seen.update(said_answers[-1])
        # One term per word however the FAQ inflects it ("para", "parasi").
        stems = {word: stem(word, locale) for word in phrase_words | answer_words_seen}
        self._attested = frozenset(stems.values()) if locale == "tr" else frozenset()
        self._same = SAME_TERM.get(locale, {})
        # One term per verb however the FAQ conjugates it ("odeme", "oder", "odeyebilir").
        roots = merged_roots(stems) if locale == "tr" else {}
        self._roots = frozenset(roots.values())
        #: Three-letter nouns the FAQ writes on their own ("gun", "not"; not the verb
        #: "ver"): a one-letter ending comes off down to them ("gunu", "notu").
        self._short = frozenset(
            word
            for word, term in stems.items()
            if len(word) == MIN_BASE and term == word and word not in self._roots
        )
        self._canonical = {term: self._base(term) for term in stems.values()}
        self._term_of = {
            word: roots.get(word) or self._canonical.get(term, term) for word, term in stems.items()
        }
        for said, asks in zip(said_phrases, phrase_intents, strict=True):
            phrase_terms.append([self._term_of[word] for word in said] + asks)
        own_terms: list[set[str]] = [set() for _ in self.entries]
        for owner, terms_of_phrase in zip(self._phrase_owner, phrase_terms, strict=True):
            own_terms[owner].update(terms_of_phrase)
        self._entry_terms = own_terms
        self._answer_terms = [{self._term_of[word] for word in said} for said in said_answers]
        self._phrase_terms = [set(terms) for terms in phrase_terms]
        self._phrases = _index(phrase_terms)
        self._answers = _index([sorted(terms) for terms in self._answer_terms])
        self._vocabulary = sorted(set().union(*self._entry_terms, *self._answer_terms))
        self._known = frozenset(self._vocabulary)
        #: Question and alternate words first: a misspelt word is looked for among them
        #: before the answers' words ("verilcek" is the question's "verilir", not an
        #: answer's "verilecek").
        self._phrase_words = sorted(phrase_words)
        self._words = sorted(answer_words_seen | phrase_words)
        count = len(self.entries)
        frequency: dict[str, int] = {}
        for position in range(count):
            for term in self._entry_terms[position] | self._answer_terms[position]:
                frequency[term] = frequency.get(term, 0) + 1
        self._idf = {
            term: math.log(1 + (count - seen + 0.5) / (seen + 0.5))
            for term, seen in frequency.items()
        }
        self._unknown_idf = math.log(1 + (count + 0.5) / 0.5)
        self._stop = sorted(word for word in BY_LOCALE[locale] if len(word) >= MIN_STEM)
        self._generic = frozenset(
            term
            for word in GENERIC.get(locale, ())
            for term in (self._own_term(word), self._canonical_term(stem(word, locale)))
            if term is not None
        )

    @staticmethod
    def _starting_with(vocabulary: list[str], start: str) -> list[str]:
        """The words of the sorted ``vocabulary`` that start with ``start``."""
        found: list[str] = []
        for position in range(bisect_left(vocabulary, start), len(vocabulary)):
            if not vocabulary[position].startswith(start):
                break
            found.append(vocabulary[position])
        return found

    def _canonical_term(self, term: str) -> str:
        """An indexed term as the index writes it, or a Turkish term with a residual
        noun ending taken down to the FAQ's base ("gunluk" to "gun")."""
        return self._canonical.get(term) or self._base(term)

    def _indexed(self, word: str) -> str:
        """The index term of an FAQ word (its verb's one term: "silerim" is "sil")."""
        return self._term_of.get(word) or self._canonical_term(stem(word, self.locale))

    def _base(self, term: str) -> str:
        base = attested_base(term, self._attested, self._short) if self.locale == "tr" else term
        return self._same.get(base, base)

    def _own_term(self, word: str) -> str | None:
        """The indexed term of a folded word by its verb root, its stem or a related
        stem, else None."""
        for root in verb_lemmas(word) if self._roots else ():
            if root in self._roots:
                return root
        term = self._canonical_term(stem(word, self.locale))
        if term in self._known:
            return term
        if len(term) >= MIN_STEM:
            related = [known for known in self._vocabulary if same_root(known, term)]
            if related:
                return min(related, key=lambda known: abs(len(known) - len(term)))
        return None

    def _spelt_term(self, word: str) -> str | None:
        """The indexed term of a misspelt or oddly suffixed word, else None."""
        if len(word) < MIN_STEM:
            return None
        for vocabulary in (self._phrase_words, self._words):
            found = self._spelt_in(vocabulary, word)
            if found is not None:
                return self._indexed(found)
        return None

    def _spelt_in(self, vocabulary: list[str], word: str) -> str | None:
        nearest = process.extractOne(word, vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_RATIO)
        if nearest is not None:
            return str(nearest[0])
        if self.locale != "tr" or len(word) < SHARED_START:
            return None
        alike = [
            known
            for known in self._starting_with(vocabulary, word[:SHARED_START])
            if shared_start(known, word) >= SHARED_SHARE * min(len(known), len(word))
        ]
        if not alike:
            return None
        return max(alike, key=lambda known: (shared_start(known, word), -len(known)))

    def _synonym_term(self, word: str) -> str | None:
        """The indexed term of a word of the same meaning (``synonyms``), else None."""
        for other in synonyms(word, self.locale):
            term = self._word_term(other)
            if term is not None:
                return term
        return None

    def _word_term(self, word: str) -> str | None:
        """The indexed term of a word of the shop vocabulary: its own, else the shortest
        FAQ word starting with it ("kon" is "konmaz")."""
        term = self._own_term(word)
        if term is not None:
            return term
        started = self._starting_with(self._words, word)
        if started:
            return self._indexed(min(started, key=len))
        return None

    def _verb_term(self, word: str) -> str | None:
        """The indexed term of a Turkish verb form the FAQ writes otherwise ("silmek" is
        the question's "silerim"), found by its root among the questions' words first."""
        roots = with_causative(verb_roots(word, self.locale))
        for vocabulary in (self._phrase_words, self._words):
            for root in roots:
                started = self._starting_with(vocabulary, root)
                if started:
                    return self._indexed(min(started, key=len))
        for root in roots:
            same = VERB_ROOTS.get(self.locale, {}).get(root)
            term = self._word_term(same) if same else self._synonym_term(root)
            if term is not None:
                return term
        return None

    def _vocabulary_term(self, word: str) -> str | None:
        """The indexed term a folded question word stands for, None when it has none."""
        found = (
            self._own_term(word)
            or self._spelt_term(word)
            or self._synonym_term(word)
            or self._verb_term(word)
        )
        if found is None and self.locale == "tr":
            rest = unglued(word)
            return self._vocabulary_term(rest) if rest else None
        return found

    def query_terms(self, text: str) -> tuple[dict[str, float], float]:
        """The indexed terms of the question's words with their IDF, and the weight of
        the words the FAQ does not know (each as heavy as the rarest possible term)."""
        known, unknown, _, _ = self._read(text)
        return known, unknown

    def _misspelt_stop_word(self, word: str) -> bool:
        """Whether a word the FAQ does not know is a misspelt stop word ("kadr")."""
        if len(word) < MIN_STEM:
            return False
        found = process.extractOne(word, self._stop, scorer=fuzz.ratio, score_cutoff=FUZZY_RATIO)
        return found is not None

    def _read(self, text: str) -> tuple[dict[str, float], float, bool, frozenset[str]]:
        """:meth:`query_terms`, and whether a word the FAQ does not know names a thing."""
        known: dict[str, float] = {}
        unknown = 0.0
        names_unknown = False
        things: set[str] = set()
        for word in dict.fromkeys(words(text, self.locale)):
            term = self._vocabulary_term(word)
            if term is None and (word.isdigit() or self._misspelt_stop_word(word)):
                continue  # a quantity ("12 gun") is not a topic, nor "kadr" ("kadar")
            if term is None:
                unknown += UNKNOWN_VERB if self.locale == "tr" and verb_roots(word, "tr") else 1.0
                names_unknown = names_unknown or content_word(word, self.locale)
            else:
                known.setdefault(term, self._idf.get(term, 0.0))
                if term in self._generic and content_word(word, self.locale):
                    things.add(term)
        for asked in intents(fold(text), self.locale):
            if asked in self._known:
                known.setdefault(asked, self._idf.get(asked, 0.0) * INTENT_WEIGHT)
        return known, unknown * self._unknown_idf * UNKNOWN_WEIGHT, names_unknown, frozenset(things)

    def _phrase_fit(self, index: int, known: dict[str, float]) -> float:
        """How much of a phrase (IDF-weighted) the question's terms cover: "Kargo ucreti
        ne kadar?" fits "kargo ucreti" better than "Iade kargo ucretini kim oder?"."""
        # An intent the question does not state does not count against the phrase.
        phrase = {term for term in self._phrase_terms[index] if term in known or term[0] != "?"}
        total = sum(self._idf.get(term, 0.0) for term in phrase)
        found = sum(self._idf.get(term, 0.0) for term in phrase if term in known)
        return found / total if total > 0 else 0.0

    def rank(self, text: str, limit: int = 5) -> list[Scored]:
        """The best ``limit`` entries for ``text``, best first, scores in [0, 1]."""
        if not self.entries:
            return []
        known, unknown_weight, names_unknown, things = self._read(text)
        known_weight = sum(known.values())
        total_weight = known_weight + unknown_weight
        if not known or total_weight <= 0:
            return []
        phrase_scores = _scores(self._phrases, list(known), len(self._phrase_owner))
        answer_scores = _scores(self._answers, list(known), len(self.entries))
        best_phrase = [0.0] * len(self.entries)
        phrase_fit = [0.0] * len(self.entries)
        for index, value in enumerate(phrase_scores):
            if value <= 0:
                continue
            owner = self._phrase_owner[index]
            best_phrase[owner] = max(best_phrase[owner], value)
            phrase_fit[owner] = max(phrase_fit[owner], self._phrase_fit(index, known))
        # The most a document could score for these words: each at its IDF times (k1 + 1).
        ceiling = known_weight * (K1 + 1)
        scored: list[Scored] = []
        for position, entry in enumerate(self.entries):
            bm25 = best_phrase[position] + ANSWER_WEIGHT * answer_scores[position]
            if bm25 <= 0:
                continue
            covered = 0.0
            holds: list[str] = []
            for term, weight in known.items():
                if term in self._entry_terms[position]:
                    covered += weight
                    if term[0] != "?":
                        holds.append(term)
                elif term in self._answer_terms[position]:
                    covered += weight * ANSWER_COVERAGE
            coverage = covered / total_weight
            relative = min(1.0, bm25 / ceiling) if ceiling > 0 else 0.0
            score = (
                COVERAGE_WEIGHT * coverage
                + PHRASE_WEIGHT * phrase_fit[position]
                + (1 - COVERAGE_WEIGHT - PHRASE_WEIGHT) * relative
            )
            anchored = rests_on(
                holds,
                names_unknown
                or not things <= self._entry_terms[position] | self._answer_terms[position],
                self._generic,
            )
            scored.append(
                Scored(entry.id, entry.question, round(score, 4), frozenset(holds), anchored)
            )
        scored.sort(key=lambda item: item.score, reverse=True)
        return scored[:limit]
