# Turkish test phrases use the dotless i on purpose.
# ruff: noqa: RUF001
import random
import string

import pytest

from chat_server.tracking import (
    DEFAULT_SITE_SEARCH_PARAMS,
    ReferrerInfo,
    SearchKeyword,
    classify_referrer,
    extract_campaign,
    extract_keywords,
    referrer_kind,
)

PAGE = "https://shop.example.com.tr/urun/kirmizi-ayakkabi"
TURKISH = "k%C4%B1rm%C4%B1z%C4%B1+ayakkab%C4%B1"


def keywords(url, referrer, **kwargs):
    return [(k.keyword, k.source) for k in extract_keywords(url, referrer, **kwargs)]


def test_the_default_site_search_parameters_are_the_contract_ones():
    assert DEFAULT_SITE_SEARCH_PARAMS == ("q", "s", "search", "query", "keyword", "k")


def test_search_keyword_is_a_frozen_value():
    keyword = SearchKeyword("shoes", "google")
    assert keyword == SearchKeyword(keyword="shoes", source="google")
    with pytest.raises(AttributeError):
        keyword.keyword = "boots"  # type: ignore[misc]


def test_google_com_tr_gives_a_properly_decoded_turkish_keyword():
    referrer = f"https://www.google.com.tr/search?q={TURKISH}&oq=k%C4%B1rm&sourceid=chrome"
    assert keywords(PAGE, referrer) == [("kırmızı ayakkabı", "google")]


def test_google_country_domains_and_the_bare_domain_are_google():
    hosts = ("google.co.uk", "www.google.co.uk", "www.google.de", "google.com", "www.google.com")
    for host in hosts:
        assert keywords(PAGE, f"https://{host}/search?q=red+shoes") == [("red shoes", "google")]


def test_google_images_counts_as_google():
    assert keywords(PAGE, "https://www.google.com/imgres?q=red+shoes") == [("red shoes", "google")]


def test_a_google_redirect_url_is_not_taken_for_a_keyword():
    referrer = "https://www.google.com/url?sa=t&q=https%3A%2F%2Fshop.example.com.tr%2F&url=x"
    assert keywords(PAGE, referrer) == []


def test_a_search_engine_referrer_without_a_query_gives_no_keyword():
    assert keywords(PAGE, "https://www.google.com/") == []
    assert keywords(PAGE, "https://www.google.com.tr/search?q=") == []


def test_yandex_com_tr_text_parameter_is_yandex():
    referrer = "https://yandex.com.tr/search/?text=k%C4%B1rm%C4%B1z%C4%B1%20ayakkab%C4%B1&lr=11508"
    assert keywords(PAGE, referrer) == [("kırmızı ayakkabı", "yandex")]


@pytest.mark.parametrize(
    "host",
    ["yandex.ru", "www.yandex.ru", "yandex.com", "yandex.com.tr", "www.yandex.com.tr", "ya.ru"],
)
def test_yandex_domains_are_yandex(host):
    assert keywords(PAGE, f"https://{host}/search/?text=shoes") == [("shoes", "yandex")]


def test_yahoo_uses_the_p_parameter():
    referrer = "https://tr.search.yahoo.com/search?p=red+shoes&fr=yfp-t"
    assert keywords(PAGE, referrer) == [("red shoes", "yahoo")]
    assert keywords(PAGE, "https://search.yahoo.com/search?p=boots") == [("boots", "yahoo")]


def test_baidu_uses_the_wd_and_word_parameters():
    assert keywords(PAGE, "https://www.baidu.com/s?ie=utf-8&wd=%E7%BA%A2%E9%9E%8B") == [
        ("红鞋", "baidu")
    ]
    assert keywords(PAGE, "https://m.baidu.com/s?word=shoes") == [("shoes", "baidu")]


def test_bing_is_bing():
    referrer = "https://www.bing.com/search?q=red+shoes&form=QBLH&sp=-1"
    assert keywords(PAGE, referrer) == [("red shoes", "bing")]


def test_duckduckgo_is_duckduckgo():
    assert keywords(PAGE, "https://duckduckgo.com/?q=red+shoes&t=h_&ia=web") == [
        ("red shoes", "duckduckgo")
    ]
    assert keywords(PAGE, "https://html.duckduckgo.com/html?q=boots") == [("boots", "duckduckgo")]


