"""The referrer table: Snowplow's referers.yml (checked against its own test corpus,
tests/data/referer-tests.json), our additions for Turkish shops and AI assistants,
and the windows-1254 fallback for search words."""

# ruff: noqa: RUF001
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from chat_server.tracking import ReferrerInfo, classify_referrer, extract_keywords, referrer_kind
from chat_server.tracking.referrer_table import REFERERS_JSON, _source_name

ROOT = Path(__file__).resolve().parent.parent.parent
CORPUS = json.loads((ROOT / "tests" / "data" / "referer-tests.json").read_text())
PAGE = "https://shop.example.com.tr/urun/kirmizi-ayakkabi"
# referers.yml's media, as our kinds
KINDS = {"search": "search", "social": "social", "chatbot": "assistant"}


def keywords(url: str, referrer: str | None) -> list[tuple[str, str]]:
    return [(k.keyword, k.source) for k in extract_keywords(url, referrer)]


@pytest.mark.parametrize("case", CORPUS, ids=[case["spec"] for case in CORPUS])
def test_upstream_test_corpus(case: dict) -> None:
    info = classify_referrer(PAGE, case["uri"])
    assert info is not None
    assert info.kind == KINDS.get(case["medium"], "external")
    assert info.name == (_source_name(case["source"]) if case["known"] else None)
    if case["medium"] == "search" and case.get("term"):
        found = extract_keywords(PAGE, case["uri"])
        assert found[0].keyword == " ".join(case["term"].split())


def test_the_shipped_json_is_the_shipped_yml() -> None:
    spec = importlib.util.spec_from_file_location("refresh", ROOT / "tools" / "refresh_referers.py")
    assert spec is not None and spec.loader is not None
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    yml = (REFERERS_JSON.parent / "referers.yml").read_text(encoding="utf-8")
    shipped = json.loads(REFERERS_JSON.read_text(encoding="utf-8"))
    assert shipped["media"] == refresh.convert(yml, "x")["media"]
    assert shipped["sha256"] == refresh.convert(yml, "x")["sha256"]
    assert (REFERERS_JSON.parent / "REFERERS-GPL-3.0.txt").is_file()


@pytest.mark.parametrize(
    ("referrer", "name"),
    [
        ("https://chatgpt.com/", "chatgpt"),
        ("https://chat.openai.com/c/123", "chatgpt"),
        ("https://www.perplexity.ai/search/kirmizi-ayakkabi", "perplexity"),
        ("https://perplexity.ai/", "perplexity"),
        ("https://copilot.microsoft.com/chats/abc", "copilot"),
        ("https://gemini.google.com/app/1f2e", "gemini"),
        ("https://claude.ai/chat/1", "claude"),
    ],
)
def test_ai_assistants_are_their_own_source(referrer: str, name: str) -> None:
    assert classify_referrer(PAGE, referrer) == ReferrerInfo("assistant", name)
    assert referrer_kind(PAGE, referrer) == "assistant"


def test_gemini_is_not_a_google_search_without_words() -> None:
    referrer = "https://gemini.google.com/app?q=red+shoes"
    assert classify_referrer(PAGE, referrer) == ReferrerInfo("assistant", "gemini")
    assert keywords(PAGE, referrer) == []
    # google.com itself still is Google
    assert classify_referrer(PAGE, "https://www.google.com/") == ReferrerInfo("search", "google")


@pytest.mark.parametrize(
    ("referrer", "source"),
    [
        ("https://www.akakce.com/arama/?q=k%C4%B1rm%C4%B1z%C4%B1+ayakkab%C4%B1", "akakce"),
        ("https://www.cimri.com/arama?q=k%C4%B1rm%C4%B1z%C4%B1+ayakkab%C4%B1", "cimri"),
    ],
)
def test_turkish_price_comparison_sites_are_searches_with_words(referrer: str, source: str) -> None:
    assert classify_referrer(PAGE, referrer) == ReferrerInfo("search", source)
    assert keywords(PAGE, referrer) == [("kırmızı ayakkabı", source)]


def test_a_price_comparison_product_page_is_still_named() -> None:
    referrer = "https://www.akakce.com/ayakkabi/en-ucuz-kirmizi-ayakkabi-fiyati,12345.html"
    assert classify_referrer(PAGE, referrer) == ReferrerInfo("search", "akakce")
    assert keywords(PAGE, referrer) == []


@pytest.mark.parametrize("host", ["yandex.com.tr", "www.yandex.com.tr", "m.yandex.com.tr"])
def test_yandex_turkey_is_yandex(host: str) -> None:
    referrer = f"https://{host}/search/?text=k%C4%B1rm%C4%B1z%C4%B1&lr=11508"
    assert keywords(PAGE, referrer) == [("kırmızı", "yandex")]


def test_a_windows_1254_shop_search_is_decoded_not_mojibake() -> None:
    page = "https://shop.example.com.tr/ara?q=k%FDrm%FDz%FD+%FEemsiye"
    assert keywords(page, None) == [("kırmızı şemsiye", "site")]


def test_a_windows_1254_search_engine_phrase_is_decoded_too() -> None:
    referrer = "https://www.akakce.com/arama/?q=%DE%DDLTE+%D0%F6mlek"
    assert keywords(PAGE, referrer) == [("ŞİLTE Ğömlek", "akakce")]


def test_utf_8_stays_utf_8_and_ascii_is_untouched() -> None:
    page = "https://shop.example.com.tr/ara?q=%C3%BC%C3%A7+top&k=shoes"
    assert keywords(page, None) == [("üç top", "site"), ("shoes", "site")]
