"""When the assistant answers: the site's ``assistant`` mode, and for ``offline``
whether any agent of the site is ``online`` (CONTRACT sections 11 and 14)."""

from __future__ import annotations

from chat_server.admin.online import agents_online_at
from chat_server.admin.sites import site_by_key
from chat_server.model.tables import Site
from chat_server.runtime.state import Runtime

OFF, OFFLINE, ALWAYS = "off", "offline", "always"


async def current_site(rt: Runtime, site: Site) -> Site:
    """The site's settings as stored lately (a change reaches open sockets in seconds)."""
    return await site_by_key(rt, site.key) or site


async def assistant_applies(rt: Runtime, site: Site) -> bool:
    """Whether the assistant answers a visitor of ``site`` now. The usual ``off`` costs
    nothing but a cached read; ``offline`` counts the online agents afresh."""
    mode = (await current_site(rt, site)).assistant
    if mode == ALWAYS:
        return True
    if mode == OFFLINE:
        return await agents_online_at(rt, site.id, fresh=True) == 0
    return False


async def anyone_online(rt: Runtime, site_id: str) -> bool:
    return await agents_online_at(rt, site_id, fresh=True) > 0