def test_other_engines_that_referer_parser_knows_are_named_in_lower_case():
    assert keywords(PAGE, "https://search.naver.com/search.naver?query=shoes") == [
        ("shoes", "naver")
    ]
    assert keywords(PAGE, "https://www.ecosia.org/search?q=shoes") == [("shoes", "ecosia")]
    assert keywords(PAGE, "https://search.seznam.cz/?q=boty") == [("boty", "seznam")]
    assert keywords(PAGE, "https://www.ask.com/web?q=shoes") == [("shoes", "ask")]


def test_utm_term_is_a_utm_keyword():
    url = "https://shop.example.com/?utm_source=google&utm_medium=cpc&utm_term=red%20shoes"
    assert keywords(url, None) == [("red shoes", "utm")]


def test_the_page_search_parameter_is_a_site_keyword():
    assert keywords("https://shop.example.com/search?q=" + TURKISH, None) == [
        ("kırmızı ayakkabı", "site")
    ]
    for param in DEFAULT_SITE_SEARCH_PARAMS:
        assert keywords(f"https://shop.example.com/?{param}=boots", None) == [("boots", "site")]


def test_site_search_parameters_can_be_configured():
    url = "https://shop.example.com/ara?kelime=bot&q=ignored"
    assert keywords(url, None, site_search_params=["kelime"]) == [("bot", "site")]
    assert keywords(url, None, site_search_params=()) == []


def test_site_search_parameter_names_ignore_case():
    assert keywords("https://shop.example.com/?Search=boots", None) == [("boots", "site")]
    assert keywords("https://shop.example.com/?x=boots", None, site_search_params=["X"]) == [
        ("boots", "site")
    ]


def test_engine_utm_and_site_keywords_come_together_in_that_order():
    url = "https://shop.example.com/search?q=boots&utm_term=summer+sale"
    referrer = "https://www.bing.com/search?q=red+shoes"
    assert keywords(url, referrer) == [
        ("red shoes", "bing"),
        ("summer sale", "utm"),
        ("boots", "site"),
    ]


def test_a_referrer_from_the_same_host_is_never_a_search_engine():
    url = "https://www.google.com/shop/item"
    assert keywords(url, "https://www.google.com/search?q=red+shoes") == []
    # the storefront's own search results page, seen as the referrer of a product page
    assert keywords(PAGE, "https://shop.example.com.tr/search?q=boots") == []


def test_www_and_bare_host_are_the_same_site():
    assert keywords("https://example.com/p", "https://www.example.com/search?q=x") == []
    assert referrer_kind("https://www.example.com/p", "https://example.com/") == "internal"


def test_keywords_are_trimmed_and_whitespace_is_collapsed():
    url = "https://shop.example.com/?q=%20%20red%09%0A%20shoes%20%20"
    assert keywords(url, None) == [("red shoes", "site")]


def test_control_characters_become_spaces():
    assert keywords("https://shop.example.com/?q=red%00shoes%1B", None) == [("red shoes", "site")]


def test_blank_keywords_are_dropped():
    assert keywords("https://shop.example.com/?q=&s=+++&search=%20%09", None) == []
    assert keywords(PAGE, "https://www.google.com/search?q=+++") == []


def test_keywords_are_at_most_200_characters():
    found = extract_keywords("https://shop.example.com/?q=" + "a" * 500, None)
    assert len(found) == 1
    assert found[0].keyword == "a" * 200


def test_duplicates_within_one_call_are_removed():
    url = "https://shop.example.com/?q=boots&s=Boots&search=boots&utm_term=boots"
    assert keywords(url, None) == [("boots", "utm"), ("boots", "site")]


def test_repeated_parameters_give_each_distinct_keyword():
    assert keywords("https://shop.example.com/?q=boots&q=sandals", None) == [
        ("boots", "site"),
        ("sandals", "site"),
    ]


def test_badly_encoded_bytes_do_not_raise():
    found = extract_keywords("https://shop.example.com/?q=k%FDrm%FDz%FD", None)
    assert len(found) == 1
    assert found[0].source == "site"


def test_percent_encoded_utf8_in_a_plus_joined_query_is_decoded():
    assert keywords("https://shop.example.com/?q=%C3%A7ocuk+%C3%BC%C4%9F%C5%9F", None) == [
        ("çocuk üğş", "site")
    ]


def test_decomposed_unicode_is_normalised_to_composed_form():
    # "ç" as c + combining cedilla
    assert keywords("https://shop.example.com/?q=c%CC%A7ocuk", None) == [("çocuk", "site")]


