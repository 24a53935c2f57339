"""Automatic invitations: per-site rules that start a conversation with a browsing visitor.

A site's ``auto_invites`` is a list of rules (``chat-server sites update KEY
--auto-invite JSON``)::

    [{"id": "product", "url_contains": "/product/", "after_seconds": 30,
      "text": {"tr": "Bu ürünle ilgili sorunuz var mı?", "en": "Questions about this product?"}},
     {"url_contains": "/cart", "text": "Need help with your order?"}]

A rule fires once the visitor has spent ``after_seconds`` (default 0) on one
page whose URL contains ``url_contains`` (any page without it). The clock is
the visitor's socket session: :class:`AutoInviter` arms one timer per page
entry, so it costs nothing between page views and stops with the socket. A
rule that comes due while the tab is hidden waits until it is shown again.

The invitation is a ``system`` message (author ``{"kind": "system", "id":
null, "name": null}``) that starts a conversation, so the visitor's reply
continues it and agents see what was offered; it opens no wait, so response
times start at the visitor's first message. Nothing is sent to a bot, to a
visitor who already has an open conversation, or while no agent is online
(an invitation nobody can answer only frustrates).

Each rule is shown at most once per visit, decided once across tabs and
processes by the database: the message's ``(sender_key, client_id)`` is
unique (``system:<visitor id>``, ``auto-invite:<visit>:<rule id>``), so only
the first insert wins, whichever socket or process tries.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import select
from sqlmodel import col

from chat_server.chat import commands
from chat_server.chat.posting import Posted
from chat_server.model.errors import DomainError
from chat_server.model.tables import Site, Visitor
from chat_server.runtime.state import Runtime

log = logging.getLogger(__name__)

MAX_RULES = 20
MAX_DELAY_SECONDS = 24 * 3600.0
MAX_TEXT_CHARS = 1000
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class InviteRule:
    id: str
    text: str | dict[str, str]
    url_contains: str | None = None
    after_seconds: float = 0.0

    def matches(self, url: str) -> bool:
        return self.url_contains is None or self.url_contains in url


def _rule_id(raw: dict[str, Any]) -> str:
    given = raw.get("id")
    if isinstance(given, str) and given.strip():
        return given.strip()
    # Stable while the rule is unchanged: editing a rule makes it a new one.
    return hashlib.sha1(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()[:12]


def _parse_rule(raw: Any, where: str) -> InviteRule:
    if not isinstance(raw, dict):
        raise DomainError("invalid_auto_invite", f"{where} must be a JSON object")
    unknown = set(raw) - {"id", "text", "url_contains", "after_seconds"}
    if unknown:
        raise DomainError(
            "invalid_auto_invite", f"{where} has unknown field(s): {', '.join(sorted(unknown))}"
        )
    text = raw.get("text")
    if isinstance(text, str):
        if not text.strip() or len(text) > MAX_TEXT_CHARS:
            raise DomainError(
                "invalid_auto_invite", f"{where}.text must be 1 to {MAX_TEXT_CHARS} characters"
            )
    elif isinstance(text, dict) and text:
        for language, value in text.items():
            if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT_CHARS:
                raise DomainError(
                    "invalid_auto_invite",
                    f"{where}.text.{language} must be 1 to {MAX_TEXT_CHARS} characters",
                )
    else:
        raise DomainError(
            "invalid_auto_invite",
            f'{where}.text must be a string or an object like {{"tr": "...", "en": "..."}}',
        )
    url_contains = raw.get("url_contains")
    if url_contains is not None and (not isinstance(url_contains, str) or not url_contains):
        raise DomainError("invalid_auto_invite", f"{where}.url_contains must be a non-empty string")
    after = raw.get("after_seconds", 0)
    if (
        isinstance(after, bool)
        or not isinstance(after, (int, float))
        or not math.isfinite(after)
        or not 0 <= after <= MAX_DELAY_SECONDS
    ):
        raise DomainError(
            "invalid_auto_invite",
            f"{where}.after_seconds must be a number from 0 to {MAX_DELAY_SECONDS:.0f}",
        )
    given_id = raw.get("id")
    if given_id is not None and (not isinstance(given_id, str) or len(given_id) > 64):
        raise DomainError("invalid_auto_invite", f"{where}.id must be a string of 64 or fewer")
    return InviteRule(_rule_id(raw), text, url_contains, float(after))


def validate_rules(raw: Any) -> list[dict[str, Any]]:
    """The rules to store for a site: one rule object or a list of them (``[]`` clears).

    Raises :class:`DomainError` naming the first problem.
    """
    rules = [raw] if isinstance(raw, dict) else raw
    if not isinstance(rules, list):
        raise DomainError("invalid_auto_invite", "auto invites must be a JSON list of rules")
    if len(rules) > MAX_RULES:
        raise DomainError("invalid_auto_invite", f"at most {MAX_RULES} automatic invitations")
    ids = [_parse_rule(rule, f"rule {n}").id for n, rule in enumerate(rules, 1)]
    if len(set(ids)) != len(ids):
        raise DomainError("invalid_auto_invite", "two rules have the same id")
    return [dict(rule) for rule in rules]


def rules_of(site: Site) -> list[InviteRule]:
    """The site's valid rules (invalid stored ones are skipped, and logged)."""
    rules = []
    for n, raw in enumerate(site.auto_invites or [], 1):
        try:
            rules.append(_parse_rule(raw, f"rule {n}"))
        except DomainError as exc:
            log.warning("site %s: automatic invitation skipped: %s", site.id, exc.message)
    return rules


