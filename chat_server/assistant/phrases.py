"""What the assistant says besides FAQ answers, and how it reads short replies.

Pure: the fixed phrases in Turkish and English (the assistant never invents text
beyond an FAQ answer and these), the words that ask for a person or answer
"Did this help?", and the language of a message when the conversation has none.
"""

from __future__ import annotations

import re
from enum import StrEnum

from chat_server.search.folding import WORD, fold

LOCALES = ("tr", "en")

PHRASES: dict[str, dict[str, str]] = {
    "tr": {
        "name": "{site} Asistan",
        "did_it_help": "Bu yanıt yardımcı oldu mu?",
        "person_soon": "Bu soruya kesin bir yanıtım yok. Bir temsilcimiz kısa süre içinde yanıt verecek.",
        "leave_email": (
            "Bu soruya kesin bir yanıtım yok ve şu anda çevrimiçi temsilcimiz bulunmuyor. "
            "E-posta adresinizi bırakın, size yanıt verelim."
        ),
        "connecting": "Sizi bir temsilciye bağlıyorum.",
        "glad": "Yardımcı olabildiğime sevindim! Başka bir sorunuz olursa yazabilirsiniz.",
    },
    "en": {
        "name": "{site} Assistant",
        "did_it_help": "Did this help?",
        "person_soon": "I don't have a sure answer to that. A person will answer shortly.",
        "leave_email": (
            "I don't have a sure answer to that, and no one is online right now. "
            "Leave your e-mail and we'll reply."
        ),
        "connecting": "Connecting you to a person.",
        "glad": "Glad it helped! Ask me anything else.",
    },
}


def phrase(locale: str, key: str, **values: str) -> str:
    table = PHRASES.get(locale, PHRASES["en"])
    return table[key].format(**values)


class Intent(StrEnum):
    """What a visitor's message means to the assistant before it is a question."""

    question = "question"
    person = "person"
    yes = "yes"
    no = "no"


# Folded (lower case, no diacritics): "canlı destek" -> "canli destek". Turkish words
# take suffixes ("temsilciyle", "insanla"); English ones only a plural, so that
# "personal" asks for no one.
_PERSON_TR = ("temsilci", "insan", "canli destek", "musteri hizmet", "yetkili", "operator")
_PERSON_EN = ("human", "agent", "person", "representative", "operator", "someone real")
_PERSON = re.compile(
    r"\b(?:(?:"
    + "|".join(re.escape(word) for word in _PERSON_TR)
    + r")\w*|(?:"
    + "|".join(re.escape(word) for word in _PERSON_EN)
    + r")s?\b)"
)
_YES = frozenset({"evet", "yes", "yep", "yeah", "oldu", "tesekkurler", "sagol", "thanks"})
_NO = frozenset({"hayir", "no", "nope", "olmadi"})
#: A reply this short (in words) may be a yes or a no; a longer one is a question.
_SHORT_REPLY = 3


def intent_of(text: str) -> Intent:
    folded = fold(text)
    if _PERSON.search(folded):
        return Intent.person
    words = WORD.findall(folded)
    if 0 < len(words) <= _SHORT_REPLY:
        if words[0] in _NO:
            return Intent.no
        if words[0] in _YES:
            return Intent.yes
    return Intent.question


_TURKISH_LETTERS = frozenset("çğıöşüÇĞİÖŞÜ")
_TURKISH_WORDS = frozenset(
    {
        "ve",
        "bir",
        "bu",
        "ne",
        "nasil",
        "nerde",
        "nerede",
        "mi",
        "mu",
        "var",
        "yok",
        "icin",
        "kargo",
        "kargom",
        "siparis",
        "siparisim",
        "iade",
        "odeme",
        "taksit",
        "merhaba",
        "selam",
        "urun",
        "ne zaman",
        "zaman",
        "kac",
        "gun",
        "fiyat",
        "indirim",
        "kapida",
        "canli",
        "destek",
        "lutfen",
    }
)


def detect_locale(text: str, fallback: str | None) -> str:
    """Turkish when the text has Turkish letters or common Turkish words, else ``fallback``."""
    if any(char in _TURKISH_LETTERS for char in text):
        return "tr"
    words = set(WORD.findall(fold(text)))
    if words & _TURKISH_WORDS:
        return "tr"
    return fallback if fallback in LOCALES and fallback else "en"
