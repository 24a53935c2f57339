"""Everyday words an answer cannot rest on when the question names something unknown.

"maasim ne zaman hesabima yatar", "how do i reset my router password", "pasaport kac
gunde gelir": an off-topic question shares with an entry the words of everyday life
(when, how much, account, password, arrive, open) and names its own subject with a word
the FAQ never uses (salary, router, passport). A shop question names a shop thing the
FAQ knows (order, parcel, return, coupon). So when a question holds a content word the
FAQ does not know, the entry answering it must hold at least one of the question's
words that is not an everyday one (:data:`GENERIC`); the words are general language,
written by hand, not taken from the evaluation questions.

A word the FAQ does not know counts as a content word unless it reads as a verb form
(its ending), a contraction or an adjective ending ("isnt", "available"): how a
shopper asks, not what about.
"""

from __future__ import annotations

from collections.abc import Iterable

from chat_server.assistant.retrieval.terms import verb_roots

#: Everyday words (folded) of time, money, accounts, contact, coming and going, opening
#: hours and changing things: shared by a shop and by banks, offices and other apps.
GENERIC = {
    "tr": frozenset(
        """
        zaman gun gunde saat hafta ay yil sure tarih sonra once ucret para fiyat tl lira
        hesap sifre parola giris uye uyelik sil silmek kapat kapatmak unut unuttum sifirla
        sifirlama yeni telefon numara numarasi mail eposta mesaj sms musteri hizmet
        hizmetleri gel gelir geldi ulas ulasir git gec yatar yatmak acik kapali calis
        calisma adres degistir banka kart kredi nakit bilgi gonder
        """.split()
    ),
    "en": frozenset(
        """
        time day days week hour hours long take when much cost price fee charge money
        account password login log reset forgot delete remove close open phone number
        email mail call customer service arrive come get change address bank card credit
        new send
        """.split()
    ),
}

_INFINITIVE = ("mek", "mak")
_ENGLISH_NOT_NOUNS = ("nt", "able", "ible", "ly", "ed", "ing", "s")


def content_word(word: str, locale: str) -> bool:
    """Whether a folded word the FAQ does not know names a thing (not a verb form, a
    contraction or an adjective by its ending)."""
    if word.isdigit():
        return False
    if locale == "tr":
        return not verb_roots(word, locale) and not word.endswith(_INFINITIVE)
    return not word.endswith(_ENGLISH_NOT_NOUNS)


def rests_on(holds: Iterable[str], names_other: bool, generic: frozenset[str]) -> bool:
    """Whether an entry may answer: the question names nothing the entry does not know
    of (``names_other``), or the entry holds one of its words that is not everyday."""
    return not names_other or any(term not in generic for term in holds)
