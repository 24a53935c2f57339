"""Hot-path statements compiled once and run on the driver's own connection.

SQLAlchemy Core spends about 20 µs of Python on each ``Connection.execute`` (cache
lookup, an execution context, parameter and result processing through generic
code, a ``CursorResult``), where ``sqlite3`` itself takes 3-5 µs for a statement by
primary key. A page view runs seven such statements, a chat message five, so on the
embedded database that overhead was a quarter of a page view's CPU.

:class:`Prepared` keeps SQLAlchemy's compiler, types, dialect and error handling and
skips only its per-call machinery: the statement is compiled once per dialect and set
of parameter names; each call puts the parameters in the compiled order through the
bind processors SQLAlchemy chose, runs the SQL on the DBAPI connection under the
SQLAlchemy one (same transaction: ``sqlite3``, or SQLAlchemy's asyncpg adapter) and
passes each row through the result processors SQLAlchemy would choose. Anything the
plan does not cover (aiosqlite's ORM sessions, Python-side column defaults to fill,
expanding ``IN`` parameters, callable values) goes through ``Connection.execute`` as
before, so results never depend on the path taken.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql import Executable

Processor = Callable[[Any], Any] | None
Row = tuple[Any, ...]


@dataclass(slots=True)
class _Plan:
    sql: str
    #: Per compiled position: the parameter's name, its bind processor, and its fixed
    #: value when the statement carries one (``status == 'open'``), else ``_REQUIRED``.
    binds: tuple[tuple[str, Processor, Any], ...]
    #: (column index, result processor) of the columns whose driver value needs turning
    #: into the column type's (SQLite's text into an aware datetime, JSON text into data).
    #: On PostgreSQL a processor depends on the column's type as the server describes it,
    #: so they are chosen at the first run (None until then).
    results: tuple[tuple[int, Callable[[Any], Any]], ...] | None
    #: The result columns' types and the dialect, to choose ``results``.
    result_types: tuple[Any, ...]
    dialect: Dialect
    #: The result columns' keys, for rows read by name.
    names: tuple[str, ...]
    #: SQLite's rows are tuples already; asyncpg's are Records.
    sqlite: bool


_REQUIRED = object()
#: The drivers whose DBAPI connection a plan runs on: the standard ``sqlite3`` (the
#: group-committed writes and hot reads; aiosqlite's ORM sessions keep the usual path)
#: and SQLAlchemy's asyncpg adapter.
FAST_DRIVERS = frozenset({"pysqlite", "asyncpg"})
#: Marks "this dialect and key set cannot take the fast path" in a statement's plans.
_UNPLANNED = None


class Prepared:
    """A Core statement run with little per-call overhead (see the module)."""

    __slots__ = ("_plans", "statement")

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[tuple[str, ...], _Plan | None] = {}

    # -- the calls ---------------------------------------------------------------------

    def all(self, connection: Connection, params: Mapping[str, Any]) -> list[Row]:
        plan = self._plan(connection, params)
        if plan is None:
            return [tuple(row) for row in connection.execute(self.statement, dict(params))]
        return _all(connection, plan, params)

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Row | None:
        plan = self._plan(connection, params)
        if plan is None:
            row = connection.execute(self.statement, dict(params)).first()
            return None if row is None else tuple(row)
        return _first(connection, plan, params)

    def all_named(self, connection: Connection, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Every row as a dict by column key (the statement's labels)."""
        plan = self._plan(connection, params)
        if plan is None:
            return [dict(row._mapping) for row in connection.execute(self.statement, dict(params))]
        return [dict(zip(plan.names, row, strict=True)) for row in _all(connection, plan, params)]

    def first_named(
        self, connection: Connection, params: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The first row as a dict by column key (the statement's labels), or None."""
        plan = self._plan(connection, params)
        if plan is None:
            row = connection.execute(self.statement, dict(params)).first()
            return None if row is None else dict(row._mapping)
        found = _first(connection, plan, params)
        return None if found is None else dict(zip(plan.names, found, strict=True))

    def scalar(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        row = self.first(connection, params)
        return None if row is None else row[0]

    def run(self, connection: Connection, params: Mapping[str, Any]) -> int:
        """An INSERT, UPDATE or DELETE; the number of rows it changed."""
        plan = self._plan(connection, params)
        if plan is None:
            return int(connection.execute(self.statement, dict(params)).rowcount)
        return int(_execute(connection, plan, _values(plan, params)).rowcount)

    def run_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """The same INSERT, UPDATE or DELETE for each of ``rows`` (all with the same keys)."""
        if not rows:
            return
        plan = self._plan(connection, rows[0])
        if plan is None:
            connection.execute(self.statement, [dict(row) for row in rows])
            return
        values = [_values(plan, row) for row in rows]
        _execute(connection, plan, [], many=values)

    # -- planning ----------------------------------------------------------------------

    def _plan(self, connection: Connection, params: Mapping[str, Any]) -> _Plan | None:
        dialect = connection.dialect
        if dialect.driver not in FAST_DRIVERS:
            return None
        # By dialect too: tests run one process against SQLite and PostgreSQL.
        keys = (dialect.name, *params)
        try:
            return self._plans[keys]
        except KeyError:
            plan = self._plans[keys] = _compile(self.statement, connection, keys[1:])
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
    sqlite = dialect.name == "sqlite"
    types = tuple(column.type for column in compiled._result_columns)
    names = tuple(column.keyname for column in compiled._result_columns)
    plan = _Plan(compiled.string, tuple(binds), None, types, dialect, names, sqlite)
    if sqlite:  # SQLite describes no column types: SQLAlchemy passes None too
        plan.results = _chosen(plan, [None] * len(types))
    return plan


def _results(plan: _Plan, cursor: Any) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    if plan.results is None:
        described = cursor.description or ()
        plan.results = _chosen(plan, [column[1] for column in described])
    return plan.results


def _chosen(
    plan: _Plan, described_types: Sequence[Any]
) -> tuple[tuple[int, Callable[[Any], Any]], ...]:
    """The result processors SQLAlchemy would apply, as it chooses them."""
    chosen = []
    for index, (column_type, described) in enumerate(
        zip(plan.result_types, described_types, strict=False)
    ):
        processor = column_type._cached_result_processor(plan.dialect, described)
        if processor is not None:
            chosen.append((index, processor))
    return tuple(chosen)


def _all(connection: Connection, plan: _Plan, params: Mapping[str, Any]) -> list[Row]:
    cursor = _execute(connection, plan, _values(plan, params))
    results = _results(plan, cursor)
    rows = cursor.fetchall()
    if results:
        return [_processed(results, row) for row in rows]
    return rows if plan.sqlite else [tuple(row) for row in rows]


def _first(connection: Connection, plan: _Plan, params: Mapping[str, Any]) -> Row | None:
    cursor = _execute(connection, plan, _values(plan, params))
    results = _results(plan, cursor)
    found = cursor.fetchone()
    if found is None:
        return None
    if results:
        return _processed(results, found)
    return found if plan.sqlite else tuple(found)


def _values(plan: _Plan, params: Mapping[str, Any]) -> list[Any]:
    values = []
    for name, processor, fixed in plan.binds:
        value = params[name] if fixed is _REQUIRED else fixed
        values.append(value if processor is None else processor(value))
    return values


def _processed(results: tuple[tuple[int, Callable[[Any], Any]], ...], row: Row) -> Row:
    values = list(row)
    for index, processor in results:
        values[index] = processor(values[index])
    return tuple(values)


def _execute(
    connection: Connection, plan: _Plan, values: list[Any], many: list[list[Any]] | None = None
) -> Any:
    """The cursor of the statement run on the DBAPI connection under ``connection`` (for
    each of ``many``, when given): the same transaction, since pysqlite and SQLAlchemy's
    asyncpg adapter each begin it themselves before the first statement, as under
    ``Connection.execute``. A driver error is raised as ``Connection.execute`` raises it
    (an ``IntegrityError`` the callers catch for a raced duplicate; a lost connection
    invalidated), through the connection's own handler."""
    dbapi = _dbapi(connection, plan)
    try:
        # SQLite's connection runs statements itself; the adapter needs a cursor, run
        # from the write's greenlet (``run_sync``) as SQLAlchemy runs it.
        cursor = dbapi if plan.sqlite else dbapi.cursor()
        if many is not None:
            return cursor.executemany(plan.sql, many)
        return cursor.execute(plan.sql, values) if plan.sqlite else _ran(cursor, plan, values)
    except Exception as error:
        connection._handle_dbapi_exception(error, plan.sql, many or values, None, None)
        raise  # the handler always raises; this keeps the type checker informed


def _ran(cursor: Any, plan: _Plan, values: list[Any]) -> Any:
    cursor.execute(plan.sql, values)
    return cursor


def _dbapi(connection: Connection, plan: _Plan) -> Any:
    """``sqlite3.Connection`` itself, or SQLAlchemy's adapter of the asyncpg connection."""
    pooled = connection.connection
    return pooled.driver_connection if plan.sqlite else pooled.dbapi_connection
