"""Failed-login limits: per client address, per account, and per account *from* an address.

The three counters, each over a fixed window:

- **address**: failures from one client address (as resolved through the trusted
  proxies), whatever the e-mail: stops spraying many accounts from one place;
- **account from address**: failures for one account from one address: stops
  guessing one password from one place;
- **account**: failures for one account from everywhere. Past its limit the account
  is under a distributed attack; an address is then refused only if it has itself
  failed on this account. So failures elsewhere never stop the right password from an
  address that has not failed, and each attacking address gets one guess per window.

Counters are keyed by hashes (an HMAC of the normalised, length-capped e-mail under
the installation's secret), never the raw e-mail, and this process's counters are a
bounded LRU: memory does not grow with failed logins. With Redis the counts are
shared by every process (``realtime.redis.login_failures``), injected as a
:class:`FailureCounter`.
"""

from __future__ import annotations

import hmac
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from hashlib import sha256
from typing import Protocol

#: Longest e-mail looked at; RFC 5321 allows 254 characters in a path.
MAX_EMAIL = 320


@dataclass(frozen=True)
class LoginLimits:
    address_failures: int = 20
    account_address_failures: int = 5
    account_failures: int = 50
    window_seconds: float = 600.0


class FailureCounter(Protocol):
    """Counts per key over a fixed window that starts at a key's first failure."""

    async def counts(self, keys: Sequence[str]) -> list[int]: ...

    async def add(self, keys: Sequence[str], window_seconds: float) -> None: ...

    async def forget(self, keys: Sequence[str]) -> None: ...


class LocalFailureCounter:
    """This process's counters: at most ``max_keys``, the least recently failed dropped first."""

    def __init__(self, max_keys: int = 20_000) -> None:
        self.max_keys = max_keys
        self._counts: OrderedDict[str, tuple[float, int]] = OrderedDict()

    def _count(self, key: str, now: float) -> int:
        entry = self._counts.get(key)
        if entry is None:
            return 0
        if entry[0] <= now:
            del self._counts[key]
            return 0
        return entry[1]

    async def counts(self, keys: Sequence[str]) -> list[int]:
        now = time.monotonic()
        return [self._count(key, now) for key in keys]

    async def add(self, keys: Sequence[str], window_seconds: float) -> None:
        now = time.monotonic()
        for key in keys:
            count = self._count(key, now)
            expires = self._counts[key][0] if count else now + window_seconds
            self._counts[key] = (expires, count + 1)
            self._counts.move_to_end(key)
        while len(self._counts) > self.max_keys:
            self._counts.popitem(last=False)

    async def forget(self, keys: Sequence[str]) -> None:
        for key in keys:
            self._counts.pop(key, None)

    def __len__(self) -> int:
        return len(self._counts)


def normalise_email(email: str) -> str:
    return email[: MAX_EMAIL * 2].strip().lower()[:MAX_EMAIL]


class LoginGuard:
    """Decides whether a login attempt may be checked at all, and records the outcome."""

    def __init__(
        self, counter: FailureCounter, secret_key: str, limits: LoginLimits | None = None
    ) -> None:
        self.counter = counter
        self.limits = limits or LoginLimits()
        self._secret = secret_key.encode()

    def _keys(self, address: str | None, email: str) -> tuple[str, str, str]:
        account = hmac.new(self._secret, normalise_email(email).encode(), sha256).hexdigest()[:32]
        place = address or "unknown"
        return f"ip:{place}", f"pair:{account}:{place}", f"acct:{account}"

    async def blocked(self, address: str | None, email: str) -> bool:
        by_address, by_pair, by_account = await self.counter.counts(self._keys(address, email))
        limits = self.limits
        return (
            by_address >= limits.address_failures
            or by_pair >= limits.account_address_failures
            or (by_account >= limits.account_failures and by_pair > 0)
        )

    async def failed(self, address: str | None, email: str) -> None:
        await self.counter.add(self._keys(address, email), self.limits.window_seconds)

    async def succeeded(self, address: str | None, email: str) -> None:
        """Forgets this address's failures on this account (not the address's total: a
        valid login of one's own must not reset the count of guesses at others)."""
        _, by_pair, _ = self._keys(address, email)
        await self.counter.forget([by_pair])
