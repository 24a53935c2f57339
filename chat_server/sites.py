"""Storefronts (sites): creation and lookup by their public key."""

from __future__ import annotations

import secrets
import time
from typing import Any

from sqlalchemy import select

from chat_server.auth import normalise_origin
from chat_server.errors import DomainError
from chat_server.models import Site, utcnow
from chat_server.runtime import Runtime

_CACHE_SECONDS = 5.0
_by_key: dict[str, tuple[float, Site | None]] = {}


def site_view(site: Site) -> dict[str, Any]:
    return {"id": site.id, "key": site.key, "name": site.name, "origins": site.origins or []}


def public_site_view(site: Site) -> dict[str, Any]:
    """What the widget learns about its site in ``welcome``."""
    return {
        "id": site.id,
        "name": site.name,
        "color": site.color,
        "greeting": site.greeting,
        "locale": site.locale,
    }


def clean_origins(origins: list[str]) -> list[str]:
    cleaned = []
    for origin in origins:
        normalised = normalise_origin(origin)
        if not normalised.startswith(("http://", "https://")) or normalised.endswith("://"):
            raise DomainError(
                "invalid_origin", f"{origin!r} is not an origin like https://shop.example"
            )
        cleaned.append(normalised)
    return cleaned


async def create_site(rt: Runtime, name: str, origins: list[str], **extra: Any) -> Site:
    name = name.strip()
    if not name:
        raise DomainError("invalid_name", "a site needs a name")
    site = Site(
        key=secrets.token_urlsafe(12),
        name=name,
        origins=clean_origins(origins) or None,
        created_at=utcnow(),
        **extra,
    )
    async with rt.db.writing() as session:
        session.add(site)
    return site


async def site_by_key(rt: Runtime, key: str | None) -> Site | None:
    if not key:
        return None
    cached = _by_key.get(key)
    if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    async with rt.db.reading() as session:
        site = (await session.execute(select(Site).where(Site.key == key))).scalar_one_or_none()
    _by_key[key] = (time.monotonic(), site)
    return site


async def site_by_name(rt: Runtime, name: str) -> Site | None:
    async with rt.db.reading() as session:
        return (await session.execute(select(Site).where(Site.name == name))).scalars().first()


def forget_cached_sites() -> None:
    _by_key.clear()