def pick_text(text: str | dict[str, str], accept_language: str | None, locale: str | None) -> str:
    """The rule's text in the visitor's language (``Accept-Language``), else the site's,
    else English, else the first one given."""
    if isinstance(text, str):
        return text
    wanted = []
    for part in (accept_language or "").split(","):
        tag = part.split(";", 1)[0].strip().lower()
        if tag and tag != "*":
            wanted += [tag, tag.split("-", 1)[0]]
    if locale:
        wanted += [locale.lower(), locale.lower().split("-", 1)[0]]
    wanted.append(DEFAULT_LANGUAGE)
    by_language = {language.lower(): value for language, value in text.items()}
    for language in wanted:
        if language in by_language:
            return by_language[language]
    return next(iter(text.values()))


async def offer_invitation(
    rt: Runtime, site: Site, visitor_id: str, rule: InviteRule, text: str
) -> Posted | None:
    """Start a conversation with the rule's message unless this visit has had it; what
    this call committed (for the caller to deliver), or None if it sent nothing."""
    if await rt.presence.agents_online() == 0:
        return None
    async with rt.db.reading() as session:
        visits = (
            await session.execute(select(col(Visitor.visits)).where(col(Visitor.id) == visitor_id))
        ).scalar_one_or_none()
    if visits is None:
        return None
    return await commands.start_by_system(
        rt, site.id, visitor_id, f"auto-invite:{visits}:{rule.id}", text, visits
    )


Offer = Callable[[InviteRule], Awaitable[bool]]


class AutoInviter:
    """The timers of one visitor socket: armed at each page entry, paused while hidden."""

    def __init__(self, rules: list[InviteRule], offer: Offer) -> None:
        self.rules = sorted(rules, key=lambda rule: rule.after_seconds)
        self.offer = offer
        self._visible = asyncio.Event()
        self._visible.set()
        self._task: asyncio.Task[None] | None = None

    def page_entered(self, url: str) -> None:
        self.stop()
        due = [rule for rule in self.rules if rule.matches(url)]
        if due:
            self._task = asyncio.get_running_loop().create_task(self._run(due), name="auto-invite")

    def visibility(self, visible: bool) -> None:
        if visible:
            self._visible.set()
        else:
            self._visible.clear()

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self, due: list[InviteRule]) -> None:
        loop = asyncio.get_running_loop()
        entered = loop.time()
        for rule in due:
            await asyncio.sleep(max(0.0, entered + rule.after_seconds - loop.time()))
            await self._visible.wait()
            try:
                if await self.offer(rule):
                    return  # a conversation is open now; later rules would be skipped anyway
            except Exception:
                log.warning("automatic invitation %s failed", rule.id, exc_info=True)

    async def aclose(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
