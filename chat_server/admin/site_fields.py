"""A site's settings, validated: from a JSON body (the API) or from command-line options.

Each field of the flat Site shape (CONTRACT section 14) has one check here. A bad
value is refused as a whole (``422``, code ``invalid_<field>``, so a form can show the
error next to its field) and nothing changes. The result maps :class:`Site` column
names to their new values; a name that is absent is left as it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from chat_server.model.errors import DomainError
from chat_server.model.tables import IpMode
from chat_server.security.origins import normalise_origin
from chat_server.visitors import invitations

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
LOCALES = ("tr", "en")
ASSISTANT_MODES = ("off", "offline", "always")
MAX_NAME = 200
MAX_GREETING = 1000
MAX_LIST = 50
MAX_PARAM = 64
#: Read-only fields a client may send back unchanged (a whole Site from GET).
READ_ONLY = frozenset({"id", "key", "created_at"})

#: The changes to apply: Site column names to new values.
SiteChanges = dict[str, Any]


class InvalidField(DomainError):
    status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"invalid_{field}", f"{field}: {message}")


def clean_origins(origins: list[str]) -> list[str]:
    cleaned = []
    for origin in origins:
        normalised = normalise_origin(origin)
        if not normalised.startswith(("http://", "https://")) or normalised.endswith("://"):
            raise InvalidField("origins", f"{origin!r} is not an origin like https://shop.example")
        if normalised not in cleaned:
            cleaned.append(normalised)
    return cleaned


def _strings(value: Any, field: str, max_length: int) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_LIST:
        raise InvalidField(field, f"expected a list of at most {MAX_LIST} strings")
    if not all(isinstance(item, str) and 0 < len(item.strip()) <= max_length for item in value):
        raise InvalidField(field, f"each entry must be a non-empty string of at most {max_length}")
    return [item.strip() for item in value]


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_NAME:
        raise InvalidField("name", f"a site needs a name of at most {MAX_NAME} characters")
    return value.strip()


def _origins(value: Any) -> list[str] | None:
    if value is None:
        return None
    return clean_origins(_strings(value, "origins", 300)) or None


def _color(value: Any) -> str | None:
    if value is not None and not (isinstance(value, str) and COLOR.fullmatch(value)):
        raise InvalidField("color", "expected a colour like #2563eb")
    return value


def _greeting(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not set(value) <= set(LOCALES):
        raise InvalidField("greeting", 'expected {"tr": text, "en": text}')
    greeting = {}
    for language, text in value.items():
        if text is None or (isinstance(text, str) and not text.strip()):
            continue
        if not isinstance(text, str) or len(text) > MAX_GREETING:
            raise InvalidField("greeting", f"each greeting is text of at most {MAX_GREETING}")
        greeting[language] = text
    return greeting or None


def _locale(value: Any) -> str | None:
    if value is not None and value not in LOCALES:
        raise InvalidField("locale", "tr, en or null")
    return value


def _ip_mode(value: Any) -> str:
    if value not in {mode.value for mode in IpMode}:
        raise InvalidField("ip_mode", "full, truncate or none")
    return str(value)


def _retention_days(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36500:
        raise InvalidField("retention_days", "a whole number of days (0 or null: keep forever)")
    return value or None


def _search_params(value: Any) -> list[str] | None:
    if value is None:
        return None
    return _strings(value, "search_params", MAX_PARAM) or None


def _notify_emails(value: Any) -> list[str] | None:
    if value is None:
        return None
    emails = [email.lower() for email in _strings(value, "notify_emails", 254)]
    for email in emails:
        if not EMAIL.match(email):
            raise InvalidField("notify_emails", f"{email!r} is not an e-mail address")
    return list(dict.fromkeys(emails)) or None


def _routing(value: Any) -> bool:
    if not isinstance(value, bool):
        raise InvalidField("routing", "true or false")
    return value


def _assistant(value: Any) -> str:
    if value not in ASSISTANT_MODES:
        raise InvalidField("assistant", "off, offline or always")
    return str(value)


def _auto_invite(value: Any) -> list[dict[str, Any]] | None:
    if value is None:
        return None
    try:
        return invitations.validate_rules(value) or None
    except DomainError as exc:
        raise InvalidField("auto_invite", exc.message) from None


#: Field of the Site shape -> (its column, its check).
FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "name": ("name", _name),
    "origins": ("origins", _origins),
    "color": ("color", _color),
    "greeting": ("greeting", _greeting),
    "locale": ("locale", _locale),
    "ip_mode": ("ip_mode", _ip_mode),
    "retention_days": ("retention_days", _retention_days),
    "search_params": ("search_params", _search_params),
    "notify_emails": ("notify_emails", _notify_emails),
    "routing": ("routing", _routing),
    "assistant": ("assistant", _assistant),
    "auto_invite": ("auto_invites", _auto_invite),
}


def changes_from_body(body: dict[str, Any]) -> SiteChanges:
    """Every field of ``body`` checked; an unknown field is refused too (a typo must not
    look saved)."""
    changes: SiteChanges = {}
    for field, value in body.items():
        if field in READ_ONLY:
            continue
        if field not in FIELDS:
            raise InvalidField(field, "not a site setting")
        column, check = FIELDS[field]
        changes[column] = check(value)
    return changes
