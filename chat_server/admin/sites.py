"""Storefronts (sites): creation and lookup by their public key."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import or_, select

from chat_server.admin import personal_data
from chat_server.model.errors import DomainError
from chat_server.model.tables import Site, utcnow
from chat_server.runtime.state import Runtime
from chat_server.security.auth import normalise_origin
from chat_server.visitors import invitations

_CACHE_SECONDS = 5.0
_by_key: dict[str, tuple[float, Site | None]] = {}


def new_site_key() -> str:
    """A public key that is safe in URLs and never looks like a command-line option."""
    while True:
        key = secrets.token_urlsafe(12)
        if key[0].isalnum():
            return key


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
        key=new_site_key(),
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


@dataclass(frozen=True)
class SiteChanges:
    """Validated settings to change on a site; None leaves a setting as it is."""

    ip_mode: str | None = None
    retention_days: int | None = None
    search_params: list[str] | None = None
    color: str | None = None
    greeting: dict[str, str | None] | None = None
    auto_invites: list[dict[str, Any]] | None = None

    @classmethod
    def parse(
        cls,
        *,
        ip_mode: str | None,
        retention_days: int | None,
        search_params: list[str] | None,
        color: str | None,
        greeting: dict[str, str | None],
        auto_invites_json: str | None,
    ) -> SiteChanges:
        if ip_mode is not None and ip_mode not in ("full", "truncate", "none"):
            raise DomainError("invalid_ip_mode", "--ip-mode: full, truncate or none")
        if retention_days is not None and retention_days < 0:
            raise DomainError(
                "invalid_retention", "--retention-days: must be 0 (keep forever) or more"
            )
        if color is not None and not re.fullmatch(r"#[0-9a-fA-F]{6}", color):
            raise DomainError("invalid_color", "--color: expected a colour like #2563eb")
        auto_invites = None
        if auto_invites_json is not None:
            try:
                raw = orjson.loads(auto_invites_json)
            except orjson.JSONDecodeError:
                raise DomainError("invalid_auto_invite", "--auto-invite: not valid JSON") from None
            try:
                auto_invites = invitations.validate_rules(raw)
            except DomainError as exc:
                raise DomainError(exc.code, f"--auto-invite: {exc.message}") from None
        return cls(
            ip_mode=ip_mode,
            retention_days=retention_days,
            search_params=search_params,
            color=color,
            greeting={k: v for k, v in greeting.items() if v is not None} or None,
            auto_invites=auto_invites,
        )


async def update_site(rt: Runtime, key_or_id: str, changes: SiteChanges) -> dict[str, Any] | None:
    async with rt.db.writing() as session:
        site = (
            await session.execute(
                select(Site).where(or_(Site.key == key_or_id, Site.id == key_or_id))
            )
        ).scalar_one_or_none()
        if site is None:
            return None
        if changes.ip_mode is not None:
            site.ip_mode = changes.ip_mode
        if changes.retention_days is not None:
            site.retention_days = changes.retention_days or None
        if changes.search_params is not None:
            site.search_params = [p.strip() for p in changes.search_params if p.strip()] or None
        if changes.color is not None:
            site.color = changes.color
        if changes.greeting:
            greeting = dict(site.greeting or {})
            for language, text in changes.greeting.items():
                if text and text.strip():
                    greeting[language] = text
                else:
                    greeting.pop(language, None)
            site.greeting = greeting or None
        if changes.auto_invites is not None:
            site.auto_invites = changes.auto_invites or None
    if changes.ip_mode is not None:
        await personal_data.apply_ip_mode(rt, site)
    forget_cached_sites()
    return {
        **site_view(site),
        "ip_mode": site.ip_mode,
        "retention_days": site.retention_days,
        "search_params": site.search_params,
        "color": site.color,
        "greeting": site.greeting,
        "auto_invites": site.auto_invites or [],
    }
