"""Outbox and webhook settings: how often the dispatcher looks, how it backs off, when it
gives up, how long a claim lasts, and what a webhook delivery may do.

Read from ``CHAT_*`` variables by :func:`load_outbox_settings`, which
:func:`chat_server.config.settings.load_settings` calls; tests shorten the waits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from chat_server.config.flags import read_flag


class OutboxSettingError(ValueError):
    """An outbox setting is unusable; ``variable`` names it (re-raised as SettingsError)."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


@dataclass(frozen=True)
class OutboxSettings:
    #: How often the dispatcher looks for due items (CHAT_OUTBOX_POLL_SECONDS).
    poll_seconds: float = 1.0
    #: The first retry waits this long, each next one twice as long (CHAT_OUTBOX_BACKOFF_SECONDS).
    backoff_base_seconds: float = 1.0
    #: ... but never longer than this (CHAT_OUTBOX_BACKOFF_CAP_SECONDS).
    backoff_cap_seconds: float = 3600.0
    #: An item still failing this long after it was created is given up (CHAT_OUTBOX_GIVE_UP_SECONDS).
    give_up_seconds: float = 25 * 3600.0
    #: A claimed item a crashed process never finished is tried again after this (CHAT_OUTBOX_LEASE_SECONDS).
    lease_seconds: float = 60.0
    #: Items sent or given up are forgotten, with their attempts, after this (CHAT_OUTBOX_KEEP_DAYS).
    keep_days: float = 30.0
    #: At most this many items are sent at once per process.
    batch_size: int = 20
    #: A webhook receiver must answer within this (CHAT_WEBHOOK_TIMEOUT_SECONDS).
    webhook_timeout_seconds: float = 10.0
    #: Allow webhook URLs on loopback and private networks (CHAT_WEBHOOK_ALLOW_PRIVATE).
    webhook_allow_private: bool = False


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    value = read_flag(raw)
    if value is not None:
        return value
    raise OutboxSettingError(name, f"{raw!r} is not true or false")


def load_outbox_settings(
    env: Mapping[str, str], number: Callable[[str, float], float]
) -> OutboxSettings:
    return OutboxSettings(
        poll_seconds=number("CHAT_OUTBOX_POLL_SECONDS", 1.0),
        backoff_base_seconds=number("CHAT_OUTBOX_BACKOFF_SECONDS", 1.0),
        backoff_cap_seconds=number("CHAT_OUTBOX_BACKOFF_CAP_SECONDS", 3600.0),
        give_up_seconds=number("CHAT_OUTBOX_GIVE_UP_SECONDS", 25 * 3600.0),
        lease_seconds=number("CHAT_OUTBOX_LEASE_SECONDS", 60.0),
        keep_days=number("CHAT_OUTBOX_KEEP_DAYS", 30.0),
        batch_size=int(number("CHAT_OUTBOX_BATCH_SIZE", 20)),
        webhook_timeout_seconds=number("CHAT_WEBHOOK_TIMEOUT_SECONDS", 10.0),
        webhook_allow_private=_flag(env, "CHAT_WEBHOOK_ALLOW_PRIVATE"),
    )
