"""Turkish verb forms of one verb as one term: "ödeme", "öder", "ödeyebilir", "ödenir".

Snowball's Turkish stemmer knows noun endings, not verb ones, so the FAQ's own forms of
one verb are as many terms ("odem", "oder", "odeyebilir", "odeyecek") and a question
that writes another form ("odesem", "odiycem") meets none of them. A folded word is
taken here to a root by its longest verb ending (tense, ability, passive, person,
verbal noun, spoken forms; vowel harmony is not checked, folding has erased it), and the
ranker makes a root one term only where the FAQ itself writes the verb in two or more
of these forms: "beden" does not become "bed" because no other FAQ word ends so on "bed".
"""

from __future__ import annotations

from functools import lru_cache

#: The least length of a root ("ode", "ver", "sil").
MIN_ROOT = 3

_TAILS = """
r ir ur er ar irim urum erim arim iriz uruz eriz ariz rim riz irsiniz ursunuz ersiniz
arsiniz rsiniz ebilir abilir yebilir yabilir ebilirim abilirim yebilirim yabilirim
ebiliriz abiliriz ebilirsiniz abilirsiniz yebilirsiniz yabilirsiniz ebiliyor abiliyor
yebiliyor yabiliyor ecek acak yecek yacak ecegim acagim yecegim yacagim eceksiniz
acaksiniz yeceksiniz yacaksiniz ecekmiyim acakmiyim ilir ulur inir unur nir nur ilmis
ulmus ilmisse ildi uldu ildigi uldugu ildiginde uldugunda ildik ulduk ildikten uldukten
ildiyse ulduysa ilen ulan nen nan ilecek ulacak necek nacak di du ti tu dim dum tim tum
dik duk tik tuk digi dugu tigi tugu diginiz dugunuz tiginiz tugunuz dikten dukten tikten
tuktan iyor uyor iyorum uyorum iyoruz uyoruz iyorsun uyorsun iyorsunuz uyorsunuz iyo uyo
iyom uyom iyoz uyoz iyosun uyosun iyosunuz uyosunuz iyonuz uyonuz icem icam ucem ucam
icez icaz ucaz ecem acam ecez acaz cem cam cez caz iycem iycam mek mak icek icak ucak cek cak
se sa sem sam sek sak seniz saniz in un yin yun iniz unuz yiniz yunuz ince
unca yince yunca ip up yip yup erek arak
""".split()
_NEGATIVE_TAILS = """
emez amaz yemez yamaz emiyor amiyor emiyorum amiyorum emedim amadim emedi amadi emiyom
amiyom emiyo amiyo ilmez ulmaz nmez nmaz ilemez ulamaz ilmedi ulmadi ilmediyse ulmadiysa
ilmemis ulmamis medi madi medim madim miyor muyor miyorum muyorum miyo muyo mez maz
mamis memis meden madan
""".split()
TAILS = tuple(sorted(set(_TAILS) | set(_NEGATIVE_TAILS), key=len, reverse=True))
NEGATIVE = frozenset(_NEGATIVE_TAILS)
#: Marks a negated root ("gelmedi" is "gel!"): not coming is not coming.
NOT = "!"


@lru_cache(maxsize=65536)
def verb_lemmas(word: str) -> tuple[str, ...]:
    """The roots a folded Turkish word may be a verb form of, longest ending first; a
    spoken "-iyo"/"-icem" may have dropped the root's "e"/"a" ("odiycem": "ode")."""
    found: list[str] = []
    for tail in TAILS:
        if not word.endswith(tail) or len(word) - len(tail) < MIN_ROOT - 1:
            continue
        root = word[: -len(tail)]
        mark = NOT if tail in NEGATIVE else ""
        if len(root) >= MIN_ROOT:
            found.append(root + mark)
        if tail.startswith(("iy", "uy", "ic", "uc")):
            found.extend((root + "e" + mark, root + "a" + mark))
    return tuple(dict.fromkeys(found))


def merged_roots(words: dict[str, str]) -> dict[str, str]:
    """Of the FAQ's folded words (to their Snowball stems), those that are forms of a
    root two or more of them share, to that root (each word's longest-ending reading).
    A word whose noun stem is itself an FAQ word is a noun ("paketi" is "paket", not a
    past tense of "pake-"; "siparisler" is not an aorist)."""
    first = {}
    for word, stemmed in words.items():
        if stemmed != word and stemmed in words and not verb_lemmas(stemmed):
            continue
        lemmas = verb_lemmas(word)
        if lemmas:
            first[word] = lemmas[0]
    counts: dict[str, int] = {}
    for lemma in first.values():
        counts[lemma] = counts.get(lemma, 0) + 1
    # A negated form is merged where the verb is ("gelmedi" with "geldi", "gelir").
    return {
        word: lemma
        for word, lemma in first.items()
        if counts[lemma] >= 2 or counts.get(lemma.rstrip(NOT), 0) >= 2
    }


#: The question particle glued to a verb ("yolluyomusunuz", "vercekmiyim", "olurmu").
_PARTICLES = tuple(
    sorted(
        """mi mu miyim muyum miyiz muyuz misin musun misiniz musunuz midir mudur""".split(),
        key=len,
        reverse=True,
    )
)


def unglued(word: str) -> str | None:
    """A folded Turkish verb form without the question particle typed onto it
    ("yolluyomusunuz" is "yolluyo" asked), else None."""
    for particle in _PARTICLES:
        rest = word[: -len(particle)]
        if word.endswith(particle) and len(rest) > MIN_ROOT and verb_lemmas(rest):
            return rest
    return None
