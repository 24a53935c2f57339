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
from chat_server.assistant.retrieval.synonyms import paraphrased
from chat_server.search.folding import WORD, fold

LOCALES = ("tr", "en")
MIN_STEM = 4
#: Turkish verb endings (tense, negation, ability, person; folded, longest first), the
#: written and the spoken ones ("-iyo", "-icem", "-ucam"): "giremiyorum", "silmek",
#: "gelmis", "giremiyom" keep their root ("gir", "sil", "gel").
_VERB_ENDINGS = tuple(
    sorted(
        """emiyorum amiyorum emiyor amiyor iyorum uyorum iyoruz uyoruz iyor uyor mek mak
        mis mus medi madi medim madim ecek acak ecegim acagim ken dim dum tim tum erim arim
        ebilir abilir
        iyom uyom iyon uyon iyoz uyoz iyo uyo iyosun uyosun iyosunuz uyosunuz iyonuz
        uyonuz iyorsun uyorsun iyorsunuz uyorsunuz emiyom amiyom emiyo amiyo icem icam
        ucem ucam icez icaz ucaz ecem acam ecez acaz icek icak ucak cek cak""".split(),
        key=len,
        reverse=True,
    )
)
#: A verb root is at least this long ("sil", "gir", "gel"; not "al" or "ol").
MIN_VERB_ROOT = 3
_INFINITIVE = ("mek", "mak")
_STEMMERS = {"tr": snowballstemmer.stemmer("turkish"), "en": snowballstemmer.stemmer("english")}


#: Noun endings Snowball's Turkish stemmer leaves on a word typed without Turkish
#: letters (its suffix rules check vowel harmony, which folding erases): "parasi",
#: "gunde", "karti", "numarali", "iades", "garantil" keep "si", "de", "i", "li", "s", "l".
_NOUN_ENDINGS = tuple(
    sorted(
        """sini sinu nin nun si su ni nu yi yu ye ya yle yla la le lar ler lari leri de da
        den dan nde nda nden ndan te ta ten tan lik luk li lu mi mu i u a e s l""".split(),
        key=len,
        reverse=True,
    )
)
#: The least length of a base a residual ending is taken down to ("gun" of "gunde"),
#: one letter more for a one-letter ending ("veri" stays, it is not "ver").
MIN_BASE = 3


def attested_base(term: str, attested: frozenset[str], short: frozenset[str] = frozenset()) -> str:
    """The term of ``attested`` that ``term`` comes down to by taking off residual
    Turkish noun endings one at a time (longest first), every step landing on an
    attested term ("gunde" to "gun", "parasi" to "para"), then a verb ending the FAQ
    writes ("gonderiyor" to "gonder"), else ``term`` itself. Only attested terms:
    "havale" does not become "hava" unless the FAQ writes "hava". A one-letter ending
    comes off down to a base of ``MIN_BASE`` letters only if ``short`` holds it."""
    current = term
    while True:
        for ending in _NOUN_ENDINGS:
            base = current[: -len(ending)]
            least = MIN_BASE if len(ending) > 1 or base in short else MIN_BASE + 1
            if current.endswith(ending) and len(base) >= least and base in attested:
                current = base
                break
        else:
            break
    for ending in _WRITTEN_VERB_ENDINGS:
        base = current[: -len(ending)]
        if current.endswith(ending) and len(base) >= MIN_VERB_BASE and base in attested:
            return base
    return current


#: Verb endings the FAQ writes ("gonderiyor", "gonderiyoruz", "degistirebilir"), taken
#: off only down to a base of at least :data:`MIN_VERB_BASE` letters the FAQ attests.
_WRITTEN_VERB_ENDINGS = tuple(
    sorted(
        """iyor iyoruz iyorsunuz uyor uyoruz uyorsunuz ebilir abilir ebilirsiniz abilirsiniz
        yebilir yabilir ecek acak yecek yacak emez amaz ilir ilemez""".split(),
        key=len,
        reverse=True,
    )
)
MIN_VERB_BASE = 4


