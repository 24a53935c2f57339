"""Origins: which pages may open the widget's socket, and whether a browser request
comes from the server's own pages (the agent socket's cookie login)."""

from __future__ import annotations

from urllib.parse import urlsplit


def origin_allowed(allowed: list[str] | None, origin: str | None) -> bool:
    """No list means any origin may embed the widget; otherwise scheme+host+port must match."""
    if not allowed:
        return True
    if not origin:
        return False
    return normalise_origin(origin) in {normalise_origin(entry) for entry in allowed}


def normalise_origin(value: str) -> str:
    parts = urlsplit(value.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port is None or port == default else f"{host}:{port}"
    return f"{scheme}://{netloc}"


def is_own_origin(origin: str, host: str | None, public_url: str | None) -> bool:
    """True when a browser's ``Origin`` is this server: its public URL, or the ``Host``
    the request was sent to (over http or https, as a proxy may end TLS in front).

    A cookie-authenticated WebSocket from any other page is cross-site WebSocket
    hijacking: browsers send the cookie along, so the Origin is the only defence.
    """
    own = normalise_origin(origin)
    if public_url and own == normalise_origin(public_url):
        return True
    if not host:
        return False
    return own in {normalise_origin(f"http://{host}"), normalise_origin(f"https://{host}")}
