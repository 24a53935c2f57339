"""Passwords, API tokens, console sessions and origin checks."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from hashlib import sha256
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, URLSafeTimedSerializer

TOKEN_MAX_AGE = 30 * 24 * 3600
SESSION_MAX_AGE = 12 * 3600

_hasher = PasswordHasher()
# Verifying against this keeps the time of a login with an unknown e-mail the same.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Signer:
    secret_key: str

    def _serializer(self, salt: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=salt)

    def issue_token(self, agent_id: str) -> str:
        return self._serializer("api-token").dumps({"agent": agent_id})

    def read_token(self, token: str | None) -> str | None:
        if not token:
            return None
        try:
            data = self._serializer("api-token").loads(token, max_age=TOKEN_MAX_AGE)
        except BadSignature:
            return None
        agent = data.get("agent") if isinstance(data, dict) else None
        return agent if isinstance(agent, str) else None

    def issue_session(self, agent_id: str) -> str:
        return self._serializer("console-session").dumps(
            {"agent": agent_id, "csrf": secrets.token_urlsafe(24)}
        )

    def read_session(self, cookie: str | None) -> tuple[str, str] | None:
        """The (agent id, CSRF token) a console session cookie carries."""
        if not cookie:
            return None
        try:
            data = self._serializer("console-session").loads(cookie, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        agent, csrf = data.get("agent"), data.get("csrf")
        if isinstance(agent, str) and isinstance(csrf, str):
            return agent, csrf
        return None

    def anonymous_csrf(self, seed: str) -> str:
        """A CSRF token for the login form, bound to a pre-session cookie value."""
        return hmac.new(self.secret_key.encode(), b"login:" + seed.encode(), sha256).hexdigest()


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected, given)


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
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port is None or port == default else f"{host}:{port}"
    return f"{scheme}://{netloc}"


class LoginLimiter:
    """At most ``attempts`` failed logins per key in ``window`` seconds (this process)."""

    def __init__(self, attempts: int = 10, window: float = 300.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, list[float]] = {}

    def blocked(self, key: str) -> bool:
        now = time.monotonic()
        recent = [t for t in self._failures.get(key, []) if now - t < self.window]
        self._failures[key] = recent
        return len(recent) >= self.attempts

    def failed(self, key: str) -> None:
        self._failures.setdefault(key, []).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)
