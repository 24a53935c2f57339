"""Agent avatars: an uploaded picture, or the initials on a colour taken from the name.

A picture is stored on the agent as a ``data:`` URL (``Agent.avatar``): at most
:data:`MAX_AVATAR_BYTES` once decoded, PNG, JPEG or WebP judged from its bytes (the
type the client declared is ignored). The agent itself or an admin may set it.

:func:`avatar_image` always answers an image, so a console or a widget can show
``/api/v1/agents/{id}/avatar`` without asking first whether there is a picture: the
fallback is an SVG of the initials, white on a colour from :data:`PALETTE` (each at
least 4.5:1 against white, WCAG AA for text).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from html import escape

from sqlalchemy import select, update

from chat_server.model.errors import DomainError, Forbidden, NotFound
from chat_server.model.scope import Scope
from chat_server.model.tables import Agent, AgentSite, Role
from chat_server.runtime.state import Runtime

MAX_AVATAR_BYTES = 64 * 1024
#: Dark enough for white initials at 4.5:1 or more (checked in tests/unit/test_avatars.py).
PALETTE = (
    "#4338ca",  # indigo
    "#b42318",  # red
    "#027a48",  # green
    "#93370d",  # brown
    "#6941c6",  # purple
    "#026aa2",  # blue
    "#c11574",  # pink
    "#3e4784",  # slate blue
    "#107569",  # teal
    "#475467",  # grey
)
_DATA_URL = re.compile(r"^data:([a-z/+.-]+);base64,([A-Za-z0-9+/=\s]+)$")


class AvatarTooLarge(DomainError):
    status = 413

    def __init__(self) -> None:
        super().__init__("too_large", f"an avatar may be at most {MAX_AVATAR_BYTES // 1024} KiB")


class UnsupportedAvatar(DomainError):
    status = 415

    def __init__(self) -> None:
        super().__init__("unsupported_type", "an avatar must be a PNG, JPEG or WebP picture")


class InvalidAvatar(DomainError):
    status = 422

    def __init__(self, message: str) -> None:
        super().__init__("invalid_avatar", message)


def image_type(data: bytes) -> str | None:
    """The picture's type from its first bytes, or None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def clean_avatar(value: object) -> str | None:
    """A checked ``data:`` URL to store (None clears the picture)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidAvatar('avatar must be a "data:image/...;base64,..." URL or null')
    if len(value) > MAX_AVATAR_BYTES * 2:  # base64 of the largest picture fits well below
        raise AvatarTooLarge()
    match = _DATA_URL.match(value.strip())
    if match is None:
        raise InvalidAvatar('avatar must be a "data:image/...;base64,..." URL or null')
    try:
        data = base64.b64decode("".join(match.group(2).split()), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidAvatar("avatar is not valid base64") from None
    if len(data) > MAX_AVATAR_BYTES:
        raise AvatarTooLarge()
    kind = image_type(data)
    if kind is None:
        raise UnsupportedAvatar()
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def initials(name: str) -> str:
    words = [word for word in re.split(r"[\s._@-]+", name.strip()) if word]
    return ("".join(word[0] for word in words[:2]) or "?").upper()


def colour_of(name: str) -> str:
    digest = hashlib.sha256(name.strip().lower().encode("utf-8")).digest()
    return PALETTE[digest[0] % len(PALETTE)]


def initials_svg(name: str) -> bytes:
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
        f'<rect width="64" height="64" fill="{colour_of(name)}"/>'
        '<text x="32" y="32" dy=".35em" text-anchor="middle" fill="#ffffff" '
        'font-family="-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif" '
        f'font-size="26" font-weight="700">{escape(initials(name))}</text></svg>'
    ).encode()


async def avatar_image(rt: Runtime, agent_id: str) -> tuple[bytes, str]:
    """The agent's picture (bytes, content type), or its initials as SVG."""
    async with rt.db.reading() as session:
        row = (
            await session.execute(select(Agent.name, Agent.avatar).where(Agent.id == agent_id))
        ).first()
    if row is None:
        raise NotFound("not_found", "no such agent")
    name, stored = row
    if stored:
        match = _DATA_URL.match(stored)
        if match is not None:
            return base64.b64decode(match.group(2)), match.group(1)
    return initials_svg(name), "image/svg+xml"


async def set_avatar(rt: Runtime, agent_id: str, value: object, scope: Scope) -> None:
    """Store (or clear) the picture: the agent itself or an admin of its sites."""
    avatar = clean_avatar(value)
    if scope.agent_id != agent_id and scope.role != Role.admin.value:
        raise Forbidden("forbidden", "only the agent itself or an admin may change its avatar")
    async with rt.db.writing() as session:
        agent = await session.get(Agent, agent_id)
        if agent is None:
            raise NotFound("not_found", "no such agent")
        if not agent.all_sites and agent.role != Role.admin.value and not scope.all_sites:
            sites = (
                await session.execute(
                    select(AgentSite.site_id).where(AgentSite.agent_id == agent_id)
                )
            ).scalars()
            if not scope.filter_sites(sites):
                raise NotFound("not_found", "no such agent")
        await session.execute(update(Agent).where(Agent.id == agent_id).values(avatar=avatar))
