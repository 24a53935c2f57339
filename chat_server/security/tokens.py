"""Signed credentials: API tokens and console session cookies, and CSRF tokens.

A token or cookie names a stored session (``auth_session``) and nothing else; the
signature only stops forgery. Whether the session still counts (not revoked, not
expired, its agent active with the same credential version) is the database's
answer, asked on every request, so a logout or a deactivation takes effect at once.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from hashlib import sha256

from itsdangerous import BadSignature, URLSafeTimedSerializer

#: How long an API token from ``POST /api/v1/auth/token`` lives.
API_TOKEN_SECONDS = 30 * 24 * 3600
#: How long a console login lives.
CONSOLE_SESSION_SECONDS = 12 * 3600

# New salts: tokens of the earlier format (which named the agent) are simply refused.
_API_SALT = "api-session"
_CONSOLE_SALT = "console-session-v2"


@dataclass(frozen=True, slots=True)
class ConsoleCookie:
    session_id: str
    csrf: str


@dataclass(frozen=True)
class Signer:
    secret_key: str

    def _serializer(self, salt: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret_key, salt=salt)

    def issue_api_token(self, session_id: str) -> str:
        return self._serializer(_API_SALT).dumps({"sid": session_id})

    def read_api_token(self, token: str | None) -> str | None:
        """The session id an API token names, or None for a forged or too old one."""
        if not token:
            return None
        try:
            data = self._serializer(_API_SALT).loads(token, max_age=API_TOKEN_SECONDS)
        except BadSignature:
            return None
        session_id = data.get("sid") if isinstance(data, dict) else None
        return session_id if isinstance(session_id, str) else None

    def issue_console_cookie(self, session_id: str) -> str:
        return self._serializer(_CONSOLE_SALT).dumps(
            {"sid": session_id, "csrf": secrets.token_urlsafe(24)}
        )

    def read_console_cookie(self, cookie: str | None) -> ConsoleCookie | None:
        """The session id and CSRF token a console cookie carries."""
        if not cookie:
            return None
        try:
            data = self._serializer(_CONSOLE_SALT).loads(cookie, max_age=CONSOLE_SESSION_SECONDS)
        except BadSignature:
            return None
        if not isinstance(data, dict):
            return None
        session_id, csrf = data.get("sid"), data.get("csrf")
        if isinstance(session_id, str) and isinstance(csrf, str):
            return ConsoleCookie(session_id, csrf)
        return None

    def anonymous_csrf(self, seed: str) -> str:
        """A CSRF token for the login form, bound to a pre-session cookie value."""
        return hmac.new(self.secret_key.encode(), b"login:" + seed.encode(), sha256).hexdigest()


def csrf_matches(expected: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(expected.encode(), given.encode())
