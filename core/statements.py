"""SQL written where the ORM's own costs more than the database's work: statements compiled once per process, for
the few queries asked on every request (compiling their SQL took longer than running it), statements PostgreSQL
plans once per connection, and a cursor binding a batch's arrays on the server."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.query import ModelIterable
from django.db.models.sql.compiler import SQLCompiler
from django.db.models.utils import create_namedtuple_class

# Stand-ins no value of a statement equals: an id no row has, within an integer column's range (Django writes a
# comparison with a number out of its column's range as always false, or true, without the parameter), and a moment
# long before any. A statement needing more than one of a kind adds to them.
STAND_IN_ID = 2_147_480_000
STAND_IN_MOMENT = datetime(1900, 1, 1, microsecond=1, tzinfo=UTC)


class CompiledOnce:
    """The SQL Django writes for ``build(**stand_ins)``, compiled at its first use and kept for the process.

    ``rows(**values)`` runs it with each stand-in replaced by the value of the same name (``values(**values)`` gives
    the columns as the queryset would). A stand-in is found among the statement's parameters by its value, so it must
    be one no other parameter equals (a user id of -1, a moment in 1900, a text no key has). ``wrap`` puts the
    statement inside another, where ``{}`` stands.
    """

    def __init__(self, build: Callable[..., QuerySet], *, wrap: str = "{}", **stand_ins: Any) -> None:
        self.build, self.wrap, self.stand_ins = build, wrap, stand_ins

    @cached_property
    def compiled(self) -> tuple[str, tuple, SQLCompiler]:
        # Compiled for ``connection``, which stands for the connection of whichever thread runs the statement.
        compiler = self.build(**self.stand_ins).query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        return self.wrap.format(sql), params, compiler

    def rows(self, **values: Any) -> list[tuple]:
        """The rows as the database driver gives them: on SQLite a moment is naive, a boolean is what the column's
        declared type makes it."""
        sql, params, _compiler = self.compiled
        real = {_as_parameter(self.stand_ins[name]): _as_parameter(value) for name, value in values.items()}
        with prepared(), connection.cursor() as cursor:
            cursor.execute(sql, [real.get(param, param) for param in params])
            return cursor.fetchall()

    def values(self, **values: Any) -> list[list]:
        """The rows with each column as the queryset would give it (its fields' converters: an aware moment on
        SQLite too). Not for a wrapped statement, whose columns are the wrapper's."""
        _sql, _params, compiler = self.compiled
        converters = compiler.get_converters([column for column, _sql, _alias in compiler.select[: compiler.col_count]])
        return list(compiler.apply_converters(self.rows(**values), converters))

    def named(self, **values: Any) -> list[tuple]:
        """``values``, each row a named tuple as ``values_list(..., named=True)`` gives it: for a statement built
        by such a queryset."""
        query = self.compiled[2].query
        # The compiler's order of the columns: the values' own, else Django's older one.
        names = query.selected or [*query.extra_select, *query.values_select, *query.annotation_select]
        row = create_namedtuple_class(*names)
        return [row(*columns) for columns in self.values(**values)]

    def instances(self, **values: Any) -> list[Model]:
        """The rows as models, each with its related rows and annotations, by Django's own reading of a queryset:
        for a statement built by a queryset of models."""
        _sql, _params, compiler = self.compiled
        return list(ModelIterable(_ReadAlready(compiler, self.rows(**values))))  # type: ignore[arg-type]  # read as a queryset


class _ReadAlready:
    """What ``ModelIterable`` reads of a queryset and of its compiler, for rows read already: it builds the models
    from them as from its own query's."""

    _known_related_objects: dict = {}

    def __init__(self, compiler: SQLCompiler, rows: list[tuple]) -> None:
        self.compiler, self.read = compiler, rows
        self.db = compiler.using or DEFAULT_DB_ALIAS
        self.query = self

    def get_compiler(self, using: str | None = None) -> "_ReadAlready":
        return self

    def execute_sql(self, *args: Any, **kwargs: Any) -> list[list[tuple]]:
        return [self.read]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.compiler, name)


