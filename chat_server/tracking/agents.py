"""Browser, OS and device from a User-Agent header, with ``ua-parser`` 1.x.

Parsing with ua-parser's pure-Python resolver costs a few hundred
microseconds, so results are cached: visitors' user agents repeat a lot.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

import ua_parser

__all__ = ["MAX_USER_AGENT_LENGTH", "is_bot", "parse_user_agent"]

# Real user agents stay well under this; longer ones are cut before parsing, so
# that a hostile header costs no more than an ordinary one and the cache stays small.
MAX_USER_AGENT_LENGTH: Final = 1024
_CACHE_SIZE: Final = 4096

# Tokens of crawlers, link previewers, monitors and HTTP libraries. Not
# "headless": browser tests drive HeadlessChrome and must count as visitors.
# "(?<!cu)bot" keeps the Cubot phone brand out.
_BOT_RE: Final = re.compile(
    r"(?<!cu)bots?\b|crawl|spider|slurp|archiver|scraper|"
    r"facebookexternalhit|facebookcatalog|mediapartners-google|apis-google|feedfetcher|"
    r"googleother|google-inspectiontool|google-read-aloud|bingpreview|chrome-lighthouse|"
    r"whatsapp/|skypeuripreview|embedly|quora link preview|"
    r"^curl/|^wget/|python-requests|python-urllib|python-httpx|aiohttp|go-http-client|"
    r"libwww-perl|^java/|^okhttp/|httpclient|uptimerobot|pingdom|statuscake",
    re.IGNORECASE,
)

_DESKTOP_OSES: Final = frozenset(
    {
        "Windows",
        "Mac OS X",
        "Linux",
        "Ubuntu",
        "Debian",
        "Fedora",
        "Red Hat",
        "SUSE",
        "Mint",
        "Arch Linux",
        "Chrome OS",
        "ChromeOS",
        "FreeBSD",
        "OpenBSD",
        "NetBSD",
        "Solaris",
    }
)
_MOBILE_OSES: Final = frozenset(
    {"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS", "Firefox OS", "Symbian OS"}
)


def _version(major: str | None, minor: str | None = None) -> str:
    if not major:
        return ""
    return f"{major}.{minor}" if minor else major


def _join(family: str, version: str) -> str:
    return f"{family} {version}" if version else family


# uap-core's own generic rules for Android (regexes.yaml, "Android General Device
# Matching" and "Generic Tablet"; Apache-2.0): a WebKit browser that names the model right
# after the Android version and says "Safari" without "Mobile" is a tablet; one with a
# locale before the model (old Android 2.x phones) or no browser at all is a phone.
_UAP_ANDROID_TABLET: Final = re.compile(
    r"Android \d+?(?:\.\d+|)(?:\.\d+|); ([^;]{1,100}?)(?: Build|\) AppleWebKit).{1,200}? Safari"
)
_UAP_GENERIC_TABLET: Final = re.compile(
    r"(Android 3\.\d|Opera Tablet|Tablet; .{1,100}Firefox/|Android.{0,100}(?:Tab|Pad))",
    re.IGNORECASE,
)
_UAP_TABLET_FAMILIES: Final = frozenset({"Generic Tablet"})
_UAP_TABLET_BRANDS: Final = frozenset({"Generic_Android_Tablet"})
_UAP_PHONE_FAMILIES: Final = frozenset({"Generic Smartphone", "Generic Feature Phone"})
_UAP_PHONE_BRANDS: Final = frozenset({"Generic_Android"})


def _device_type(ua: str, os_family: str | None, family: str = "", brand: str = "") -> str | None:
    """``"Tablet"``, ``"Mobile"`` or ``"Desktop"``; None if no clue.

    uap-core's generic device families decide where it gives one; a device it knows
    by model (``Samsung SM-T510``) carries no kind, so an Android header without
    "Mobi" is then judged by uap-core's generic Android tablet rules above.
    """
    if "iPad" in ua or "Tablet" in ua or family in _UAP_TABLET_FAMILIES:
        return "Tablet"
    if brand in _UAP_TABLET_BRANDS:
        return "Tablet"
    if family in _UAP_PHONE_FAMILIES or brand in _UAP_PHONE_BRANDS:
        return "Mobile"
    if "Android" in ua and "Mobi" not in ua:
        if _UAP_ANDROID_TABLET.search(ua) or _UAP_GENERIC_TABLET.search(ua):
            return "Tablet"
        return "Mobile"
    if "Mobi" in ua or os_family in _MOBILE_OSES:
        return "Mobile"
    if os_family in _DESKTOP_OSES or ua.startswith("Mozilla/"):
        return "Desktop"
    return None


@lru_cache(maxsize=_CACHE_SIZE)
def _parse(ua: str) -> tuple[str | None, str | None, str | None, str | None, bool]:
    result = ua_parser.parse(ua)
    agent, os_, device = result.user_agent, result.os, result.device

    browser = None
    if agent is not None and agent.family and agent.family != "Other":
        browser = _join(agent.family, _version(agent.major))

    os_name = None
    os_family = os_.family if os_ is not None and os_.family != "Other" else None
    if os_ is not None and os_family:
        minor = os_.minor if os_family in ("iOS", "Mac OS X") else None
        os_name = _join(os_family, _version(os_.major, minor))

    bot = (device is not None and device.family == "Spider") or _BOT_RE.search(ua) is not None

    kind = _device_type(
        ua,
        os_family,
        (device.family or "") if device is not None else "",
        (device.brand or "") if device is not None else "",
    )
    name: str | None
    if bot:
        name, kind = "Bot", "Bot"
    elif device is None or not device.family or device.family == "Other":
        name = kind
    else:
        family, brand = device.family, device.brand or ""
        if brand.startswith("Generic") or family.startswith("Generic") or family in ("K", "Mac"):
            # "Generic Smartphone", Android's reduced "K" model, a Mac: just the kind
            name = kind
            if "Tablet" in brand or "Tablet" in family:
                name = kind = "Tablet"
        elif brand and brand != "Apple" and brand.lower() not in family.lower():
            name = f"{brand} {family}"
        else:
            name = family
    return browser, os_name, name, kind, bot


def parse_user_agent(ua: str | None) -> dict[str, str | bool | None] | None:
    """``{"browser", "os", "device", "device_type", "is_bot"}`` for a User-Agent header.

    ``browser`` is family and major version (``"Chrome 120"``), ``os`` family and
    version (``"Windows 10"``, ``"iOS 17.1"``), ``device`` the model when one is
    known (``"iPhone"``, ``"Samsung SM-S918B"``) or else the kind, and
    ``device_type`` the kind: ``"Desktop"``, ``"Mobile"``, ``"Tablet"`` or
    ``"Bot"``. Unknown parts are None. Returns None for an empty header.
    Results are cached; each call returns a new dict.
    """
    if not ua or not isinstance(ua, str):
        return None
    ua = " ".join(ua[:MAX_USER_AGENT_LENGTH].split())
    if not ua:
        return None
    browser, os_name, device, kind, bot = _parse(ua)
    return {"browser": browser, "os": os_name, "device": device, "device_type": kind, "is_bot": bot}


def is_bot(ua: str | None) -> bool:
    """Whether a User-Agent header is a crawler, previewer or script (never HeadlessChrome)."""
    parsed = parse_user_agent(ua)
    return bool(parsed and parsed["is_bot"])