def test_an_unknown_referrer_gives_no_engine_keyword():
    assert keywords(PAGE, "https://blog.example.org/?q=shoes") == []


def test_a_social_referrer_gives_no_keyword():
    assert keywords(PAGE, "https://www.facebook.com/?q=shoes") == []


@pytest.mark.parametrize(
    ("url", "referrer"),
    [
        ("", None),
        ("", ""),
        ("not a url", "also not a url"),
        ("http://[::1", "http://[::1"),
        ("https://shop.example.com/?q=%", "https://www.google.com/search?q=%E0%A4%A"),
        ("https://shop.example.com/", "https://www.google.com:notaport/search?q=x"),
        ("https://shop.example.com/", "javascript:alert(1)"),
        ("https://shop.example.com/", "android-app://com.google.android.googlequicksearchbox/"),
        ("\x00\x01\x02", "\udcff"),
        ("https://" + "a." * 5000 + "com/?q=x", "https://" + "b." * 5000 + "com/?q=y"),
        (None, None),
        (123, 456),
        (b"https://shop.example.com/?q=x", b"https://www.google.com/search?q=x"),
    ],
)
def test_garbage_input_never_raises(url, referrer):
    result = extract_keywords(url, referrer)
    assert isinstance(result, list)
    assert referrer_kind(url, referrer) in (None, "search", "social", "external", "internal")
    assert isinstance(extract_campaign(url), dict)


def test_random_garbage_never_raises():
    rng = random.Random(1234)
    alphabet = string.printable + "%[]:@/?#&=ıİşğüöç\x00\udcff"
    for _ in range(2000):
        url = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        referrer = "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 60)))
        for prefix in ("", "https://", "http://www.google.com/search?q="):
            extract_keywords(prefix + url, prefix + referrer)
            extract_campaign(prefix + url)
            referrer_kind(prefix + url, prefix + referrer)


def test_extract_campaign_returns_the_utm_parameters_without_prefix():
    url = (
        "https://shop.example.com/?utm_source=google&utm_medium=cpc&utm_campaign=yaz%20indirimi"
        "&utm_term=k%C4%B1rm%C4%B1z%C4%B1&utm_content=banner-1&utm_other=x&q=boots"
    )
    assert extract_campaign(url) == {
        "source": "google",
        "medium": "cpc",
        "campaign": "yaz indirimi",
        "term": "kırmızı",
        "content": "banner-1",
    }


def test_extract_campaign_leaves_out_blank_and_missing_parameters():
    assert extract_campaign("https://shop.example.com/?utm_source=&utm_medium=email") == {
        "medium": "email"
    }
    assert extract_campaign("https://shop.example.com/") == {}


def test_extract_campaign_keeps_the_first_of_repeated_parameters():
    url = "https://shop.example.com/?utm_source=a&utm_source=b"
    assert extract_campaign(url) == {"source": "a"}


@pytest.mark.parametrize(
    ("referrer", "kind"),
    [
        (None, None),
        ("", None),
        ("https://www.google.com/", "search"),
        ("https://yandex.com.tr/search/?text=x", "search"),
        ("android-app://com.google.android.googlequicksearchbox/", "search"),
        ("https://www.facebook.com/", "social"),
        ("https://l.facebook.com/l.php?u=x", "social"),
        ("https://t.co/abc", "social"),
        ("https://x.com/someone", "social"),
        ("https://www.instagram.com/", "social"),
        ("https://mail.google.com/", "external"),
        ("https://blog.example.org/post", "external"),
        ("https://shop.example.com.tr/category", "internal"),
        ("https://www.shop.example.com.tr/", "internal"),
    ],
)
def test_referrer_kind(referrer, kind):
    assert referrer_kind(PAGE, referrer) == kind


def test_classify_referrer_names_the_engine_or_network():
    assert classify_referrer(PAGE, "https://www.google.com.tr/") == ReferrerInfo("search", "google")
    yahoo = classify_referrer(PAGE, "https://tr.search.yahoo.com/")
    assert yahoo == ReferrerInfo("search", "yahoo")
    assert classify_referrer(PAGE, "https://www.linkedin.com/feed/") == ReferrerInfo(
        "social", "linkedin"
    )
    assert classify_referrer(PAGE, "https://example.org/") == ReferrerInfo("external", None)
    assert classify_referrer(PAGE, None) is None
