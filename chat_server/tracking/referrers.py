"""Search keywords, campaigns and referrer kinds from page and referrer URLs.

Which host is a search engine, a social network or a webmail is
:mod:`chat_server.tracking.referrer_table`'s to say.

Every function is pure, does no I/O and never raises on bad input. Search words
and campaigns are cached per URL (and referrer): shoppers' pages repeat a lot.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Final
from urllib.parse import SplitResult, unquote_to_bytes, urlsplit

from chat_server.tracking.referrer_table import ANDROID_APPS, ReferrerKind, lookup

__all__ = [
    "DEFAULT_SITE_SEARCH_PARAMS",
    "MAX_KEYWORD_LENGTH",
    "ReferrerInfo",
    "SearchKeyword",
    "classify_referrer",
    "extract_campaign",
    "extract_keywords",
    "referrer_kind",
]

DEFAULT_SITE_SEARCH_PARAMS: Final = ("q", "s", "search", "query", "keyword", "k")
MAX_KEYWORD_LENGTH: Final = 200
CAMPAIGN_FIELDS: Final = ("source", "medium", "campaign", "term", "content")
_CACHE_SIZE: Final = 4096


@dataclass(frozen=True)
class SearchKeyword:
    """A search phrase and where it came from.

    ``source`` is a search engine's name in lower case (``google``, ``bing``,
    ``yandex``, ...), ``utm`` for a ``utm_term`` campaign parameter, or
    ``site`` for the storefront's own search.
    """

    keyword: str
    source: str


@dataclass(frozen=True)
class ReferrerInfo:
    """What kind of place a referrer is, and its name when it is a known one.

    ``name`` is lower case: the search engine (``google``) for ``search``, the
    network (``facebook``) for ``social``, the AI assistant (``chatgpt``,
    ``perplexity``, ``copilot``, ``gemini``, ...) for ``assistant``, the webmail
    (``gmail``) or other known service for ``external``; None when the host is
    not in the table.
    """

    kind: ReferrerKind
    name: str | None


# --- helpers --------------------------------------------------------------------

_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_URL_LIKE = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def _clean(value: str) -> str | None:
    """Trims, collapses whitespace, drops control characters, caps the length."""
    if not value:
        return None
    value = _CONTROL_CHARS.sub(" ", value)
    value = " ".join(value.split())
    if not value:
        return None
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    if len(value) > MAX_KEYWORD_LENGTH:
        value = value[:MAX_KEYWORD_LENGTH].rstrip()
    return value or None


def _split(url: str | None) -> SplitResult | None:
    if not url or not isinstance(url, str):
        return None
    try:
        return urlsplit(url.strip())
    except ValueError:
        return None


def _hostname(parts: SplitResult) -> str | None:
    try:
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.rstrip(".")


def _site_host(host: str) -> str:
    return host[4:] if host.startswith("www.") else host


def _query(parts: SplitResult) -> list[tuple[str, str]]:
    """The query's non-blank ``name=value`` pairs, decoded like :func:`parse_qsl` but with
    the windows-1254 fallback of :func:`_decode`."""
    if not parts.query:
        return []
    pairs = []
    for field in parts.query.split("&"):
        name, equals, value = field.partition("=")
        if equals and value:
            pairs.append((_decode(name), _decode(value)))
    return pairs


def _decode(text: str) -> str:
    """Percent-decodes as UTF-8; bytes that are not UTF-8 are read as windows-1254.

    Older Turkish shop software (and some search boxes) still send the Windows
    Turkish code page: ``k%FDrm%FDz%FD`` is ``kırmızı`` there, mojibake in UTF-8.
    """
    raw = unquote_to_bytes(text.replace("+", " "))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1254", errors="replace")


def _first(params: list[tuple[str, str]], names: Iterable[str]) -> list[str]:
    """The values of the first of ``names`` (case-insensitive) that has a non-blank value."""
    for name in names:
        values = [v for k, v in params if k.lower() == name and v.strip()]
        if values:
            return values
    return []


# --- public API -------------------------------------------------------------------


def classify_referrer(url: str | None, referrer: str | None) -> ReferrerInfo | None:
    """What kind of place ``referrer`` is, seen from the page ``url``; None without one."""
    ref = _split(referrer)
    if ref is None:
        return None
    scheme = ref.scheme.lower()
    ref_host = _hostname(ref)
    if ref_host is None:
        return None
    if scheme == "android-app":
        app = ANDROID_APPS.get(ref_host)
        return ReferrerInfo(*app) if app is not None else ReferrerInfo("external", None)
    if scheme not in ("http", "https"):
        return ReferrerInfo("external", None)
    page = _split(url)
    page_host = _hostname(page) if page is not None else None
    if page_host is not None and _site_host(page_host) == _site_host(ref_host):
        return ReferrerInfo("internal", None)
    entry = lookup(ref_host, ref.path)
    if entry is None:
        return ReferrerInfo("external", None)
    medium, name, _params = entry
    if medium == "search":
        return ReferrerInfo("search", name)
    if medium == "social":
        return ReferrerInfo("social", name)
    if medium == "chatbot":
        return ReferrerInfo("assistant", name)
    return ReferrerInfo("external", name)


def referrer_kind(url: str | None, referrer: str | None) -> str | None:
    """``"search"``, ``"social"``, ``"assistant"``, ``"external"`` or ``"internal"``;
    None without a referrer."""
    try:
        info = classify_referrer(url, referrer)
    except (ValueError, TypeError, UnicodeError):
        return None
    return info.kind if info is not None else None


def _engine_keywords(page_host: str | None, referrer: str | None) -> Iterable[SearchKeyword]:
    ref = _split(referrer)
    if ref is None or ref.scheme.lower() not in ("http", "https"):
        return
    ref_host = _hostname(ref)
    if ref_host is None:
        return
    if page_host is not None and _site_host(page_host) == _site_host(ref_host):
        return
    entry = lookup(ref_host, ref.path)
    if entry is None or entry[0] != "search" or not entry[2]:
        return
    _medium, name, names = entry
    for value in _first(_query(ref), names):
        if _URL_LIKE.match(value.strip()):  # e.g. google.com/url?q=https://...
            continue
        keyword = _clean(value)
        if keyword is not None:
            yield SearchKeyword(keyword, name)


def extract_keywords(
    url: str,
    referrer: str | None,
    site_search_params: Sequence[str] = DEFAULT_SITE_SEARCH_PARAMS,
) -> list[SearchKeyword]:
    """The search phrases that brought the visitor to, or were typed on, the page ``url``.

    In this order: the phrase of a search engine ``referrer`` (source: the
    engine's name), the page's ``utm_term`` (source ``utm``), and the page's own
    search parameters ``site_search_params`` (source ``site``). Phrases are
    decoded, trimmed, whitespace-collapsed and at most 200 characters long;
    empty ones and repeats (same phrase, ignoring case, and same source) are
    dropped. A referrer on the page's own host is never a search engine. Never
    raises: garbage gives ``[]``.
    """
    try:
        return list(_cached_keywords(url, referrer, tuple(site_search_params)))
    except TypeError:  # not hashable, so not cached
        return list(_safe_keywords(url, referrer, site_search_params))


@lru_cache(maxsize=_CACHE_SIZE)
def _cached_keywords(
    url: str, referrer: str | None, site_search_params: tuple[str, ...]
) -> tuple[SearchKeyword, ...]:
    return _safe_keywords(url, referrer, site_search_params)


def _safe_keywords(
    url: str, referrer: str | None, site_search_params: Sequence[str]
) -> tuple[SearchKeyword, ...]:
    try:
        return tuple(_extract_keywords(url, referrer, site_search_params))
    except (ValueError, TypeError, UnicodeError):
        return ()


def _extract_keywords(
    url: str, referrer: str | None, site_search_params: Sequence[str]
) -> list[SearchKeyword]:
    page = _split(url)
    page_host = _hostname(page) if page is not None else None
    found: list[SearchKeyword] = list(_engine_keywords(page_host, referrer))
    if page is not None:
        params = _query(page)
        if params:
            for value in _first(params, ("utm_term",)):
                keyword = _clean(value)
                if keyword is not None:
                    found.append(SearchKeyword(keyword, "utm"))
            names = (
                DEFAULT_SITE_SEARCH_PARAMS
                if site_search_params is DEFAULT_SITE_SEARCH_PARAMS
                else tuple(str(p).lower() for p in site_search_params)
            )
            wanted = frozenset(names)
            for key, value in params:
                if key.lower() in wanted:
                    keyword = _clean(value)
                    if keyword is not None:
                        found.append(SearchKeyword(keyword, "site"))
    if len(found) < 2:
        return found
    seen: set[tuple[str, str]] = set()
    unique: list[SearchKeyword] = []
    for item in found:
        identity = (item.keyword.casefold(), item.source)
        if identity not in seen:
            seen.add(identity)
            unique.append(item)
    return unique


def extract_campaign(url: str) -> dict[str, str]:
    """The page's ``utm_source``, ``utm_medium``, ``utm_campaign``, ``utm_term`` and
    ``utm_content``, keyed without the ``utm_`` prefix; absent or blank ones left out."""
    try:
        return dict(_cached_campaign(url))
    except TypeError:  # not hashable, so not cached
        return _campaign(url)


@lru_cache(maxsize=_CACHE_SIZE)
def _cached_campaign(url: str) -> dict[str, str]:
    return _campaign(url)


def _campaign(url: str) -> dict[str, str]:
    try:
        page = _split(url)
        if page is None:
            return {}
        campaign: dict[str, str] = {}
        for key, value in _query(page):
            lowered = key.lower()
            if not lowered.startswith("utm_"):
                continue
            field = lowered[4:]
            if field in CAMPAIGN_FIELDS and field not in campaign:
                cleaned = _clean(value)
                if cleaned is not None:
                    campaign[field] = cleaned
        return campaign
    except (ValueError, TypeError, UnicodeError):
        return {}
