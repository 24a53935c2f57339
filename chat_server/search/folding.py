"""Text folded for search, the words of a query, and snippets around the words found.

Folding follows Turkish case rules (``I`` and ``ı``, ``İ`` and ``i``), then strips
diacritics (``ç ğ ı ö ş ü â î û`` and the other accented Latin letters to their base
letter), and lower-cases. The indexed text and the query are folded the same way, so
``kargo`` finds ``KARGOM``, ``odeme`` finds ``Ödeme`` and ``İADE`` finds ``iade``.
Every character folds to exactly one character, so a position in the folded text is
the same position in the original: snippets are cut from the original text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

#: A word: letters and digits (the FTS5 ``unicode61`` tokenizer and PostgreSQL's
#: ``simple`` parser then see exactly the words Python saw).
WORD = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 12
SNIPPET_CHARS = 100
MARK_OPEN, MARK_CLOSE = "<mark>", "</mark>"

# Turkish first: the dotless and dotted I fold to plain "i" once diacritics are gone.
_TURKISH = {"I": "i", "İ": "i", "ı": "i"}


def _fold_char(char: str) -> str:
    if char in _TURKISH:
        return _TURKISH[char]
    base = unicodedata.normalize("NFD", char)[0]
    lowered = base.lower()
    return lowered if len(lowered) == 1 else base


# Accented Latin letters (Latin-1, Extended-A/B, Extended Additional) to their base
# letter; ASCII and other scripts are only lower-cased. Only the non-ASCII characters
# are looked up, so the message path pays little for the usual mostly-ASCII text.
_TABLE = {
    chr(code): _fold_char(chr(code))
    for block in (range(0xC0, 0x250), range(0x1E00, 0x1F00))
    for code in block
}
_TABLE.update(_TURKISH)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold_match(match: re.Match[str]) -> str:
    char = match.group()
    return _TABLE.get(char, char)


def fold(text: str) -> str:
    """``text`` (NFC) folded for search, one character for one character."""
    if text.isascii():
        return text.lower()
    translated = _NON_ASCII.sub(_fold_match, unicodedata.normalize("NFC", text))
    # After the table no length-changing lower-casing is left (U+0130 was the one).
    lowered = translated.lower()
    return lowered if len(lowered) == len(translated) else translated


def document(text: str) -> str:
    """What the index stores for ``text``: its folded words separated by spaces."""
    return " ".join(WORD.findall(fold(text)))


def query_words(query: str) -> list[str]:
    """The folded words of a query, duplicates and words inside another dropped."""
    words: list[str] = []
    for word in WORD.findall(fold(query)):
        if word not in words:
            words.append(word)
    return words[:MAX_QUERY_WORDS]


def _hits(folded: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """(start, end) of each word of ``folded`` that starts with one of ``words``."""
    prefixes = tuple(words)
    return [
        (match.start(), match.end())
        for match in WORD.finditer(folded)
        if match.group().startswith(prefixes)
    ]


def matches_all(text: str, words: Iterable[str]) -> bool:
    """Whether every query word starts some word of ``text``."""
    found = WORD.findall(fold(text))
    return all(any(token.startswith(word) for token in found) for word in words)


def snippet(text: str, words: list[str], width: int = SNIPPET_CHARS) -> str:
    """About ``width`` characters of ``text`` around its first hit, HTML-escaped, each
    matching word wrapped in ``<mark>``; an ellipsis where the text was cut."""
    original = unicodedata.normalize("NFC", text)
    folded = fold(original)
    hits = _hits(folded, words)
    first = hits[0][0] if hits else 0
    start = max(0, first - width // 3)
    end = min(len(original), start + width)
    start = max(0, min(start, end - width))
    if start > 0:  # do not cut a word in two
        space = original.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and start - space < 15 else start
    if end < len(original):
        space = original.find(" ", end)
        end = space if 0 <= space - end < 15 else end
    pieces: list[str] = ["…" if start > 0 else ""]
    cursor = start
    for hit_start, hit_end in hits:
        if hit_end <= start or hit_start >= end:
            continue
        hit_start, hit_end = max(hit_start, start), min(hit_end, end)
        pieces.append(html.escape(original[cursor:hit_start], quote=False))
        pieces.append(
            MARK_OPEN + html.escape(original[hit_start:hit_end], quote=False) + MARK_CLOSE
        )
        cursor = hit_end
    pieces.append(html.escape(original[cursor:end], quote=False))
    pieces.append("…" if end < len(original) else "")
    return "".join(pieces).replace("\n", " ")
