"""The table of known search engines, social networks and webmail hosts.

It is the one maintained by ``referer-parser`` (loaded once, when that package is
imported), extended here with engines and domains it lacks (yandex.com.tr, ya.ru,
baidu.com, Brave, Startpage, Qwant, ...). The lookup follows referer-parser's rules:
the referrer's host, then each parent domain, is looked up first with the path's
first segment (``google.com/imgres``) and then without a path.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal

import referer_parser

ReferrerKind = Literal["search", "social", "external", "internal"]

# (medium, source name, query parameters holding the search phrase, in order of preference)
_Entry = tuple[str, str, tuple[str, ...]]

# What referer-parser 0.4.1 does not know (or only knows under www.):
# medium -> name -> (domains, parameters). Names are already the `source`s we report.
_EXTRA: Final[dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]] = {
    "search": {
        "yandex": (
            (
                "yandex.com.tr",
                "yandex.kz",
                "yandex.az",
                "yandex.uz",
                "yandex.by",
                "yandex.ru",
                "yandex.ua",
                "yandex.com",
                "yandex.fr",
                "yandex.eu",
                "ya.ru",
            ),
            ("text",),
        ),
        "baidu": (("baidu.com", "m.baidu.com"), ("wd", "word", "kw")),
        "bing": (("bing.com", "cn.bing.com"), ("q",)),
        "duckduckgo": (("duckduckgo.com", "html.duckduckgo.com", "lite.duckduckgo.com"), ("q",)),
        "yahoo": (("search.yahoo.com", "search.yahoo.co.jp"), ("p", "q")),
        "brave": (("search.brave.com",), ("q",)),
        "startpage": (("startpage.com",), ("query", "q")),
        "qwant": (("qwant.com",), ("q",)),
        "ecosia": (("ecosia.org",), ("q",)),
        "kagi": (("kagi.com",), ("q",)),
        "sogou": (("sogou.com",), ("query", "keyword")),
        "petal search": (("petalsearch.com",), ("query", "q")),
        "naver": (("search.naver.com", "m.search.naver.com"), ("query",)),
        "seznam": (("search.seznam.cz",), ("q",)),
    },
    "social": {
        "twitter": (("x.com", "twitter.com", "t.co"), ()),
        "facebook": (("facebook.com", "fb.com", "fb.me"), ()),
        "instagram": (("instagram.com",), ()),
        "tiktok": (("tiktok.com",), ()),
        "threads": (("threads.net", "threads.com"), ()),
        "bluesky": (("bsky.app",), ()),
        "mastodon": (("mastodon.social",), ()),
        "whatsapp": (("whatsapp.com", "wa.me"), ()),
        "telegram": (("t.me", "web.telegram.org"), ()),
        "discord": (("discord.com",), ()),
        "youtube": (("youtube.com", "youtu.be"), ()),
        "linkedin": (("linkedin.com", "lnkd.in"), ()),
        "pinterest": (("pinterest.com",), ()),
        "reddit": (("reddit.com",), ()),
    },
    "email": {
        "outlook.com": (("outlook.live.com", "outlook.office.com", "outlook.office365.com"), ()),
    },
}

# referer-parser names that are a variant of a main engine.
_NAME_ALIASES: Final = {
    "yahoo!": "yahoo",
    "yahoo! images": "yahoo",
    "yahoo! mail": "yahoo mail",
    "google images": "google",
    "google news": "google",
    "google video": "google",
    "google blogsearch": "google",
    "google product search": "google",
    "bing images": "bing",
    "yandex images": "yandex",
    "naver images": "naver",
    "ask toolbar": "ask",
    "taringa!": "taringa",
}


def _source_name(name: str) -> str:
    lowered = " ".join(str(name).lower().split())
    return _NAME_ALIASES.get(lowered, lowered)


def _build_table() -> tuple[dict[str, _Entry], frozenset[str]]:
    table: dict[str, _Entry] = {}
    for domain, config in referer_parser.REFERERS.items():
        params = tuple(str(p).lower() for p in config.get("params") or ())
        table[str(domain).lower()] = (
            str(config["medium"]),
            _source_name(config["name"]),
            params,
        )
    for medium, engines in _EXTRA.items():
        for name, (domains, params) in engines.items():
            for domain in domains:
                known = table.get(domain)
                # keep referer-parser's parameters too, ours first
                merged = tuple(dict.fromkeys((*params, *(known[2] if known else ()))))
                table[domain] = (medium, name, merged)
    # hosts that have entries keyed by host + "/" + first path segment
    path_hosts = frozenset(key.split("/", 1)[0] for key in table if "/" in key)
    return table, path_hosts


_TABLE, _PATH_HOSTS = _build_table()

ANDROID_APPS: Final[dict[str, tuple[ReferrerKind, str]]] = {
    "com.google.android.googlequicksearchbox": ("search", "google"),
    "com.google.android.gm": ("external", "gmail"),
    "com.facebook.katana": ("social", "facebook"),
    "com.facebook.lite": ("social", "facebook"),
    "com.instagram.android": ("social", "instagram"),
    "com.twitter.android": ("social", "twitter"),
    "com.linkedin.android": ("social", "linkedin"),
    "com.pinterest": ("social", "pinterest"),
    "com.reddit.frontpage": ("social", "reddit"),
    "com.zhiliaoapp.musically": ("social", "tiktok"),
}


def _parent_domains(host: str) -> Iterable[str]:
    while True:
        yield host
        dot = host.find(".")
        if dot < 0:
            return
        host = host[dot + 1 :]


def lookup(host: str, path: str) -> _Entry | None:
    if path and path != "/":
        segment = path.split("/", 2)[1] if path.startswith("/") else ""
        for candidate in _parent_domains(host):
            if candidate in _PATH_HOSTS:
                entry = _TABLE.get(candidate + path)
                if entry is None and segment:
                    entry = _TABLE.get(candidate + "/" + segment)
                if entry is not None:
                    return entry
    for candidate in _parent_domains(host):
        entry = _TABLE.get(candidate)
        if entry is not None:
            return entry
    return None
