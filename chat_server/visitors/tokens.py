"""Which visitor a widget's token names: remembered per process, else looked up.

Tokens of visitors seen lately are kept (at most :data:`KNOWN_TOKENS`), so that a
returning visitor's ``hello`` need not look its id up first.
"""

from __future__ import annotations

from collections import OrderedDict

from sqlalchemy import Connection

from chat_server.storage.prepared import Prepared
from chat_server.visitors import statements as sql

_VISITOR_ID_BY_TOKEN = Prepared(sql.VISITOR_ID_BY_TOKEN)

KNOWN_TOKENS = 16384

_known: OrderedDict[tuple[str, str], str] = OrderedDict()


def known_visitor(site_id: str, token: str) -> str | None:
    return _known.get((site_id, token))


def remember(site_id: str, token: str, visitor_id: str) -> None:
    key = (site_id, token)
    _known[key] = visitor_id
    _known.move_to_end(key)
    if len(_known) > KNOWN_TOKENS:
        _known.popitem(last=False)


def forget(site_id: str, token: str) -> None:
    _known.pop((site_id, token), None)


def forget_visitor(visitor_id: str) -> None:
    for key in [key for key, known in _known.items() if known == visitor_id]:
        del _known[key]


def forget_all() -> None:
    """As after a restart (for benchmarks)."""
    _known.clear()


def visitor_id_by_token(connection: Connection, site_id: str, token: str) -> str | None:
    found = _VISITOR_ID_BY_TOKEN.scalar(connection, {"token": token, "site_id": site_id})
    return None if found is None else str(found)
