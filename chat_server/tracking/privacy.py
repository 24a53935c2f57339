"""Privacy helpers for stored visitor data."""

from __future__ import annotations

import ipaddress

__all__ = ["truncate_ip"]


def truncate_ip(ip: str | None) -> str | None:
    """The address with its host part zeroed, or None if ``ip`` is not an address.

    IPv4 keeps 24 bits (``81.2.69.142`` -> ``81.2.69.0``), IPv6 keeps 48 bits
    (``2a02:d980:1:2:3:4:5:6`` -> ``2a02:d980:1::``). An IPv4-mapped IPv6
    address is treated as the IPv4 address; an IPv6 zone (``%eth0``) is dropped.
    """
    if not ip or not isinstance(ip, str):
        return None
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if isinstance(address, ipaddress.IPv4Address):
        return str(ipaddress.IPv4Network((int(address), 24), strict=False).network_address)
    return str(ipaddress.IPv6Network((int(address), 48), strict=False).network_address)
