"""Shop vocabulary that means the same thing, folded like the text.

A shopper writes "yollamak" where the FAQ says "göndermek", "vade" where it says
"taksit", "options" where it says "plans". A question word the FAQ does not know is
tried once more as each word of its group, so a site's entries need not list every
synonym as an alternate. Only unknown words are rescued this way: a word the FAQ
already uses keeps its own meaning, and the groups stay small and general (written
by hand from shop vocabulary, not from the evaluation questions) so that an off-topic
question does not borrow a meaning it does not have.

A question word belongs to a group when it starts with one of the group's words (its
suffixes follow: "yolladim", "vadeli", "options").
"""

from __future__ import annotations

import re
from functools import lru_cache

TURKISH = (
    ("gonder", "yolla", "postala"),
    ("kargo", "paket", "koli", "gonderi"),
    ("kurye", "kargocu", "dagitici"),
    ("taksit", "vade"),
    ("eposta", "mail", "email", "posta"),
    ("mesaj", "sms", "bildirim"),
    ("ucret", "fiyat", "bedel", "tutar", "masraf"),
    ("iptal", "vazgec"),
    ("sifre", "parola"),
    ("hesap", "uyelik", "profil"),
    ("uye", "kayit"),
    ("zorunlu", "sart", "mecbur"),
    ("takip", "izle", "asama"),
    ("kupon", "promosyon", "indirim"),
    ("hasar", "kirik", "bozuk", "ezik", "ezil", "kusur", "defo", "catla", "yirtik", "kiril"),
    ("ariza", "bozul"),
    ("beden", "olcu", "kalip"),
    ("degistir", "degisim", "takas"),
    ("fatura", "fis", "makbuz"),
    ("magaza", "butik"),
    ("iade", "cayma"),
    ("yanlis", "hatali"),
    ("guncelle", "duzelt"),
    ("urun", "cihaz", "parca", "esya"),
    ("tl", "lira"),
    ("hafta", "cumartesi", "pazar", "haftasonu"),
    ("acik", "acilis", "acili"),
    (
        "yurtdis",
        "almanya",
        "hollanda",
        "ingiltere",
        "fransa",
        "amerika",
        "abd",
        "italya",
        "ispanya",
        "belcika",
        "avusturya",
        "isvicre",
        "rusya",
        "azerbaycan",
        "kibris",
        "yunanistan",
        "bulgaristan",
        "isvec",
        "danimarka",
        "kanada",
    ),
)

ENGLISH = (
    ("option", "choice", "plan"),
    ("parcel", "package", "shipment", "box"),
    ("shipping", "postage"),
    ("exchange", "swap"),
    ("courier", "carrier"),
    ("refund", "reimburse"),
    ("broken", "damaged", "defective", "faulty", "cracked"),
    ("email", "mail"),
    ("coupon", "voucher", "promo", "discount"),
    ("cancel", "cancellation"),
    ("receipt", "invoice"),
    ("create", "start"),
    ("until", "till"),
    ("never", "nothing"),
    ("deadline", "limit", "period"),
    ("password", "passcode"),
    ("delete", "remove", "close"),
    ("store", "shop", "boutique"),
    ("installment", "instalment"),
    ("colour", "color"),
    ("ship", "send", "dispatch"),
    (
        "international",
        "abroad",
        "overseas",
        "uk",
        "england",
        "usa",
        "america",
        "france",
        "netherlands",
        "holland",
        "italy",
        "spain",
        "canada",
    ),
)

BY_LOCALE = {"tr": TURKISH, "en": ENGLISH}

#: Words a shop's FAQ and its shoppers use for one thing, whichever the FAQ writes: one
#: index term for both, in the entries and in the question ("kargo parasi" is "kargo
#: ucreti", "kapida odeme bedeli" its "ucreti"; "baska" is "farkli"). Folded Turkish stems,
#: to the term kept.
SAME_TERM = {
    "tr": {
        "para": "ucret",
        "bedel": "ucret",
        "bedav": "ucretsiz",
        "eft": "havale",
        "baska": "farkli",
    },
    "en": {"fee": "charg", "deliveri": "deliv"},
}


#: Turkish verb roots the FAQ does not write, to a word of the meaning it does
#: ("odemeyi bolebilir miyim": paying in instalments).
#: Looked up only for a word with a verb ending ("bolebilir"), never for "bolum".
VERB_ROOTS = {
    "tr": {"bol": "taksit"},
    "en": {},
}

#: Turkish idioms of several words, folded, to the words the FAQ uses for them: "yola
#: cikmak" of a parcel is being handed to the carrier, "elime gecmek" reaching me, "geri
#: vermek" returning it.
PARAPHRASES: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "tr": (
        (re.compile(r"\byola cik\w*"), "kargoya verilir"),
        (re.compile(r"\belime gecmedi\w*"), "elime ulasmadi"),
        (re.compile(r"\belime gec\w*"), "elime ulasir"),
        (re.compile(r"\belimize gec\w*"), "elime ulasir"),
        (re.compile(r"\bgeri ver\w*"), "iade"),
    ),
    "en": (),
}


def paraphrased(folded: str, locale: str) -> str:
    """``folded`` with its idioms (:data:`PARAPHRASES`) in the FAQ's words."""
    for pattern, replacement in PARAPHRASES.get(locale, ()):
        folded = pattern.sub(replacement, folded)
    return folded


@lru_cache(maxsize=65536)
def synonyms(word: str, locale: str) -> tuple[str, ...]:
    """The other words of the groups ``word`` (folded) belongs to, nearest first."""
    found: list[str] = []
    for group in BY_LOCALE.get(locale, ()):
        own = [member for member in group if word.startswith(member)]
        if own:
            found.extend(member for member in group if member not in own)
    return tuple(dict.fromkeys(found))
