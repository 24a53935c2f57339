"""The visitor's IP address, believing ``X-Forwarded-For`` only from trusted proxies.

uvicorn's own ``proxy_headers`` handling must be off (``proxy_headers=False``)
so that this is the one place that decides; see TRAPS.md.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

__all__ = ["IPNetwork", "parse_ip", "parse_trusted_proxies", "resolve_client_ip"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_trusted_proxies(value: str) -> tuple[IPNetwork, ...]:
    """Networks from a comma-separated list of IPs and CIDRs (``"127.0.0.1, 10.0.0.0/8, ::1"``).

    Whitespace and empty items are ignored, host bits are allowed
    (``10.1.2.3/8`` is ``10.0.0.0/8``), and an empty string trusts no one.
    Raises ValueError naming the first entry that is not an IP or CIDR.
    """
    networks: list[IPNetwork] = []
    for raw in value.split(","):
        entry = raw.strip()
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(
                f"invalid trusted proxy {entry!r}: expected an IP address or a CIDR "
                "such as 10.0.0.0/8"
            ) from None
        if network not in networks:
            networks.append(network)
    return tuple(networks)


def parse_ip(value: str | None) -> IPAddress | None:
    """An address from a peer or a forwarded-for item, or None if it is not one.

    Tolerates surrounding whitespace, brackets and a port (``1.2.3.4:5678``,
    ``[2a02:d980::1]:443``), and turns an IPv4-mapped IPv6 address
    (``::ffff:1.2.3.4``) into the IPv4 address.
    """
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return None
        rest = text[end + 1 :]
        if rest and not (rest.startswith(":") and rest[1:].isdigit()):
            return None
        text = text[1:end]
    elif text.count(":") == 1:  # IPv4 with a port
        host, _, port = text.partition(":")
        if not port.isdigit():
            return None
        text = host
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _is_trusted(address: IPAddress, trusted: Sequence[IPNetwork]) -> bool:
    return any(address in network for network in trusted)


def resolve_client_ip(
    peer: str | None,
    x_forwarded_for: str | None,
    trusted: Sequence[IPNetwork],
) -> str | None:
    """The client's address, normalised (``str(ipaddress.ip_address(...))``).

    That is the socket ``peer``, unless the peer is a trusted proxy: then
    ``X-Forwarded-For`` (several headers may be joined with commas) is read from
    the right, trusted proxies are skipped, and the right-most untrusted
    address is the client; when every address is trusted, the left-most one.
    An item that is not an address ends the walk at the last good address seen
    (or the peer). The header of an untrusted peer is ignored. Returns None when
    the peer itself is missing or not an IP address (a Unix socket, a test client).
    """
    peer_address = parse_ip(peer)
    if peer_address is None:
        return None
    if not x_forwarded_for or not _is_trusted(peer_address, trusted):
        return str(peer_address)
    client = peer_address
    for item in reversed(x_forwarded_for.split(",")):
        if not item.strip():
            continue
        address = parse_ip(item)
        if address is None:
            break
        client = address
        if not _is_trusted(address, trusted):
            break
    return str(client)
