"""Text to index terms: folded words without stop words, stemmed per language.

Folding is the history search's (``search.folding.fold``: Turkish case rules, then
diacritics), so ``KARGOM``, ``kargom`` and ``kargóm`` are one word and a question
typed without Turkish letters meets entries written with them. Stems come from
Snowball's Turkish or English stemmer run on the folded word; the Turkish one
over-stems short words (``iade`` to ``ia``, ``beden`` to ``be``), so a stem shorter
than :data:`MIN_STEM` is replaced by the word's first letters, which is what the
longer, suffixed forms (``iadesini`` to ``iade``) stem to. Snowball's Turkish stemmer
knows noun endings, not verb ones: the infinitive ending is taken off first, so
``gondermek`` meets ``gonderim`` and ``gonderin``.
"""

from __future__ import annotations

from functools import lru_cache

import snowballstemmer

from chat_server.assistant.retrieval.stopwords import BY_LOCALE, VERB_STARTS
from chat_server.search.folding import WORD, fold

LOCALES = ("tr", "en")
MIN_STEM = 4
#: Turkish verb endings (tense, negation, ability, person; folded, longest first):
#: "giremiyorum", "silmek", "gelmis" keep their root ("gir", "sil", "gel").
_VERB_ENDINGS = tuple(
    sorted(
        """emiyorum amiyorum emiyor amiyor iyorum uyorum iyoruz uyoruz iyor uyor mek mak
        mis mus medi madi medim madim ecek acak ecegim acagim ken dim dum tim tum erim arim
        ebilir abilir""".split(),
        key=len,
        reverse=True,
    )
)
#: A verb root is at least this long ("sil", "gir", "gel"; not "al" or "ol").
MIN_VERB_ROOT = 3
_INFINITIVE = ("mek", "mak")
_STEMMERS = {"tr": snowballstemmer.stemmer("turkish"), "en": snowballstemmer.stemmer("english")}


def words(text: str, locale: str) -> list[str]:
    """The folded words of ``text`` that are not stop words, in order."""
    stop, verbs = BY_LOCALE[locale], VERB_STARTS[locale]
    return [
        word
        for word in WORD.findall(fold(text))
        if word not in stop and len(word) > 1 and not (verbs and word.startswith(verbs))
    ]


@lru_cache(maxsize=65536)
def stem(word: str, locale: str) -> str:
    """The index term of one folded word."""
    if locale == "tr" and word.endswith(_INFINITIVE) and len(word) - 3 >= MIN_STEM:
        word = word[:-3]
    stemmed: str = _STEMMERS[locale].stemWord(word)
    if len(stemmed) < MIN_STEM <= len(word):
        return word[:MIN_STEM]
    return stemmed if stemmed else word


def verb_root(word: str, locale: str) -> str | None:
    """The root of a folded Turkish verb form (``giremiyorum`` to ``gir``), else None.

    Snowball's Turkish stemmer leaves verb endings on, so a verb the FAQ writes in
    another form ("Hesabıma giriş yapamıyorum", "Üyeliğimi nasıl silerim") would count
    as a word it does not know; the ranker looks the root up among the FAQ's words."""
    if locale != "tr":
        return None
    for ending in _VERB_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_VERB_ROOT:
            return word[: -len(ending)]
    return None


def terms(text: str, locale: str) -> list[str]:
    """The index terms of ``text``: stems of its folded, non-stop words."""
    return [stem(word, locale) for word in words(text, locale)]