def _as_parameter(value: Any) -> Any:
    """A value as the backend passes it in a statement (on SQLite, a moment is a string)."""
    return connection.ops.adapt_datetimefield_value(value) if isinstance(value, datetime) else value


@contextmanager
def prepared() -> Iterator[None]:
    """Statements run inside are prepared by PostgreSQL (elsewhere, run as they are): the connection keeps each,
    and after planning it five times for its values the server decides whether one generic plan, made once, costs
    no more than planning each time; then it stops planning that statement. For a statement asked on every request
    whose best plan is the same whatever its values (a person's own cases, a token's user): the queue's was
    planned in 1.4–2.6 ms at a million cases and run in 0.5, for 42 indexes of the case table to weigh. A plan that
    depends on the values (a unit's cases, many or few) is not for this: the generic plan could suit neither.

    A condition proving a partial index's predicate must say its values in the statement (``Choice``): a
    parameter the generic plan cannot see into, and without the index the generic plan costs more and is never
    chosen. The floor app of ``bench --http`` gets the same from psycopg's default (prepare after five runs);
    Django turns that off for every statement, for connection poolers in transaction mode; Huiyin connects
    directly (a pooler between would have to keep prepared statements: docs/deploy.md).
    """
    if connection.vendor != "postgresql":
        yield
        return
    # Only where PostgreSQL is the database:
    from django.db.backends.postgresql.base import ServerBindingCursor
    from django.db.backends.postgresql.features import DatabaseFeatures

    connection.ensure_connection()
    driver, features = connection.connection, cast(DatabaseFeatures, connection.features)
    settings = driver.cursor_factory, driver.prepare_threshold, features.uses_server_side_binding
    # Bound on the server and prepared at its first run: psycopg names it and keeps the name for the connection.
    # Django's query log then writes each statement's values into its SQL itself, as for such a connection.
    driver.cursor_factory, driver.prepare_threshold, features.uses_server_side_binding = ServerBindingCursor, 0, True
    try:
        yield
    finally:
        driver.cursor_factory, driver.prepare_threshold, features.uses_server_side_binding = settings


class Choice(Expression):
    """One of a column's fixed choices written into the statement as a constant, not sent as a parameter: where a
    prepared statement's generic plan must see it to prove a partial index's predicate (``state IN ('assigned',
    'resolved')``). Only a code among ``choices`` is written (letters, digits, underscores: nothing to quote), so
    nothing a person types reaches the SQL."""

    def __init__(self, field: Field, value: str) -> None:
        codes = {str(choice) for choice, _label in field.choices or ()}
        if value not in codes or not re.fullmatch(r"\w+", value, re.ASCII):
            raise ValueError(f"{value!r} is not a code among {field}'s choices")
        super().__init__(output_field=field)
        self.value = value

    def as_sql(self, compiler, connection) -> tuple[str, tuple]:
        return f"'{self.value}'", ()


def array_parameter(field: Field) -> str:
    """The placeholder of one column's values as an array for ``array_cursor``, cast to the column's type.

    Sent in binary (``%b``): each value goes as its bytes and length, where the text format quoted and escaped
    every string and printed every moment, which cost more than the server's work on the batch. The type is
    without its size, as Django's own bulk insert does: a varchar(255)[] would truncate silently.
    """
    return f"%b::{str(field.db_type(connection)).split('(')[0]}[]"


@contextmanager
def array_cursor() -> Iterator[CursorWrapper]:
    """A cursor for statements that take whole columns as arrays (a batch's ``unnest``), on PostgreSQL bound by
    the server: Django's cursors write every value into the statement's text, and quoting a batch of 500 rows
    into it cost more than the server's work on them. Queries through it are counted and logged as any other's.
    """
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    import psycopg  # only where PostgreSQL is the database

    connection.ensure_connection()
    # django-stubs type the argument as Django's wrapper; it is the driver's cursor that is wrapped.
    wrapped = (connection.make_debug_cursor if connection.queries_logged else connection.make_cursor)(
        psycopg.Cursor(connection.connection)  # type: ignore[arg-type]
    )
    with wrapped as cursor:
        yield cursor
