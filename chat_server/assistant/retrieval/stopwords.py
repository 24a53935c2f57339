"""Words that say nothing about which FAQ entry a question means, folded like the text.

Question words, particles, pronouns and chat fillers ("abi", "lutfen", "pls"): left in,
they would let an off-topic question share words with every entry. Written by hand from
the words of Turkish and English shop questions, not learned from the evaluation sets.
"""

from __future__ import annotations

TURKISH = frozenset(
    """
    a acaba abi abla ama ancak artik aslinda az bana bari basta ben beni benim bi bile bir
    biraz birsey biz bize bizim bu buna bunu bunun cok da daha de degil diye dir dur en gibi
    hala hangi hangisi hani hem hemen her hic hocam icin ile ise iste kac kadar ki kim kimse
    lutfen mi mu no misin misiniz miyim musun musunuz mudur midir mumkun nasil ne neden nedir
    neler nelerdir nerden nereden niye o olarak olur olsun on ona onu onun oyle peki sen
    seni siz size sizin slm selam su sunu tamam tesekkur tesekkurler var varmi ve veya ya yani
    yok merhaba iyi gunler aksamlar kolay gelsin rica ederim bey hanim dostum kardesim the
    hicbir herhangi simdi zaten sadece yine olurmu yokmu lazim normalde ekstra ilave
    fazladan satin almak alsam alayim alcam alicam alip miyiz muyuz
    """.split()
)

ENGLISH = frozenset(
    """
    a about am an and any anyone are as at be been but by can could did do does doing for from
    get got had has have hello hey hi how i if im in is it its just me my of on or our please
    pls plz so some still than thanks that the their them then there these they this to u
    us want was we were what whats when where which who why will with would you your yours
    ur hiya thank dear sir madam ok okay yes no not dont cant find out gets here time
    """.split()
)

#: Turkish "light" verbs (do, make, want, say, look, stay) in any of their many written
#: forms ("yapicam", "yaparim", "istiyorum", "ettim", "diyor"): a word starting so says
#: how the shopper asks, not what about.
TURKISH_VERB_STARTS = (
    "yap",
    "ede",
    "edi",
    "etm",
    "ett",
    "etc",
    "etse",
    "iste",
    "isti",
    "diyo",
    "diye",
    "dedi",
    "bakc",
    "baka",
    "bakt",
    "bakiyo",
    "kaldi",
    "kalmis",
    "oluy",
    "olm",
    "olac",
    "olca",
    "olab",
)

BY_LOCALE = {"tr": TURKISH, "en": ENGLISH}
VERB_STARTS = {"tr": TURKISH_VERB_STARTS, "en": ()}
