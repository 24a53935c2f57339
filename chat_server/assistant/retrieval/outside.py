"""Subjects outside any shop: a question that names one is rarely the FAQ's to answer.

"trendyolda iade suresi kac gun", "aras kargoya is basvurusu nasil yapilir", "e devlet
sifremi unuttum", "kurye maaslari ne kadar": off-topic questions share a shop's words
(return, period, carrier, password) and name something no shop answers for: another
marketplace, a job or a salary, a public service, a market price, the weather, a recipe.
Both readings of such a question point at a shop entry; this count is what lets the
answer model (``chooser``) see that it is about something else.

The words are general language, written by hand: the names of marketplaces and the
subjects, not product brands, banks or cards, which a shop's own questions name
("iphone 15 stokta mi", "akbank kartina taksit", "do you take visa"). A word counts only
when the shop's own FAQ never uses it: a shop that writes about its careers page keeps
"kariyer", one that sells recipe books "tarif".
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from chat_server.assistant.retrieval.ranker import Ranker
from chat_server.search.folding import WORD, fold

#: Folded word starts (a word counts when it starts with one; names shorter than four
#: letters only as the whole word).
NAMES = {
    "tr": tuple(
        """
        trendyol hepsiburada amazon gittigidiyor ciceksepeti aliexpress temu shein ebay
        etsy sahibinden letgo
        devlet sgk pasaport ehliyet noter mhrs osym kpss nufus vize
        maas kariyer staj ozgecmis cv
        borsa bitcoin kripto tarif
        """.split()
    ),
    "en": tuple(
        """
        trendyol amazon aliexpress temu shein ebay etsy
        salary job career hiring internship resume passport mortgage crypto bitcoin
        weather recipe
        """.split()
    ),
}
#: Folded word pairs that name such a subject together ("is basvurusu": a job application).
PHRASES = {
    "tr": ("is basvuru", "is ilani", "eleman ar", "hava durumu"),
    "en": ("job application", "stock market"),
}
#: The count is capped here: two such words say as much as more.
CAP = 2

_active: WeakKeyDictionary[Ranker, tuple[tuple[str, ...], tuple[str, ...]]] = WeakKeyDictionary()


def _said(text: str) -> list[str]:
    """The folded words of ``text``, all of them (a stop word may be half of a phrase)."""
    return WORD.findall(fold(text))


def _faq_words(ranker: Ranker) -> set[str]:
    found: set[str] = set()
    for entry in ranker.entries:
        for text in (entry.question, *entry.alternates, entry.answer):
            found.update(_said(text))
    return found


def _names_for(ranker: Ranker) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names and phrases the ranker's FAQ never uses (worked out once per ranker)."""
    known = _active.get(ranker)
    if known is None:
        used = _faq_words(ranker)
        joined = " ".join(sorted(used))
        known = (
            tuple(
                name
                for name in NAMES.get(ranker.locale, ())
                if not any(word.startswith(name) for word in used)
            ),
            tuple(phrase for phrase in PHRASES.get(ranker.locale, ()) if phrase not in joined),
        )
        _active[ranker] = known
    return known


def names_outside(ranker: Ranker, text: str) -> int:
    """How many words of ``text`` name a subject outside the shop (at most :data:`CAP`)."""
    names, phrases = _names_for(ranker)
    said = _said(text)
    count = sum(
        1
        for word in said
        if any(word.startswith(name) and (len(name) >= 4 or word == name) for name in names)
    )
    joined = " ".join(said)
    count += sum(1 for phrase in phrases if phrase in joined)
    return min(count, CAP)
