"""Hot-path statements compiled once and run on SQLite's own cursor.

SQLAlchemy Core spends about 20 µs of Python on each ``Connection.execute`` (cache
lookup, an execution context, parameter and result processing through generic
code, a ``CursorResult``), where ``sqlite3`` itself takes 3-5 µs for a statement by
primary key. A page view runs seven such statements, a chat message five, so on the
embedded database that overhead was a quarter of a page view's CPU.

:class:`Prepared` keeps SQLAlchemy's compiler, types and dialect and skips only its
per-call machinery: the statement is compiled once per dialect and set of parameter
names; each call puts the parameters in the compiled order through the bind
processors SQLAlchemy chose, runs the SQL on the connection's DBAPI cursor (same
connection, same transaction) and passes each row through the compiled result
processors. Anything the plan does not cover (another database, Python-side column
defaults to fill, expanding ``IN`` parameters, callable values) goes through
``Connection.execute`` as before, so results never depend on the path taken.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any] | None
Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    #: Per compiled position: the parameter's name, its bind processor, and its fixed
    #: value when the statement carries one (``status == 'open'``), else ``_REQUIRED``.
    binds: tuple[tuple[str, Processor, Any], ...]
    #: (column index, result processor) of the columns whose driver value needs turning
    #: into the column type's (SQLite's text into an aware datetime, JSON text into data).
    results: tuple[tuple[int, Callable[[Any], Any]], ...]
    any_result_processor: bool
    #: The result columns' keys, for rows read by name.
    names: tuple[str, ...]


_REQUIRED = object()
#: Marks "this dialect and key set cannot take the fast path" in a statement's plans.
_UNPLANNED = None


class Prepared:
    """A Core statement run with little per-call overhead where the database is SQLite."""

    __slots__ = ("_plans", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, ...], _Plan | None] = {}

    # -- the calls ---------------------------------------------------------------------

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[Row]:
        plan = self._plan(connection, params)
        if plan is None:
            return [tuple(row) for row in connection.execute(self.statement, dict(params))]
        rows = _cursor(connection).execute(plan.sql, _values(plan, params)).fetchall()
        return [_processed(plan, row) for row in rows] if plan.any_result_processor else rows

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Row | None:
        plan = self._plan(connection, params)
        if plan is None:
            row = connection.execute(self.statement, dict(params)).first()
            return None if row is None else tuple(row)
        found = _cursor(connection).execute(plan.sql, _values(plan, params)).fetchone()
        if found is None or not plan.any_result_processor:
            return found
        return _processed(plan, found)

    def all_named(self, connection: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row as a dict by column key (the statement's labels)."""
        plan = self._plan(connection, params)
        if plan is None:
            return [dict(row._mapping) for row in connection.execute(self.statement, dict(params))]
        return [dict(zip(plan.names, row, strict=True)) for row in self.all(connection, params)]

    def first_named(
        self, connection: Connection, params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The first row as a dict by column key (the statement's labels), or None."""
        plan = self._plan(connection, params)
        if plan is None:
            row = connection.execute(self.statement, dict(params)).first()
            return None if row is None else dict(row._mapping)
        found = self.first(connection, params)
        return None if found is None else dict(zip(plan.names, found, strict=True))

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        row = self.first(connection, params)
        return None if row is None else row[0]

    def run(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """An INSERT, UPDATE or DELETE; the number of rows it changed."""
        plan = self._plan(connection, params)
        if plan is None:
            return int(connection.execute(self.statement, dict(params)).rowcount)
        return int(_cursor(connection).execute(plan.sql, _values(plan, params)).rowcount)

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """The same INSERT, UPDATE or DELETE for each of ``rows`` (all with the same keys)."""
        if not rows:
            return
        plan = self._plan(connection, rows[0])
        if plan is None:
            connection.execute(self.statement, [dict(row) for row in rows])
            return
        _cursor(connection).executemany(plan.sql, [_values(plan, row) for row in rows])

    # -- planning ----------------------------------------------------------------------

    def _plan(self, connection: Connection, params: Mapping[str, Any]) -> _Plan | None:
        dialect = connection.dialect
        if dialect.name != "sqlite" or dialect.is_async:
            return None
        keys = tuple(params)
        try:
            return self._plans[keys]
        except KeyError:
            plan = self._plans[keys] = _compile(self.statement, connection, keys)
            return plan


def _compile(statement: Executable, connection: Connection, keys: tuple[str, ...]) -> _Plan | None:
    dialect = connection.dialect
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    if (
        not compiled.positional
        or compiled.insert_prefetch
        or compiled.update_prefetch
        or compiled.literal_execute_params
        or compiled.post_compile_params
        or compiled.schema_translate_map
    ):
        return _UNPLANNED
    processors = compiled._bind_processors
    binds = []
    for name in compiled.positiontup:
        bind = compiled.binds[name]
        if name in keys:
            fixed = _REQUIRED
        elif bind.callable is not None or (bind.value is None and bind.required):
            return _UNPLANNED
        else:
            fixed = bind.value
        processor = processors.get(name)
        if isinstance(processor, tuple):
            return _UNPLANNED
        binds.append((name, processor, fixed))
    by_column = [
        column.type._cached_result_processor(dialect, None) for column in compiled._result_columns
    ]
    results = tuple(
        (index, processor) for index, processor in enumerate(by_column) if processor is not None
    )
    names = tuple(column.keyname for column in compiled._result_columns)
    return _Plan(compiled.string, tuple(binds), results, any(results), names)


def _values(plan: _Plan, params: Mapping[str, Any]) -> list[Any]:
    values = []
    for name, processor, fixed in plan.binds:
        value = params[name] if fixed is _REQUIRED else fixed
        values.append(value if processor is None else processor(value))
    return values


def _processed(plan: _Plan, row: Row) -> Row:
    values = list(row)
    for index, processor in plan.results:
        values[index] = processor(values[index])
    return tuple(values)


def _cursor(connection: Connection) -> Any:
    # The DBAPI connection under the SQLAlchemy one: same transaction, since pysqlite
    # begins it itself before the first change, as under Connection.execute.
    return connection.connection.driver_connection
