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


def _faq_texts(ranker: Ranker) -> list[list[str]]:
    """The folded words of each question, alternate and answer of the ranker's FAQ."""
    return [
        _said(text)
        for entry in ranker.entries
        for text in (entry.question, *entry.alternates, entry.answer)
    ]


def _holds(said: list[str], phrase: str) -> bool:
    """Whether the words ``said`` hold ``phrase`` from the start of one of them."""
    return f" {phrase}" in " " + " ".join(said)


def _names_for(ranker: Ranker) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The names and phrases the ranker's FAQ never uses (worked out once per ranker)."""
    known = _active.get(ranker)
    if known is None:
        texts = _faq_texts(ranker)
        used = {word for said in texts for word in said}
        known = (
            tuple(
                name
                for name in NAMES.get(ranker.locale, ())
                if not any(word.startswith(name) for word in used)
            ),
            tuple(
                phrase
                for phrase in PHRASES.get(ranker.locale, ())
                if not any(_holds(said, phrase) for said in texts)
            ),
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
    count += sum(1 for phrase in phrases if _holds(said, phrase))
    return min(count, CAP)
