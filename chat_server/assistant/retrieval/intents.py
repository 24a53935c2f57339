"""What a question asks for (when, how much, which, where, how), as weak index terms.

Question words are stop words: alone they would tie every entry to every question.
But the entries' own questions and alternates say what each entry answers ("Sipariş
kaç günde gelir?", "Kargo şirketi hangisi?", "Kim öder?"), so a shopper's "kargocu kim"
is nearer the entry that asks "which carrier" than the one that asks "how much". Each
intent found in the folded text becomes one pseudo-term (``?when``, ...), indexed with
the entries' questions and alternates (not the answers) and weighted by its IDF like any
term, times :data:`INTENT_WEIGHT`: it can tip two close entries, it cannot make an entry
of a question that shares nothing else with it.
"""

from __future__ import annotations

import re

#: The share of its IDF an intent term weighs in a question.
INTENT_WEIGHT = 0.5

_DURATION = r"\bne kadar sur\w*|\bsure\w* ne kadar\b|\bne kadar sure\w*"
#: (intent, found by, unless also found): "ne kadar" asks a price, "suresi ne kadar" a time.
_TURKISH = (
    ("?when", rf"\bne (zaman|zmn)\b|\bkac (gun|is gun|hafta|saat)\w*|{_DURATION}", ""),
    ("?cost", r"\bne kadar\b|\bkac (tl|lira|para)\b", _DURATION),
    ("?which", r"\bhangi\w*|\bkim\b|\bkimin\b", ""),
    ("?where", r"\bner(e|)(de|den|dn|ye)\b|\bnrde\b|\bnrdn\b", ""),
    ("?how", r"\bnasil\b", ""),
)
_ENGLISH = (
    ("?when", r"^\W*when\b|\bwhat time\b|\bhow long\b|\bhow many days\b", ""),
    ("?cost", r"\bhow much\b", ""),
    ("?which", r"\bwhich\b|\bwho\b", ""),
    ("?where", r"\bwhere\b|\bwheres\b", ""),
    ("?how", r"\bhow\b(?! (much|long|many))", ""),
)
_PATTERNS = {
    locale: tuple(
        (name, re.compile(found), re.compile(unless) if unless else None)
        for name, found, unless in table
    )
    for locale, table in (("tr", _TURKISH), ("en", _ENGLISH))
}


def intents(folded: str, locale: str) -> list[str]:
    """The intent terms of a folded text, in a fixed order."""
    return [
        name
        for name, found, unless in _PATTERNS.get(locale, ())
        if found.search(folded) and not (unless and unless.search(folded))
    ]
