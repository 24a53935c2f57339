"""Phone or tablet, as uap-core types devices (tests/data/uap-generic-devices.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from chat_server.tracking import parse_user_agent

CORPUS = yaml.safe_load(
    (Path(__file__).resolve().parent.parent / "data" / "uap-generic-devices.yaml").read_text()
)["test_cases"]


def uap_kind(case: dict) -> str:
    tablet = case["brand"] == "Generic_Android_Tablet" or case["family"] == "Generic Tablet"
    return "Tablet" if tablet else "Mobile"


@pytest.mark.parametrize("case", CORPUS, ids=[c["user_agent_string"][:60] for c in CORPUS])
def test_uap_core_generic_devices(case: dict) -> None:
    parsed = parse_user_agent(case["user_agent_string"])
    assert parsed is not None
    assert parsed["device_type"] == uap_kind(case)


@pytest.mark.parametrize(
    "ua",
    [
        # Android 2.x stock browsers and Opera Mini: no "Mobi", still phones
        "Mozilla/5.0 (Linux; U; Android 2.3.5; en-us; HTC Vision Build/GRI40) "
        "AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Safari/533.1",
        "Mozilla/5.0 (Linux; U; Android 2.2; tr-tr; GT-I9000 Build/FROYO) "
        "AppleWebKit/533.1 (KHTML, like Gecko) Version/4.0 Safari/533.1",
        "Opera/9.80 (Android; Opera Mini/7.5.33361/31.1448; U; en) Presto/2.8.119 Version/11.1010",
        "Mozilla/5.0 (Android) ownCloud-android/2.0.0",
    ],
)
def test_old_android_phones_without_mobi_are_phones(ua: str) -> None:
    parsed = parse_user_agent(ua)
    assert parsed is not None
    assert parsed["device_type"] == "Mobile"


@pytest.mark.parametrize(
    "ua",
    [
        "Mozilla/5.0 (Linux; Android 10; SM-T510) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; Lenovo TB-X606F) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Linux; U; Android 3.2; en-us; Xoom Build/HTK75D) AppleWebKit/534.13 "
        "(KHTML, like Gecko) Version/4.0 Safari/534.13",
        "Mozilla/5.0 (Android 14; Tablet; rv:121.0) Gecko/121.0 Firefox/121.0",
        "Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    ],
)
def test_tablets_stay_tablets(ua: str) -> None:
    parsed = parse_user_agent(ua)
    assert parsed is not None
    assert parsed["device_type"] == "Tablet"


def test_a_modern_android_phone_is_a_phone() -> None:
    ua = (
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
    )
    parsed = parse_user_agent(ua)
    assert parsed is not None
    assert parsed["device_type"] == "Mobile"
