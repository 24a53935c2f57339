"""Storefronts (sites): creation, settings, listing, and lookup by their public key.

The visitor socket looks a site up by key on every handshake: lookups are kept for
:data:`CACHE_SECONDS`, so a change made by another process (or the CLI) reaches every
running process within that time, well inside the 5 seconds the contract allows.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from typing import Any

from sqlalchemy import or_, select

from chat_server.admin import personal_data
from chat_server.admin.site_fields import SiteChanges, clean_origins
from chat_server.model.errors import DomainError, NotFound
from chat_server.model.scope import Scope
from chat_server.model.tables import Site, utcnow
from chat_server.runtime.state import Runtime

CACHE_SECONDS = 2.0
_by_key: dict[str, tuple[float, Site | None]] = {}
_loading: dict[str, asyncio.Future[Site | None]] = {}
_generation = [0]  # bumped when this process changes a site: reads begun before are not kept


def new_site_key() -> str:
    """A public key that is safe in URLs and never looks like a command-line option."""
    while True:
        key = secrets.token_urlsafe(12)
        if key[0].isalnum():
            return key


def public_site_view(site: Site) -> dict[str, Any]:
    """What the widget learns about its site in ``welcome``."""
    return {
        "id": site.id,
        "name": site.name,
        "color": site.color,
        "greeting": site.greeting,
        "locale": site.locale,
        # The widget keeps its composer while no one is online when the assistant answers.
        "assistant": site.assistant,
    }


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
    """The site with public key ``key``, read at most once per :data:`CACHE_SECONDS` per
    process. Callers that arrive while a read is under way wait for that read instead of
    starting their own: under load a read can take longer than the messages between two
    reads, and every message of a busy shop asks (the assistant's gate)."""
    if not key:
        return None
    cached = _by_key.get(key)
    if cached and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    loading = _loading.get(key)
    if loading is None:
        loading = asyncio.ensure_future(_load_site(rt, key, _generation[0]))
        _loading[key] = loading
        loading.add_done_callback(lambda done: _forget_load(key, done))
    return await asyncio.shield(loading)


def _forget_load(key: str, done: asyncio.Future[Site | None]) -> None:
    if _loading.get(key) is done:
        del _loading[key]


async def _load_site(rt: Runtime, key: str, generation: int) -> Site | None:
    async with rt.db.reading() as session:
        site = (await session.execute(select(Site).where(Site.key == key))).scalar_one_or_none()
    if generation == _generation[0]:  # not read before a change this process made
        if len(_by_key) > 10_000:  # keys that never existed must not pile up
            _by_key.clear()
        _by_key[key] = (time.monotonic(), site)
    return site


async def site_by_name(rt: Runtime, name: str) -> Site | None:
    async with rt.db.reading() as session:
        return (await session.execute(select(Site).where(Site.name == name))).scalars().first()


async def find_site(rt: Runtime, key_or_id: str) -> Site | None:
    async with rt.db.reading() as session:
        return (
            await session.execute(
                select(Site).where(or_(Site.key == key_or_id, Site.id == key_or_id))
            )
        ).scalar_one_or_none()


def forget_cached_sites() -> None:
    _generation[0] += 1
    _by_key.clear()
    _loading.clear()


async def list_sites(rt: Runtime, scope: Scope) -> list[Site]:
    """The sites ``scope`` belongs to, oldest first."""
    query = select(Site).order_by(Site.created_at, Site.id)
    if scope.site_ids is not None:
        query = query.where(Site.id.in_(sorted(scope.site_ids)))
    async with rt.db.reading() as session:
        return list((await session.execute(query)).scalars())


async def require_site(rt: Runtime, site_id: str, scope: Scope) -> Site:
    """The site, or ``not_found`` when it does not exist or lies outside ``scope``."""
    scope.require(site_id, "site")
    async with rt.db.reading() as session:
        site = await session.get(Site, site_id)
    if site is None:
        raise NotFound("not_found", "no such site")
    return site


async def create_site_with(rt: Runtime, changes: SiteChanges) -> Site:
    """A new site from validated settings (``name`` among them)."""
    if "name" not in changes:
        raise DomainError("invalid_name", "a site needs a name")
    settings = {column: value for column, value in changes.items() if value is not None}
    name, origins = settings.pop("name"), settings.pop("origins", [])
    site = await create_site(rt, name, origins, **settings)
    if site.ip_mode != "full":
        await personal_data.apply_ip_mode(rt, site)
    return site


async def update_site(
    rt: Runtime, key_or_id: str, changes: SiteChanges, add_origins: list[str] | None = None
) -> Site | None:
    """Apply validated ``changes`` (and append ``add_origins``); None for no such site."""
    async with rt.db.writing() as session:
        site = (
            await session.execute(
                select(Site).where(or_(Site.key == key_or_id, Site.id == key_or_id))
            )
        ).scalar_one_or_none()
        if site is None:
            return None
        ip_mode_before = site.ip_mode
        for column, value in changes.items():
            setattr(site, column, value)
        if add_origins:
            site.origins = clean_origins([*(site.origins or []), *add_origins])
    if site.ip_mode != ip_mode_before:
        await personal_data.apply_ip_mode(rt, site)
    forget_cached_sites()
    return site


def merge_greeting(site: Site | None, given: dict[str, str | None]) -> dict[str, str] | None:
    """The CLI's greeting options change one language each ("" removes it)."""
    greeting = dict(site.greeting or {}) if site is not None else {}
    for language, text in given.items():
        if text is None:
            continue
        if text.strip():
            greeting[language] = text
        else:
            greeting.pop(language, None)
    return greeting or None
