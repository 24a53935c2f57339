"""Which webhook URLs may receive deliveries: http(s) only, and no host that resolves
to loopback, private, link-local, multicast or reserved addresses (unless the operator
allows private receivers). Checked when a webhook is created and again before every
delivery, so a name that later resolves inward (DNS rebinding) is refused then too.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from chat_server.model.errors import DomainError

MAX_URL_LENGTH = 2000
#: A name that takes longer to resolve counts as unresolvable (the delivery is retried).
RESOLVE_SECONDS = 5.0


class InvalidWebhook(DomainError):
    status = 422


def check_url(url: object) -> str:
    """The URL if it is an absolute http(s) URL with a host, else ``invalid_url``."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise InvalidWebhook("invalid_url", "url must be an http:// or https:// URL")
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise InvalidWebhook("invalid_url", "url has a bad port") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidWebhook("invalid_url", "url must be an http:// or https:// URL")
    return url


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve(host: str) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        return [str(ipaddress.ip_address(host.strip("[]")))]
    except ValueError:
        pass
    lookup = asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM)
    try:
        infos = await asyncio.wait_for(lookup, RESOLVE_SECONDS)
    except TimeoutError:
        raise OSError(f"resolving {host} took over {RESOLVE_SECONDS} s") from None
    return sorted({str(info[4][0]) for info in infos})


async def require_public(url: str) -> None:
    """Raise ``private_address`` when the URL's host resolves to a non-public address
    (``unresolvable_host`` when it resolves to nothing)."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = await resolve(host)
    except OSError:
        raise InvalidWebhook("unresolvable_host", f"{host} does not resolve") from None
    if not addresses:
        raise InvalidWebhook("unresolvable_host", f"{host} does not resolve")
    if not all(is_public(address) for address in addresses):
        raise InvalidWebhook("private_address", f"{host} resolves to a loopback or private address")
