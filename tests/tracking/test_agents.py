import pytest

from chat_server.tracking import is_bot, parse_user_agent
from chat_server.tracking.agents import MAX_USER_AGENT_LENGTH

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
SAFARI_IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Safari/605.1.15"
)
CHROME_ANDROID_REDUCED = (
    "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Mobile Safari/537.36"
)
SAMSUNG_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.6099.144 Mobile Safari/537.36"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
CUBOT_PHONE = (
    "Mozilla/5.0 (Linux; Android 9; CUBOT X19) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/88.0.4324.93 Mobile Safari/537.36"
)
FIREFOX_LINUX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"
HEADLESS_CHROME = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "HeadlessChrome/120.0.0.0 Safari/537.36"
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
BINGBOT = (
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; "
    "+http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36"
)


def test_chrome_on_windows_is_a_desktop_chrome_on_windows():
    ua = parse_user_agent(CHROME_WINDOWS)
    assert ua is not None
    assert ua["browser"] == "Chrome 120"
    assert ua["os"] == "Windows 10"
    assert ua["device"] == "Desktop"
    assert ua["device_type"] == "Desktop"
    assert ua["is_bot"] is False


def test_safari_on_iphone_is_a_mobile_safari_on_ios():
    ua = parse_user_agent(SAFARI_IPHONE)
    assert ua is not None
    assert str(ua["browser"]).startswith(("Mobile Safari", "Safari"))
    assert str(ua["os"]).startswith("iOS")
    assert ua["os"] == "iOS 17.1"
    assert ua["device"] in ("iPhone", "Mobile")
    assert ua["device_type"] == "Mobile"
    assert ua["is_bot"] is False


def test_an_ipad_is_a_tablet():
    ua = parse_user_agent(SAFARI_IPAD)
    assert ua is not None
    assert ua["device"] == "iPad"
    assert ua["device_type"] == "Tablet"


def test_a_mac_is_a_desktop():
    ua = parse_user_agent(SAFARI_MAC)
    assert ua is not None
    assert ua["browser"] == "Safari 17"
    assert str(ua["os"]).startswith("Mac OS")
    assert ua["device"] == "Desktop"


def test_a_known_android_phone_model_is_named_with_its_brand():
    ua = parse_user_agent(SAMSUNG_PHONE)
    assert ua is not None
    assert ua["os"] == "Android 14"
    assert ua["device"] == "Samsung SM-S918B"
    assert ua["device_type"] == "Mobile"


def test_androids_reduced_user_agent_is_just_a_mobile():
    ua = parse_user_agent(CHROME_ANDROID_REDUCED)
    assert ua is not None
    assert str(ua["browser"]).startswith("Chrome")
    assert ua["device"] == "Mobile"


def test_an_android_without_mobile_is_a_tablet():
    ua = parse_user_agent(ANDROID_TABLET)
    assert ua is not None
    assert ua["device_type"] == "Tablet"


def test_a_cubot_phone_is_not_a_bot():
    ua = parse_user_agent(CUBOT_PHONE)
    assert ua is not None
    assert ua["is_bot"] is False
    assert ua["device_type"] == "Mobile"


def test_firefox_on_linux_is_a_desktop():
    ua = parse_user_agent(FIREFOX_LINUX)
    assert ua is not None
    assert ua["browser"] == "Firefox 121"
    assert ua["device"] == "Desktop"


def test_headless_chrome_is_not_a_bot():
    ua = parse_user_agent(HEADLESS_CHROME)
    assert ua is not None
    assert ua["is_bot"] is False
    assert ua["device"] == "Desktop"
    assert not is_bot(HEADLESS_CHROME)


@pytest.mark.parametrize(
    "agent",
    [
        GOOGLEBOT,
        BINGBOT,
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)",
        "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.1; "
        "+https://openai.com/gptbot)",
        "curl/8.4.0",
        "python-requests/2.31.0",
        "Wget/1.21.4",
    ],
)
def test_crawlers_and_scripts_are_bots(agent):
    ua = parse_user_agent(agent)
    assert ua is not None
    assert ua["is_bot"] is True
    assert ua["device_type"] == "Bot"
    assert is_bot(agent)


def test_googlebot_is_a_bot():
    ua = parse_user_agent(GOOGLEBOT)
    assert ua is not None
    assert ua["is_bot"] is True


@pytest.mark.parametrize("agent", [None, "", "   ", "\t\n"])
def test_an_empty_user_agent_gives_none(agent):
    assert parse_user_agent(agent) is None
    assert is_bot(agent) is False


def test_an_unknown_user_agent_gives_nones_not_an_error():
    ua = parse_user_agent("garbage")
    assert ua == {
        "browser": None,
        "os": None,
        "device": None,
        "device_type": None,
        "is_bot": False,
    }


def test_a_huge_user_agent_is_cut_and_still_parsed():
    ua = parse_user_agent(CHROME_WINDOWS + " x" * 50_000)
    assert ua is not None
    assert ua["browser"] == "Chrome 120"
    assert MAX_USER_AGENT_LENGTH >= len(CHROME_WINDOWS)


def test_a_non_string_gives_none():
    assert parse_user_agent(123) is None  # type: ignore[arg-type]


def test_results_are_cached_but_each_call_returns_a_fresh_dict():
    first = parse_user_agent(CHROME_WINDOWS)
    assert first is not None
    first["browser"] = "mutated"
    second = parse_user_agent(CHROME_WINDOWS)
    assert second is not None
    assert second["browser"] == "Chrome 120"
    assert second is not first