#: Chat shorthand for a whole word, folded ("ne zmn gelir", "sprs nrde").
SHORTHAND = {
    "tr": {
        "zmn": "zaman",
        "nrde": "nerede",
        "nrdn": "nereden",
        "nrd": "nerede",
        "sprs": "siparis",
        "sprsm": "siparisim",
        "hsp": "hesap",
        "msj": "mesaj",
        "tlf": "telefon",
        "tel": "telefon",
        "krgo": "kargo",
        "krg": "kargo",
    },
    "en": {"pkg": "package", "acct": "account", "pwd": "password", "addr": "address"},
}


def words(text: str, locale: str) -> list[str]:
    """The folded words of ``text`` that are not stop words, in order, shorthand spelt out."""
    stop, verbs, short = BY_LOCALE[locale], VERB_STARTS[locale], SHORTHAND[locale]
    return [
        word
        for word in (
            short.get(found, found) for found in WORD.findall(paraphrased(fold(text), locale))
        )
        if word not in stop and len(word) > 1 and not (verbs and word.startswith(verbs))
    ]


@lru_cache(maxsize=65536)
def stem(word: str, locale: str) -> str:
    """The index term of one folded word."""
    if locale == "tr" and word.endswith(_INFINITIVE) and len(word) - 3 >= MIN_STEM:
        word = word[:-3]
    stemmed: str = fold(_STEMMERS[locale].stemWord(word))
    if len(stemmed) < MIN_STEM <= len(word):
        return word[:MIN_STEM]
    return stemmed if stemmed else word


def verb_root(word: str, locale: str) -> str | None:
    """The root of a folded Turkish verb form (``giremiyorum`` to ``gir``), else None.

    Snowball's Turkish stemmer leaves verb endings on, so a verb the FAQ writes in
    another form ("Hesabıma giriş yapamıyorum", "Üyeliğimi nasıl silerim") would count
    as a word it does not know; the ranker looks the root up among the FAQ's words."""
    roots = verb_roots(word, locale)
    return roots[0] if roots and len(roots[0]) >= MIN_VERB_ROOT else None


def verb_roots(word: str, locale: str) -> tuple[str, ...]:
    """The roots a folded Turkish verb form may have, likeliest first: before "-iyor",
    "-icem", "-ucam" a root's last "e" or "a" is dropped ("odiyorum" is "ode-",
    "yolluyo" is "yolla-"), so the root is also tried with it."""
    if locale != "tr":
        return ()
    for ending in _VERB_ENDINGS:
        if not word.endswith(ending):
            continue
        root = word[: -len(ending)]
        found = [root] if len(root) >= MIN_VERB_ROOT else []
        if ending[0] in "iu" and len(root) + 1 >= MIN_VERB_ROOT:
            found += [root + "e", root + "a"]
        if found:
            return tuple(found)
    return ()


def same_root(first: str, second: str) -> bool:
    """Whether one stem starts the other: at five letters or more, any ending (``kargo``,
    ``kargolanir``); at four, one more letter only (``bede``, ``beden``; not ``hava``,
    ``havale``)."""
    shorter, longer = sorted((first, second), key=len)
    if len(shorter) < MIN_STEM or not longer.startswith(shorter):
        return False
    return len(shorter) > MIN_STEM or len(longer) - len(shorter) <= 1


def shared_start(first: str, second: str) -> int:
    count = 0
    for left, right in zip(first, second, strict=False):
        if left != right:
            break
        count += 1
    return count


#: The Turkish causative ("sildirmek", "degistirtmek"): someone else is to do it.
_CAUSATIVE = ("dir", "dur", "tir", "tur")


def with_causative(roots: tuple[str, ...]) -> tuple[str, ...]:
    """Verb roots and, for a causative one, the verb it is made of ("sildir": "sil")."""
    size = len(_CAUSATIVE[0])
    return roots + tuple(
        root[:-size]
        for root in roots
        if root.endswith(_CAUSATIVE) and len(root) - size >= MIN_VERB_ROOT
    )


def terms(text: str, locale: str) -> list[str]:
    """The index terms of ``text``: stems of its folded, non-stop words."""
    return [stem(word, locale) for word in words(text, locale)]
