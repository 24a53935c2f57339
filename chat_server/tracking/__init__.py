"""Visitor tracking helpers: geolocation, referrers and search keywords, user
agents, client IPs behind proxies, IP truncation.

Pure functions and one GeoIP reader; no database, no sockets.
"""

from chat_server.tracking.agents import is_bot, parse_user_agent
from chat_server.tracking.client_ip import (
    IPNetwork,
    parse_ip,
    parse_trusted_proxies,
    resolve_client_ip,
)
from chat_server.tracking.geo import GeoDatabaseError, GeoLocator
from chat_server.tracking.privacy import truncate_ip
from chat_server.tracking.referrers import (
    DEFAULT_SITE_SEARCH_PARAMS,
    ReferrerInfo,
    SearchKeyword,
    classify_referrer,
    extract_campaign,
    extract_keywords,
    referrer_kind,
)

__all__ = [
    "DEFAULT_SITE_SEARCH_PARAMS",
    "GeoDatabaseError",
    "GeoLocator",
    "IPNetwork",
    "ReferrerInfo",
    "SearchKeyword",
    "classify_referrer",
    "extract_campaign",
    "extract_keywords",
    "is_bot",
    "parse_ip",
    "parse_trusted_proxies",
    "parse_user_agent",
    "referrer_kind",
    "resolve_client_ip",
    "truncate_ip",
]
