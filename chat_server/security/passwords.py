"""Argon2 password hashes, checked in a worker thread so the event loop keeps serving.

Argon2 is made to be slow (tens of milliseconds of CPU and memory per check). Run on
the event loop, a burst of bad logins would stall every socket and ``/healthz``; in a
thread (argon2-cffi releases the GIL) behind a small semaphore, a burst queues up
instead and at most ``CONCURRENT_CHECKS`` cores are busy with it.
"""

from __future__ import annotations

import asyncio
import secrets
import weakref

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

#: Password checks running at once in this process; the rest wait their turn.
CONCURRENT_CHECKS = 2

_hasher = PasswordHasher()
# Verifying against this keeps the time of a login with an unknown e-mail the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
# One semaphore per event loop: a semaphore binds to the loop that first waits on it.
_checks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing hash costs the same time and fails."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def _gate() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    gate = _checks.get(loop)
    if gate is None:
        gate = _checks[loop] = asyncio.Semaphore(CONCURRENT_CHECKS)
    return gate


async def hash_password_off_loop(password: str) -> str:
    async with _gate():
        return await asyncio.to_thread(hash_password, password)


async def verify_password_off_loop(password_hash: str | None, password: str) -> bool:
    async with _gate():
        return await asyncio.to_thread(verify_password, password_hash, password)
