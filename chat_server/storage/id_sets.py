"""``column IN (a large set of ids)`` bound as one parameter.

The online visitors are a set of thousands of ids. ``column.in_(ids)`` binds one
parameter per id: SQLAlchemy renders (and SQLite parses) thousands of placeholders for
every query, and SQLite refuses more than 32,766 of them. One JSON text (SQLite's
``json_each``) or one array (PostgreSQL's ``= ANY``) keeps the statement the same size
whatever the count.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import ColumnElement


def among(column: Any, ids: Collection[str], embedded: bool) -> ColumnElement[bool]:
    """``column`` is one of ``ids``; ``embedded`` is SQLite (else PostgreSQL)."""
    if embedded:
        values = func.json_each(bindparam(None, json.dumps(list(ids)), type_=String))
        return column.in_(select(values.table_valued("value").c.value))
    array = bindparam(None, list(ids), type_=ARRAY(String))
    return column == any_(array)
