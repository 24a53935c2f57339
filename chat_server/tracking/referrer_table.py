"""The table of known search engines, social networks, webmails and AI assistants.

It is Snowplow's maintained ``referers.yml`` (shipped as ``chat_server/data/referers.json``,
refreshed by ``tools/refresh_referers.py``; GPL-3.0, see ``data/REFERERS-LICENSE.md``),
loaded once at import, extended here with what it lacks for Turkish shops (Akakçe,
Cimri, Yandex's Turkish domains) and other engines and domains (ya.ru, Brave, Kagi,
...). The lookup follows referer-parser's rules: the referrer's host, then each
parent domain, is looked up first with the path's first segment (``google.com/imgres``)
and then without a path; so ``gemini.google.com`` is the Gemini assistant, not Google.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Final, Literal

ReferrerKind = Literal["search", "social", "assistant", "external", "internal"]

REFERERS_JSON: Final = Path(__file__).resolve().parent.parent / "data" / "referers.json"

# (medium, source name, query parameters holding the search phrase, in order of preference)
_Entry = tuple[str, str, tuple[str, ...]]

# What referers.yml does not know (or only knows under www.):
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
        # Turkish price comparison: shoppers search there, then click through to the shop.
        "akakce": (("akakce.com", "m.akakce.com"), ("q",)),
        "cimri": (("cimri.com", "m.cimri.com"), ("q",)),
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

# referers.yml names that are a variant of a main engine, or longer than the source we report.
_NAME_ALIASES: Final = {
    "google gemini": "gemini",
    "microsoft copilot": "copilot",
    "perplexity.ai": "perplexity",
    "claude.ai": "claude",
    "mistral.ai": "mistral",
    "meta.ai": "meta ai",
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
    media = json.loads(REFERERS_JSON.read_text(encoding="utf-8"))["media"]
    for medium, providers in media.items():
        for name, provider in providers.items():
            params = tuple(dict.fromkeys(str(p).lower() for p in provider["parameters"]))
            for domain in provider["domains"]:
                table[str(domain).lower()] = (str(medium), _source_name(name), params)
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
